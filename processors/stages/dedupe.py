"""The dedupe stage: drop resent business events by idempotency key, checked against Redis.

Order of operations: look the batch's keys up in Redis, produce the first
occurrences and commit the Kafka transaction, and only then mark the keys in
Redis. A crash between commit and mark lets a later resend through (a
duplicate), but a crash can never drop an event, which marking first would.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import redis
import structlog
from confluent_kafka import Message

from canonical.avro import decode_record
from canonical.errors import ErrorCode, RecordError, RetriableError
from canonical.headers import H_ENTITY_TYPE, H_IDEMPOTENCY_KEY, H_INGESTED_AT, H_SOURCE
from processors.runtime import metrics
from processors.runtime.batch import BatchResult, Output
from processors.runtime.dlq import decode_headers
from processors.stages._records import run_record
from processors.topology import Topology

log = structlog.get_logger("scmflow.dedupe")

KEY_PREFIX = "scmflow:dedupe:"
_DEFAULT_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class _Mark:
    redis_key: str
    ttl_s: int


@dataclass(frozen=True, slots=True)
class _Committed:
    """What ``on_committed`` needs: keys to mark and the forwarded records' times."""

    marks: list[_Mark]
    times: list[tuple[str, str | None, str | None]]
    """(entity type, occurred_at, ingested_at) of each forwarded record, as ISO-8601 strings."""


class DedupeLogic:
    """Forward the first occurrence of each idempotency key to its canonical topic."""

    name = "dedupe"

    def __init__(
        self, topology: Topology, client: redis.Redis, key_prefix: str = KEY_PREFIX
    ) -> None:
        self.topology = topology
        self.client = client
        self.key_prefix = key_prefix
        input_prefix = topology.stage("dedupe").input_prefix or ""
        self._output_topic = {
            f"{input_prefix}{entity}": topology.canonical_topic(entity)
            for entity in topology.entities
        }

    def _mark_for(self, message: Message) -> _Mark:
        headers = decode_headers(message.headers())
        key = headers.get(H_IDEMPOTENCY_KEY)
        if not key:
            # Records written by other producers may lack the header: read the envelope.
            envelope = decode_record(message.value() or b"")["envelope"]
            key = envelope["idempotency_key"]
        source_name = headers.get(H_SOURCE, "")
        source = self.topology.sources.get(source_name)
        ttl = source.dedupe_ttl_seconds if source else _DEFAULT_TTL_S
        return _Mark(redis_key=f"{self.key_prefix}{source_name}:{key}", ttl_s=ttl)

    def process_batch(self, messages: list[Message]) -> BatchResult:
        result = BatchResult()
        marks: dict[int, _Mark] = {}
        for index, message in enumerate(messages):
            _, dead = run_record(message, self.name, lambda m, i=index: self._collect(m, i, marks))
            if dead is not None:
                result.dead_letters.append(dead)

        seen = self._existing_keys({mark.redis_key for mark in marks.values()})
        new_marks: list[_Mark] = []
        times: list[tuple[str, str | None, str | None]] = []
        for index, message in enumerate(messages):
            mark = marks.get(index)
            if mark is None:
                continue
            if mark.redis_key in seen:
                result.duplicates += 1
                log.debug(
                    "duplicate_dropped",
                    topic=message.topic(),
                    partition=message.partition(),
                    offset=message.offset(),
                    key=mark.redis_key,
                )
                continue
            seen.add(mark.redis_key)
            new_marks.append(mark)
            headers = decode_headers(message.headers())
            times.append(
                (
                    headers.get(H_ENTITY_TYPE, ""),
                    headers.get("ce_time"),
                    headers.get(H_INGESTED_AT),
                )
            )
            result.outputs.append(
                Output(
                    topic=self._output_topic[message.topic()],
                    key=message.key(),
                    value=message.value(),
                    headers=list(message.headers() or []),
                )
            )
        result.after_commit = _Committed(marks=new_marks, times=times)
        return result

    def _collect(self, message: Message, index: int, marks: dict[int, _Mark]) -> list[Output]:
        if message.topic() not in self._output_topic:
            raise RecordError(
                ErrorCode.INTERNAL_ERROR, f"no canonical topic for input topic {message.topic()}"
            )
        marks[index] = self._mark_for(message)
        return []

    def _existing_keys(self, keys: set[str]) -> set[str]:
        if not keys:
            return set()
        ordered = sorted(keys)
        try:
            pipeline = self.client.pipeline(transaction=False)
            for key in ordered:
                pipeline.exists(key)
            found = pipeline.execute()
        except redis.RedisError as exc:
            raise RetriableError("redis_unavailable", str(exc)) from exc
        return {key for key, count in zip(ordered, found, strict=True) if count}

    def on_committed(self, result: BatchResult) -> None:
        committed: _Committed | None = result.after_commit
        if committed is None:
            return
        _observe_latency(committed.times)
        marks = committed.marks
        if not marks:
            return
        try:
            pipeline = self.client.pipeline(transaction=False)
            for mark in marks:
                pipeline.set(mark.redis_key, b"1", ex=mark.ttl_s)
            pipeline.execute()
        except redis.RedisError as exc:
            # NOTE: the events are committed; only their keys are unmarked, so a
            # later resend of these events would pass as new. Nothing is lost.
            log.error("dedupe_mark_failed", keys=len(marks), error=str(exc))


def _observe_latency(times: list[tuple[str, str | None, str | None]]) -> None:
    """Observe business and pipeline latency of records just committed to canonical topics."""
    now = datetime.now(UTC)
    for entity_type, occurred_at, ingested_at in times:
        if occurred_at:
            try:
                seconds = (now - datetime.fromisoformat(occurred_at)).total_seconds()
                metrics.BUSINESS_LATENCY.labels(entity_type).observe(max(0.0, seconds))
            except (ValueError, TypeError):
                pass
        if ingested_at:
            try:
                seconds = (now - datetime.fromisoformat(ingested_at)).total_seconds()
                metrics.PIPELINE_LATENCY.labels(entity_type).observe(max(0.0, seconds))
            except (ValueError, TypeError):
                pass
