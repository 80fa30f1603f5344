"""The replay's transactional producer: each batch and the read progress in one transaction."""

import time
from collections.abc import Callable
from datetime import UTC, datetime

import structlog
from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition

from scmflow.dlq.reader import DlqError
from scmflow.dlq.records import DeadLetterRecord, replay_headers
from scmflow.dlq.report import ReplayedRecord

log = structlog.get_logger("scmflow.dlq")

_TRANSACTION_TIMEOUT_S = 30.0
MAX_ATTEMPTS = 3
"""Attempts per transactional call that fails with a retriable error, and per batch
whose transaction must be aborted."""


class Pacer:
    """Space out calls to ``wait`` to at most ``rate`` per second; None means no limit."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self._next is not None and self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class ReplayPublisher:
    """Publish replay batches in transactions of a producer with a stable transactional id.

    ``init_transactions`` in the constructor fences any other producer with
    the same id and aborts the transaction it left open.
    """

    def __init__(self, bootstrap_servers: str, transactional_id: str, pacer: Pacer) -> None:
        self.transactional_id = transactional_id
        self.pacer = pacer
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap_servers,
                "transactional.id": transactional_id,
                "enable.idempotence": True,
                "linger.ms": 5,
                # The partitioner of the stages and the raw publisher, used for
                # records whose original partition no longer exists.
                "partitioner": "murmur2_random",
                "transaction.timeout.ms": 60000,
            }
        )
        try:
            self._producer.init_transactions(_TRANSACTION_TIMEOUT_S)
        except KafkaException as exc:
            raise DlqError(
                f"cannot start the replay's transactional producer {transactional_id}: "
                f"{exc.args[0].str()}"
            ) from exc

    def publish(
        self,
        planned: list[tuple[DeadLetterRecord, ReplayedRecord]],
        offsets: list[TopicPartition],
        group_metadata: object,
        actor: str,
    ) -> None:
        """Produce ``planned`` and commit ``offsets`` to the group in one transaction.

        An abortable error aborts the transaction and runs the batch again, up
        to MAX_ATTEMPTS times. Raises DlqError when the batch is not committed.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            replayed_at = datetime.now(UTC)
            try:
                # The wait for the first record comes before the transaction begins, so a
                # transaction lasts less than a second under any rate (batches are <= rate).
                if planned:
                    self.pacer.wait()
                self._producer.begin_transaction()
                for index, (record, entry) in enumerate(planned):
                    if index:
                        self.pacer.wait()
                    self._produce(record, entry, actor, replayed_at)
                self._retrying(
                    lambda: self._producer.send_offsets_to_transaction(
                        offsets, group_metadata, _TRANSACTION_TIMEOUT_S
                    )
                )
                self._retrying(lambda: self._producer.commit_transaction(_TRANSACTION_TIMEOUT_S))
                return
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                self._abort()
                if not error.txn_requires_abort():
                    raise DlqError(f"replay transaction failed: {error.str()}") from exc
                log.warning("dlq_replay_transaction_aborted", attempt=attempt, error=error.str())
            except BaseException:
                # Such as KeyboardInterrupt: nothing of the open transaction becomes visible.
                self._abort()
                raise
        raise DlqError(f"replay transaction aborted {MAX_ATTEMPTS} times; the log has the errors")

    def close(self) -> None:
        self._producer.flush(_TRANSACTION_TIMEOUT_S)

    def _produce(
        self, record: DeadLetterRecord, entry: ReplayedRecord, actor: str, replayed_at: datetime
    ) -> None:
        extra: dict[str, int] = {}
        if entry.target_partition is not None:
            extra["partition"] = entry.target_partition
        while True:
            try:
                self._producer.produce(
                    entry.target_topic,
                    key=record.key,
                    value=record.value,
                    headers=replay_headers(record, actor=actor, replayed_at=replayed_at),
                    # 0 lets the producer set the current time. NOTE: a topic with
                    # message.timestamp.before.max.ms set rejects records older than
                    # that limit, and the replay then stops with the broker's error.
                    timestamp=record.original_timestamp_ms or 0,
                    **extra,
                )
                return
            except BufferError:
                self._producer.poll(0.05)

    @staticmethod
    def _retrying(call: Callable[[], object]) -> None:
        """Run a transactional call again while librdkafka marks its error retriable."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                call()
                return
            except KafkaException as exc:
                if not exc.args[0].retriable() or attempt == MAX_ATTEMPTS:
                    raise
                time.sleep(0.5 * attempt)

    def _abort(self) -> None:
        try:
            self._producer.abort_transaction(_TRANSACTION_TIMEOUT_S)
        except KafkaException as exc:
            # After a fatal error the producer cannot abort. The coordinator aborts the
            # open transaction after transaction.timeout.ms (60 s); until then
            # read_committed readers of the target partitions wait at its first record.
            log.warning("dlq_replay_abort_failed", error=exc.args[0].str())
