"""The dedupe stage: drop resent business events by idempotency key.

For each batch the stage looks the keys up in Redis. In the batch's
transaction it produces first occurrences to the canonical topic, and a
ledger record for each to the input's ledger topic. After the commit it
writes the keys, the entity versions and the ledger checkpoint to Redis in
one MULTI/EXEC.

Why no crash loses or duplicates an event:

- A crash before the commit aborts the transaction: no output, no ledger
  record, no Redis write; the batch is processed again.
- A crash after the commit but before the Redis write leaves Redis behind the
  ledger. The next owner of the partition reads the ledger from the Redis
  checkpoint before its first batch, so the keys are restored before any
  resend can be checked against them.
- Redis restarting empty, or failing over to a replica that missed writes,
  moves the checkpoint back with the keys. Every batch reads the checkpoint
  with the keys and compares it with the offset this worker last wrote. A
  lower value makes the stage restore the partition from the ledger first.
- Redis being unreachable raises RetriableError: the runtime pauses the
  partitions and retries; nothing is dead-lettered because of it.

Events older than the highest version already forwarded for their entity are
forwarded with the header ``scmflow.flag.stale: true`` so that consumers do
not apply an older state on top of a newer one.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
import structlog
from confluent_kafka import KafkaError, Message

from canonical.avro import decode_record
from canonical.errors import ErrorCode, RecordError
from canonical.headers import (
    H_ENTITY_ID,
    H_ENTITY_TYPE,
    H_ENTITY_VERSION,
    H_IDEMPOTENCY_KEY,
    H_INGESTED_AT,
    H_SOURCE,
)
from processors.runtime import metrics
from processors.runtime.batch import BatchResult, Output
from processors.runtime.dlq import decode_headers
from processors.stages._records import DEFAULT_MAX_ATTEMPTS, AttemptTracker, run_record
from processors.stages.dedupe.ledger import LedgerEntry, read_ledger
from processors.stages.dedupe.state import DedupeState
from processors.topology import Topology

log = structlog.get_logger("scmflow.dedupe")

KEY_PREFIX = "scmflow:dedupe:"
H_STALE = "scmflow.flag.stale"
_DEFAULT_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class _Candidate:
    """The fields the stage reads from one input record."""

    redis_key: str
    ttl_s: int
    entity_id: str
    entity_version: int | None
    entity_type: str
    occurred_at: str | None
    ingested_at: str | None


@dataclass
class _Committed:
    """State that ``on_committed`` needs once the batch's transaction has committed."""

    entries: list[LedgerEntry] = field(default_factory=list)
    ledger_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    """Next offset to read per ledger partition, filled in by delivery reports."""
    times: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            tp = (message.topic(), message.partition())
            self.ledger_offsets[tp] = max(self.ledger_offsets.get(tp, 0), message.offset() + 1)


class DedupeLogic:
    """Forward the first occurrence of each idempotency key to its canonical topic."""

    name = "dedupe"

    def __init__(
        self,
        topology: Topology,
        client: redis.Redis,
        *,
        bootstrap_servers: str,
        key_prefix: str = KEY_PREFIX,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self.topology = topology
        self.attempts = AttemptTracker(max_attempts)
        self.state = DedupeState(client, key_prefix)
        self.key_prefix = key_prefix
        self.bootstrap_servers = bootstrap_servers
        input_prefix = topology.stage("dedupe").input_prefix or ""
        self._output_topic = {
            f"{input_prefix}{entity}": topology.canonical_topic(entity)
            for entity in topology.entities
        }
        # The ledger checkpoint this worker last wrote (or restored) per ledger partition.
        self._expected: dict[tuple[str, int], int] = {}

    # Partition ownership.

    def on_assigned(self, partitions: list[tuple[str, int]]) -> None:
        for topic, partition in partitions:
            if topic in self._output_topic:
                self._restore(self.topology.ledger_topic(topic), partition)

    def on_revoked(self, partitions: list[tuple[str, int]]) -> None:
        for topic, partition in partitions:
            if topic in self._output_topic:
                self._expected.pop((self.topology.ledger_topic(topic), partition), None)

    def _restore(self, ledger_topic: str, partition: int, start: int | None = None) -> None:
        """Bring Redis up to date with the ledger partition, from its checkpoint to the end."""
        started = time.monotonic()
        offset = self.state.checkpoint(ledger_topic, partition) if start is None else start
        batch: list[LedgerEntry] = []
        restored = 0
        end = offset
        for entry_offset, entry in read_ledger(
            self.bootstrap_servers, ledger_topic, partition, offset
        ):
            batch.append(entry)
            end = entry_offset + 1
            if len(batch) >= 1000:
                self.state.apply(batch, {})
                restored += len(batch)
                batch = []
        self.state.apply(batch, {(ledger_topic, partition): end})
        restored += len(batch)
        self._expected[(ledger_topic, partition)] = end
        log.info(
            "dedupe_state_restored",
            ledger=f"{ledger_topic}[{partition}]",
            from_offset=offset,
            to_offset=end,
            entries=restored,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )

    # Batches.

    def _candidate(self, message: Message) -> _Candidate:
        if message.topic() not in self._output_topic:
            raise RecordError(
                ErrorCode.INTERNAL_ERROR, f"no canonical topic for input topic {message.topic()}"
            )
        headers = decode_headers(message.headers())
        key = headers.get(H_IDEMPOTENCY_KEY)
        entity_id = headers.get(H_ENTITY_ID)
        version_text = headers.get(H_ENTITY_VERSION)
        if not key or not entity_id:
            # Records written by other producers may lack the headers: read the envelope.
            envelope = decode_record(message.value() or b"")["envelope"]
            key = envelope["idempotency_key"]
            entity_id = envelope["entity_id"]
            version_text = str(envelope["entity_version"])
        source_name = headers.get(H_SOURCE, "")
        source = self.topology.sources.get(source_name)
        return _Candidate(
            redis_key=f"{self.key_prefix}{source_name}:{key}",
            ttl_s=source.dedupe_ttl_seconds if source else _DEFAULT_TTL_S,
            entity_id=entity_id,
            entity_version=int(version_text) if version_text else None,
            entity_type=headers.get(H_ENTITY_TYPE, ""),
            occurred_at=headers.get("ce_time"),
            ingested_at=headers.get(H_INGESTED_AT),
        )

    def process_batch(self, messages: list[Message]) -> BatchResult:
        result = BatchResult()
        candidates: dict[int, _Candidate] = {}
        for index, message in enumerate(messages):

            def collect(m: Message, i: int = index) -> list[Output]:
                candidates[i] = self._candidate(m)
                return []

            _, dead = run_record(message, self.name, collect, self.attempts)
            if dead is not None:
                result.dead_letters.append(dead)

        present, versions = self._lookup(messages, candidates)
        committed = _Committed()
        now = int(time.time())
        for index, message in enumerate(messages):
            candidate = candidates.get(index)
            if candidate is None:
                continue
            if candidate.redis_key in present:
                result.duplicates += 1
                log.debug("duplicate_dropped", key=candidate.redis_key, offset=message.offset())
                continue
            present.add(candidate.redis_key)

            headers = list(message.headers() or [])
            version = candidate.entity_version
            highest = versions.get(candidate.entity_id)
            if version is not None and highest is not None and version < highest:
                headers.append((H_STALE, b"true"))
                log.info("stale_event_flagged", entity_id=candidate.entity_id, version=version)
            if version is not None and (highest is None or version > highest):
                versions[candidate.entity_id] = version

            entry = LedgerEntry(
                candidate.redis_key, now + candidate.ttl_s, candidate.entity_id, version
            )
            ledger_key, ledger_value = entry.encode()
            result.outputs.append(
                Output(
                    topic=self._output_topic[message.topic()],
                    key=message.key(),
                    value=message.value(),
                    headers=headers,
                    source=message,
                )
            )
            result.outputs.append(
                Output(
                    topic=self.topology.ledger_topic(message.topic()),
                    key=ledger_key,
                    value=ledger_value,
                    partition=message.partition(),
                    on_delivery=committed.delivered,
                    source=message,
                )
            )
            committed.entries.append(entry)
            committed.times.append(
                (candidate.entity_type, candidate.occurred_at, candidate.ingested_at)
            )
        result.after_commit = committed
        return result

    def _lookup(
        self, messages: list[Message], candidates: dict[int, _Candidate]
    ) -> tuple[set[str], dict[str, int]]:
        """Read keys, versions and checkpoints; restore partitions whose Redis state fell behind."""
        keys = sorted({c.redis_key for c in candidates.values()})
        entity_ids = sorted({c.entity_id for c in candidates.values()})
        ledgers = sorted(
            {
                (self.topology.ledger_topic(m.topic()), m.partition())
                for m in messages
                if m.topic() in self._output_topic
            }
        )
        present, versions, stored = self.state.lookup(keys, entity_ids, ledgers)
        behind = [tp for tp in ledgers if stored[tp] < self._expected.get(tp, 0)]
        if not behind:
            return present, versions
        for ledger_topic, partition in behind:
            log.warning(
                "dedupe_state_lost",
                ledger=f"{ledger_topic}[{partition}]",
                redis_checkpoint=stored[(ledger_topic, partition)],
                expected=self._expected[(ledger_topic, partition)],
            )
            self._restore(ledger_topic, partition, start=max(0, stored[(ledger_topic, partition)]))
        present, versions, _ = self.state.lookup(keys, entity_ids, ledgers)
        return present, versions

    def on_committed(self, result: BatchResult) -> None:
        committed: _Committed | None = result.after_commit
        if committed is None or not committed.entries:
            return
        _observe_latency(committed.times)
        # Recorded before the write: if the write fails, the next batch finds Redis
        # behind this value and restores the partition from the ledger.
        self._expected.update(committed.ledger_offsets)
        try:
            self.state.apply(committed.entries, committed.ledger_offsets)
        except Exception as exc:  # noqa: BLE001 - repaired by the next batch's comparison
            log.error("dedupe_mark_failed", keys=len(committed.entries), error=str(exc))


def _observe_latency(times: list[tuple[str, str | None, str | None]]) -> None:
    """Observe business and pipeline latency of records just committed to canonical topics."""
    now = datetime.now(UTC)
    for entity_type, occurred_at, ingested_at in times:
        for histogram, stamp in (
            (metrics.BUSINESS_LATENCY, occurred_at),
            (metrics.PIPELINE_LATENCY, ingested_at),
        ):
            if not stamp:
                continue
            try:
                seconds = (now - datetime.fromisoformat(stamp)).total_seconds()
            except ValueError:
                continue
            histogram.labels(entity_type).observe(max(0.0, seconds))
