"""The stage runner: batches committed in one Kafka transaction each.

For every batch the runner begins a transaction, produces the stage's outputs
and dead-letter records, sends the consumed offsets with the consumer group
metadata, and commits. Outputs, dead letters and input progress become visible
together or not at all, so a crash or an abort replays the batch from the last
committed offsets and read_committed consumers never see a partial batch.

Error handling follows librdkafka's transactional producer classes: a
retriable error repeats the same call, an abortable error aborts the
transaction and rewinds the consumer to the committed offsets, and a fatal
error recreates the producer. A commit whose outcome is unknown is retried,
never aborted.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from canonical.errors import RetriableError, StageStopped
from processors.runtime.backoff import full_jitter_delay
from processors.runtime.batch import BatchResult, Output, StageLogic
from processors.runtime.dlq import dead_letter_output

log = structlog.get_logger("scmflow.runtime")

# librdkafka's own log lines go through the standard logging module, so the
# process decides their level and format instead of librdkafka printing to stderr.
CLIENT_LOGGER = logging.getLogger("scmflow.librdkafka")

_TRANSACTION_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    """Kafka settings of one stage worker."""

    bootstrap_servers: str
    stage: str
    input_topics: list[str]
    dlq_topic: str
    slot: int = 0
    """Worker slot number; the transactional id is stable per slot so a restarted
    worker fences its predecessor at once instead of waiting for the transaction timeout."""
    max_batch: int = 1000
    commit_interval_s: float = 0.1
    group_prefix: str = "scmflow"
    consumer_overrides: dict[str, object] = field(default_factory=dict)
    producer_overrides: dict[str, object] = field(default_factory=dict)

    @property
    def group_id(self) -> str:
        return f"{self.group_prefix}-{self.stage}"

    @property
    def transactional_id(self) -> str:
        return f"{self.group_prefix}-{self.stage}-{self.slot}"


@dataclass
class StageStats:
    """Counters of committed work, updated after each commit."""

    consumed: int = 0
    produced: Counter = field(default_factory=Counter)
    dead_lettered: Counter = field(default_factory=Counter)
    duplicates: int = 0
    batches: int = 0
    aborts: int = 0
    retries: Counter = field(default_factory=Counter)
    last_commit_monotonic: float = 0.0


class StageRunner:
    """Runs one stage's logic in a transactional consume-transform-produce loop."""

    def __init__(self, logic: StageLogic, config: RunnerConfig) -> None:
        self.logic = logic
        self.config = config
        self.stats = StageStats()
        self._log = log.bind(stage=config.stage, transactional_id=config.transactional_id)
        self._consumer: Consumer | None = None
        self._producer: Producer | None = None
        self._pending: list[Message] = []
        self._consecutive_failures = 0
        self.assigned = threading.Event()

    # Client setup.

    def _new_consumer(self) -> Consumer:
        conf: dict[str, object] = {
            "bootstrap.servers": self.config.bootstrap_servers,
            "group.id": self.config.group_id,
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
            "logger": CLIENT_LOGGER,
        }
        conf.update(self.config.consumer_overrides)
        return Consumer(conf)

    def _new_producer(self) -> Producer:
        conf: dict[str, object] = {
            "bootstrap.servers": self.config.bootstrap_servers,
            "transactional.id": self.config.transactional_id,
            "enable.idempotence": True,
            "linger.ms": 5,
            # Same partition for the same key as the Java client, so Kafka
            # Streams and Connect consumers can co-partition with scmflow topics.
            "partitioner": "murmur2_random",
            "transaction.timeout.ms": 60000,
            "logger": CLIENT_LOGGER,
        }
        conf.update(self.config.producer_overrides)
        producer = Producer(conf)
        producer.init_transactions(_TRANSACTION_TIMEOUT_S)
        return producer

    def _recreate_producer(self) -> None:
        self._log.warning("producer_recreated")
        if self._producer is not None:
            self._producer.flush(1.0)
        self._producer = self._new_producer()

    # Rebalance callbacks. No transaction is open while consume() runs, because
    # the runner commits or aborts each batch before it polls again, so the
    # callbacks only drop records that were fetched but not yet processed.

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._log.info("partitions_assigned", partitions=_describe(partitions))
        self.assigned.set()

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        revoked = {(p.topic, p.partition) for p in partitions}
        before = len(self._pending)
        self._pending = [
            m for m in self._pending if (m.topic(), m.partition()) not in revoked
        ]
        self._log.info(
            "partitions_revoked",
            partitions=_describe(partitions),
            pending_dropped=before - len(self._pending),
        )
        if not consumer.assignment() or len(revoked) == len(consumer.assignment()):
            self.assigned.clear()

    # The loop.

    def run(self, stop: threading.Event) -> None:
        """Process batches until ``stop`` is set; raise StageStopped on an unrecoverable error."""
        self._producer = self._new_producer()
        self._consumer = self._new_consumer()
        self._consumer.subscribe(
            self.config.input_topics, on_assign=self._on_assign, on_revoke=self._on_revoke
        )
        self._log.info("stage_started", topics=self.config.input_topics)
        try:
            while not stop.is_set():
                batch = self._collect_batch(stop)
                if batch:
                    self._process_with_retries(batch, stop)
        finally:
            self._consumer.close()
            self._log.info(
                "stage_stopped", consumed=self.stats.consumed, batches=self.stats.batches
            )

    def _collect_batch(self, stop: threading.Event) -> list[Message]:
        """Gather up to max_batch records, for at most one commit interval."""
        assert self._consumer is not None
        deadline = time.monotonic() + self.config.commit_interval_s
        self._pending = []
        while len(self._pending) < self.config.max_batch and not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            messages = self._consumer.consume(
                num_messages=self.config.max_batch - len(self._pending), timeout=remaining
            )
            for message in messages:
                error = message.error()
                if error is None:
                    self._pending.append(message)
                elif error.fatal():
                    raise StageStopped(f"consumer failed: {error}")
                else:
                    self._log.warning("consumer_error", error=str(error))
        return self._pending

    def _process_with_retries(self, batch: list[Message], stop: threading.Event) -> None:
        """Process a batch once; after a retriable fault or an abort, rewind so it is fetched again."""
        try:
            self._process_batch(batch)
            self._consecutive_failures = 0
        except RetriableError as exc:
            self.stats.retries[exc.reason] += 1
            delay = full_jitter_delay(self._consecutive_failures)
            self._consecutive_failures += 1
            self._log.warning(
                "batch_retry",
                reason=exc.reason,
                error=exc.message,
                attempt=self._consecutive_failures,
                delay_s=round(delay, 3),
            )
            self._rewind()
            stop.wait(delay)
        except _Aborted as exc:
            self.stats.aborts += 1
            self._consecutive_failures += 1
            self._log.warning("transaction_aborted", error=str(exc.__cause__ or exc))
            self._rewind()
            stop.wait(full_jitter_delay(self._consecutive_failures))

    def _process_batch(self, batch: list[Message]) -> None:
        assert self._producer is not None and self._consumer is not None
        started = time.monotonic()
        result = self.logic.process_batch(batch)
        outputs = list(result.outputs)
        for dead in result.dead_letters:
            outputs.append(
                dead_letter_output(
                    dead,
                    stage=self.config.stage,
                    dlq_topic=self.config.dlq_topic,
                    consumer_group=self.config.group_id,
                )
            )
            self._log.warning(
                "record_dead_lettered",
                topic=dead.message.topic(),
                partition=dead.message.partition(),
                offset=dead.message.offset(),
                code=dead.code.value,
                field_path=dead.field_path,
                error=dead.error_message[:300],
            )

        offsets = _next_offsets(self._consumer, batch)
        self._transactional(self._producer.begin_transaction)
        try:
            for output in outputs:
                self._produce(output)
            self._transactional(
                lambda: self._producer.send_offsets_to_transaction(
                    offsets, self._consumer.consumer_group_metadata(), _TRANSACTION_TIMEOUT_S
                )
            )
        except _Aborted:
            self._abort()
            raise
        self._commit()
        self.logic.on_committed(result)

        self.stats.consumed += len(batch)
        self.stats.batches += 1
        self.stats.duplicates += result.duplicates
        for output in result.outputs:
            self.stats.produced[output.topic] += 1
        for dead in result.dead_letters:
            self.stats.dead_lettered[dead.code.value] += 1
        self.stats.last_commit_monotonic = time.monotonic()
        self._log.info(
            "batch_committed",
            records=len(batch),
            produced=len(result.outputs),
            dead_lettered=len(result.dead_letters),
            duplicates=result.duplicates,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )

    def _produce(self, output: Output) -> None:
        assert self._producer is not None
        while True:
            try:
                self._producer.produce(
                    output.topic, value=output.value, key=output.key, headers=output.headers
                )
                return
            except BufferError:
                self._producer.poll(0.05)

    def _transactional(self, call: Callable[[], object]) -> None:
        """Run a transactional call: repeat it while retriable, raise _Aborted when abortable."""
        attempt = 0
        while True:
            try:
                call()
                return
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                if error.retriable():
                    attempt += 1
                    self.stats.retries["kafka_retriable"] += 1
                    time.sleep(full_jitter_delay(attempt, cap_s=2.0))
                    continue
                if error.txn_requires_abort():
                    raise _Aborted() from exc
                self._recreate_producer()
                raise _Aborted() from exc

    def _commit(self) -> None:
        assert self._producer is not None
        attempt = 0
        while True:
            try:
                self._producer.commit_transaction(_TRANSACTION_TIMEOUT_S)
                return
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                if error.retriable():
                    # The outcome is unknown: committing again is safe, aborting is not.
                    attempt += 1
                    self.stats.retries["commit_retriable"] += 1
                    time.sleep(full_jitter_delay(attempt, cap_s=2.0))
                    continue
                if error.txn_requires_abort():
                    self._abort()
                    raise _Aborted() from exc
                self._recreate_producer()
                raise _Aborted() from exc

    def _abort(self) -> None:
        assert self._producer is not None
        try:
            self._producer.abort_transaction(_TRANSACTION_TIMEOUT_S)
        except KafkaException as exc:
            self._log.warning("abort_failed", error=str(exc))
            self._recreate_producer()

    def _rewind(self) -> None:
        """Seek every assigned partition back to its committed offset."""
        assert self._consumer is not None
        assignment = self._consumer.assignment()
        if not assignment:
            return
        committed = self._consumer.committed(assignment, timeout=_TRANSACTION_TIMEOUT_S)
        for partition in committed:
            if partition.offset == OFFSET_INVALID or partition.offset < 0:
                partition.offset = OFFSET_BEGINNING
            self._consumer.seek(partition)


class _Aborted(Exception):
    """The current transaction was aborted; the batch is replayed from committed offsets."""


def _next_offsets(consumer: Consumer, batch: list[Message]) -> list[TopicPartition]:
    """Offsets to commit for the partitions in the batch.

    The consumer's position is one past the last record it returned, and it
    also steps over transaction commit markers that follow that record, which
    ``offset + 1`` would leave behind as a lag of one. The larger of the two
    is taken, in case the position is not known yet.
    """
    last: dict[tuple[str, int], int] = {}
    for message in batch:
        last[(message.topic(), message.partition())] = message.offset() + 1
    positions = consumer.position([TopicPartition(t, p) for t, p in last])
    return [
        TopicPartition(p.topic, p.partition, max(p.offset, last[(p.topic, p.partition)]))
        for p in positions
    ]


def _describe(partitions: list[TopicPartition]) -> list[str]:
    return [f"{p.topic}[{p.partition}]" for p in partitions]
