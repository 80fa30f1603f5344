"""The stage runner: batches committed in one Kafka transaction each.

For every batch the runner begins a transaction, produces the stage's outputs
and dead-letter records, sends the consumed offsets with the consumer group
metadata, and commits. Outputs, dead letters and input progress become visible
together or not at all, so a crash or an abort replays the batch from the last
committed offsets and read_committed consumers never see a partial batch.

After an abort the consumer is rewound to the committed offsets. A
RetriableError from the stage (Redis unreachable, say) pauses the assigned
partitions for a capped, jittered backoff, and then the same records are
processed again. No record is dead-lettered because of such a fault.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import structlog
from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    Consumer,
    KafkaException,
    Message,
    TopicPartition,
)

from canonical.errors import ErrorCode, RetriableError, StageStopped
from processors.runtime import metrics
from processors.runtime.backoff import full_jitter_delay
from processors.runtime.batch import BatchResult, StageLogic
from processors.runtime.dlq import dead_letter_output
from processors.runtime.failpoints import Failpoint, Failpoints
from processors.runtime.health import Heartbeat
from processors.runtime.ordering import KeyBlocks
from processors.runtime.transactions import (
    CALL_TIMEOUT_S,
    CLIENT_LOGGER,
    TransactionAborted,
    TransactionalProducer,
)

log = structlog.get_logger("scmflow.runtime")

_LAG_REFRESH_S = 5.0
_SCHEMA_CODES = {ErrorCode.SCHEMA_VALIDATION_FAILED, ErrorCode.ENVELOPE_DECODE_FAILED}


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    """Kafka settings of one stage worker."""

    bootstrap_servers: str
    stage: str
    input_topics: list[str]
    dlq_topic: str
    slot: int = 0
    """Worker slot number. The transactional id is stable per slot, so a restarted worker
    fences its predecessor at once instead of waiting for the transaction timeout."""
    max_batch: int = 1000
    commit_interval_s: float = 0.1
    group_prefix: str = "scmflow"
    on_dead_letter: str = "off"
    """park, flag or off: see processors.runtime.ordering."""
    blocked_topic: str | None = None
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


class StageRunner:
    """Runs one stage's logic in a transactional consume-transform-produce loop."""

    def __init__(
        self,
        logic: StageLogic,
        config: RunnerConfig,
        failpoints: Failpoints | None = None,
    ) -> None:
        self.logic = logic
        self.config = config
        self.failpoints = failpoints or Failpoints()
        self.stats = StageStats()
        self.heartbeat = Heartbeat()
        self.assigned = threading.Event()
        self._log = log.bind(stage=config.stage, transactional_id=config.transactional_id)
        self._consumer: Consumer | None = None
        self._producer: TransactionalProducer | None = None
        self._pending: list[Message] = []
        self._consecutive_failures = 0
        self._lag_refreshed = 0.0
        self._newly_assigned: list[tuple[str, int]] = []
        self.blocks: KeyBlocks | None = None
        if config.on_dead_letter != "off" and config.blocked_topic:
            self.blocks = KeyBlocks(
                bootstrap_servers=config.bootstrap_servers,
                topic=config.blocked_topic,
                policy=config.on_dead_letter,
                stage=config.stage,
            )

    def ready(self) -> bool:
        """Return whether the runner has partitions and has prepared all of them."""
        return self.assigned.is_set() and not self._newly_assigned

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
            # Static membership: a worker restarted after a crash takes over its
            # slot's partitions at once instead of waiting for the dead member's
            # session to time out. A slot that stays down is noticed after 10 s.
            "group.instance.id": self.config.transactional_id,
            "session.timeout.ms": 10000,
            # librdkafka prefetches up to 64 MB by default; a batch needs at most
            # max_batch records, so 16 MB keeps many batches queued at less memory.
            "queued.max.messages.kbytes": 16384,
            "logger": CLIENT_LOGGER,
        }
        conf.update(self.config.consumer_overrides)
        return Consumer(conf)

    def _new_producer(self) -> TransactionalProducer:
        conf: dict[str, object] = {
            "bootstrap.servers": self.config.bootstrap_servers,
            "transactional.id": self.config.transactional_id,
            "enable.idempotence": True,
            "linger.ms": 5,
            # Same partition for the same key as the Java client, so Kafka
            # Streams and Connect consumers can co-partition with scmflow topics.
            "partitioner": "murmur2_random",
            "transaction.timeout.ms": 60000,
        }
        conf.update(self.config.producer_overrides)
        return TransactionalProducer(conf, stage=self.config.stage, heartbeat=self.heartbeat)

    # Rebalance callbacks. No transaction is open while consume() runs, because
    # the runner commits or aborts each batch before it polls again, so the
    # callbacks only drop records that were fetched but not yet processed.

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._log.info("partitions_assigned", partitions=_describe(partitions))
        self._newly_assigned.extend((p.topic, p.partition) for p in partitions)
        self.assigned.set()

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        revoked = {(p.topic, p.partition) for p in partitions}
        before = len(self._pending)
        self._pending = [m for m in self._pending if (m.topic(), m.partition()) not in revoked]
        self._log.info(
            "partitions_revoked",
            partitions=_describe(partitions),
            pending_dropped=before - len(self._pending),
        )
        self._newly_assigned = [tp for tp in self._newly_assigned if tp not in revoked]
        self.logic.on_revoked(sorted(revoked))
        if self.blocks is not None:
            self.blocks.drop(sorted(revoked))
        for p in partitions:
            try:
                metrics.CONSUMER_LAG.remove(self.config.stage, p.topic, str(p.partition))
            except KeyError:
                pass
        if len(revoked) >= len(consumer.assignment()):
            self.assigned.clear()

    # The loop.

    def run(self, stop: threading.Event) -> None:
        """Process batches until ``stop`` is set; raise StageStopped on an unrecoverable error."""
        structlog.contextvars.bind_contextvars(stage=self.config.stage)
        self._producer = self._new_producer()
        self._consumer = self._new_consumer()
        self._consumer.subscribe(
            self.config.input_topics, on_assign=self._on_assign, on_revoke=self._on_revoke
        )
        self._log.info("stage_started", topics=self.config.input_topics)
        try:
            while not stop.is_set():
                self.heartbeat.beat()
                batch = self._collect_batch(stop)
                if self._newly_assigned and not self._prepare_assigned(stop):
                    self._refresh_lag()
                    continue
                if batch:
                    self._process_once(batch, stop)
                self._refresh_lag()
        finally:
            self._consumer.close()
            self._log.info(
                "stage_stopped", consumed=self.stats.consumed, batches=self.stats.batches
            )

    def _collect_batch(self, stop: threading.Event) -> list[Message]:
        """Wait up to one commit interval for a record, then take what is already fetched.

        A batch starts as soon as one record arrives, so a record waits for at
        most its own batch, not for a full interval. Under load the fetched
        queue contains many records and batches grow up to max_batch.
        """
        assert self._consumer is not None
        self._pending = []
        deadline = time.monotonic() + self.config.commit_interval_s
        while not self._pending and not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._take(self._consumer.consume(num_messages=1, timeout=remaining))
        while self._pending and len(self._pending) < self.config.max_batch:
            before = len(self._pending)
            room = self.config.max_batch - len(self._pending)
            self._take(self._consumer.consume(num_messages=room, timeout=0))
            if len(self._pending) == before:
                break
        return self._pending

    def _take(self, messages: list[Message]) -> None:
        for message in messages:
            error = message.error()
            if error is None:
                self._pending.append(message)
            elif error.fatal():
                raise StageStopped(f"consumer failed: {error}")
            else:
                self._log.warning("consumer_error", error=str(error))

    def _prepare_assigned(self, stop: threading.Event) -> bool:
        """Let the stage prepare newly assigned partitions; return False to retry later."""
        partitions = list(self._newly_assigned)
        try:
            if self.blocks is not None:
                self.blocks.load(partitions)
            self.logic.on_assigned(partitions)
        except (RetriableError, KafkaException) as exc:
            reason = exc.reason if isinstance(exc, RetriableError) else "kafka_unavailable"
            self.stats.retries[reason] += 1
            metrics.RETRIES.labels(self.config.stage, reason).inc()
            delay = full_jitter_delay(self._consecutive_failures)
            self._consecutive_failures += 1
            self._log.warning("assignment_retry", reason=reason, error=str(exc))
            self._pause_for(delay, reason, stop)
            return False
        self._newly_assigned = [tp for tp in self._newly_assigned if tp not in partitions]
        return True

    def _process_once(self, batch: list[Message], stop: threading.Event) -> None:
        """Process a batch; after a retriable fault or an abort, rewind so it is fetched again."""
        try:
            self._process_batch(batch)
            self._consecutive_failures = 0
        except RetriableError as exc:
            self.stats.retries[exc.reason] += 1
            metrics.RETRIES.labels(self.config.stage, exc.reason).inc()
            delay = full_jitter_delay(self._consecutive_failures)
            self._consecutive_failures += 1
            self._log.warning(
                "batch_retry",
                reason=exc.reason,
                error=exc.message,
                attempt=self._consecutive_failures,
                delay_s=round(delay, 3),
            )
            self._pause_for(delay, exc.reason, stop)
        except TransactionAborted as exc:
            self.stats.aborts += 1
            metrics.TRANSACTION_ABORTS.labels(self.config.stage).inc()
            self._consecutive_failures += 1
            self._log.warning("transaction_aborted", error=str(exc))
            self._rewind()
            stop.wait(full_jitter_delay(self._consecutive_failures))

    def _pause_for(self, delay_s: float, reason: str, stop: threading.Event) -> None:
        """Pause every assigned partition for ``delay_s`` while still polling the group.

        Polling keeps the consumer in its group (max.poll.interval.ms) and lets
        rebalance callbacks run; paused partitions return no records.
        """
        assert self._consumer is not None
        assignment = self._consumer.assignment()
        redis_outage = reason.startswith("redis")
        if redis_outage:
            metrics.REDIS_PAUSED.labels(self.config.stage).set(1)
            metrics.REDIS_PAUSES.labels(self.config.stage).inc()
        self.heartbeat.paused_reason = f"paused: {reason}"
        self._log.warning("partitions_paused", reason=reason, delay_s=round(delay_s, 3))
        self._consumer.pause(assignment)
        deadline = time.monotonic() + delay_s
        try:
            while not stop.is_set():
                self.heartbeat.beat()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                # A negative timeout would block forever, hence the check above.
                for message in self._consumer.consume(1, min(0.5, remaining)):
                    # A partition assigned during the pause is not paused; its
                    # record is fetched again after the rewind below.
                    del message
        finally:
            self._consumer.resume(self._consumer.assignment())
            self._rewind()
            self.heartbeat.paused_reason = None
            if redis_outage:
                metrics.REDIS_PAUSED.labels(self.config.stage).set(0)
            self._log.info("partitions_resumed", reason=reason)

    def _process_batch(self, batch: list[Message]) -> None:
        assert self._producer is not None and self._consumer is not None
        started = time.monotonic()
        stage = self.config.stage
        result = self.logic.process_batch(batch)
        changes = self.blocks.apply(batch, result) if self.blocks is not None else None
        dead_outputs = []
        for dead in result.dead_letters:
            dead_outputs.append(
                dead_letter_output(
                    dead,
                    stage=stage,
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
        self._producer.begin()
        self.failpoints.hit(Failpoint.BEFORE_PRODUCE)
        for output in result.outputs:
            self._producer.produce(output)
        for output in dead_outputs:
            self._producer.produce(output)
        self.failpoints.hit(Failpoint.AFTER_PRODUCE)
        self._producer.send_offsets(offsets, self._consumer.consumer_group_metadata())
        self.failpoints.hit(Failpoint.AFTER_SEND_OFFSETS)
        self.failpoints.hit(Failpoint.BEFORE_COMMIT)
        self._producer.commit()
        self.heartbeat.committed()
        if changes is not None and self.blocks is not None:
            self.blocks.committed(changes)
        self.failpoints.hit(Failpoint.AFTER_COMMIT)
        self.logic.on_committed(result)
        self.failpoints.hit(Failpoint.AFTER_POST_COMMIT)
        self._record_committed(batch, result)
        self._log.info(
            "batch_committed",
            records=len(batch),
            produced=len(result.outputs),
            dead_lettered=len(result.dead_letters),
            duplicates=result.duplicates,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )

    def _record_committed(self, batch: list[Message], result: BatchResult) -> None:
        stage = self.config.stage
        self.stats.consumed += len(batch)
        self.stats.batches += 1
        self.stats.duplicates += result.duplicates
        for topic, count in Counter(m.topic() for m in batch).items():
            metrics.RECORDS_CONSUMED.labels(stage, topic).inc(count)
        for topic, count in Counter(o.topic for o in result.outputs).items():
            self.stats.produced[topic] += count
            metrics.RECORDS_PRODUCED.labels(stage, topic).inc(count)
        for dead in result.dead_letters:
            self.stats.dead_lettered[dead.code.value] += 1
            metrics.DLQ_RECORDS.labels(stage, dead.code.value).inc()
            if dead.code in _SCHEMA_CODES:
                metrics.SCHEMA_VALIDATION_FAILURES.labels(stage).inc()
        if result.duplicates:
            metrics.DUPLICATES_DROPPED.labels(stage).inc(result.duplicates)
        metrics.LAST_COMMIT.labels(stage).set_to_current_time()

    def _refresh_lag(self) -> None:
        """Update the lag gauges from the consumer's cached watermarks, every few seconds."""
        now = time.monotonic()
        if now - self._lag_refreshed < _LAG_REFRESH_S or self._consumer is None:
            return
        self._lag_refreshed = now
        total = 0
        assignment = self._consumer.assignment()
        if not assignment:
            self.heartbeat.lag = 0
            return
        for position in self._consumer.position(assignment):
            _, high = self._consumer.get_watermark_offsets(position, cached=True)
            if high < 0:
                continue
            lag = high if position.offset < 0 else max(0, high - position.offset)
            total += lag
            metrics.CONSUMER_LAG.labels(
                self.config.stage, position.topic, str(position.partition)
            ).set(lag)
        self.heartbeat.lag = total

    def _rewind(self) -> None:
        """Seek every assigned partition back to its committed offset."""
        assert self._consumer is not None
        assignment = self._consumer.assignment()
        if not assignment:
            return
        committed = self._consumer.committed(assignment, timeout=CALL_TIMEOUT_S)
        for partition in committed:
            if partition.offset == OFFSET_INVALID or partition.offset < 0:
                partition.offset = OFFSET_BEGINNING
            self._consumer.seek(partition)


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
