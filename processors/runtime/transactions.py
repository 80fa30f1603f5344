"""A transactional producer that handles librdkafka's error classes.

librdkafka sorts transactional errors into three classes (INTRODUCTION.md,
"Transactional Producer"): ``retriable()`` means call again with the same
arguments, ``txn_requires_abort()`` means abort the transaction and rewind,
and ``fatal()`` (or none of the flags) means the producer instance is
unusable and must be recreated. A commit whose outcome is unknown is retried,
never aborted, because aborting after a successful commit is not possible.
"""

import logging
import time
from collections.abc import Callable

import structlog
from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition

from processors.runtime import metrics
from processors.runtime.backoff import full_jitter_delay
from processors.runtime.batch import Output
from processors.runtime.health import Heartbeat

CALL_TIMEOUT_S = 30.0

# librdkafka's own log lines go through the standard logging module, so the
# process decides their level and format instead of librdkafka printing to stderr.
CLIENT_LOGGER = logging.getLogger("scmflow.librdkafka")


class TransactionAborted(Exception):
    """The current transaction was aborted; the caller rewinds and processes the batch again."""


class TransactionalProducer:
    """One transactional producer per worker slot, recreated after a fatal error."""

    def __init__(
        self, conf: dict[str, object], *, stage: str, heartbeat: Heartbeat
    ) -> None:
        self._conf = {**conf, "logger": CLIENT_LOGGER}
        self._stage = stage
        self._heartbeat = heartbeat
        self._log = structlog.get_logger("scmflow.runtime").bind(
            stage=stage, transactional_id=conf["transactional.id"]
        )
        self._producer = self._create()

    def _create(self) -> Producer:
        producer = Producer(self._conf)
        with self._heartbeat.call("init_transactions"):
            producer.init_transactions(CALL_TIMEOUT_S)
        return producer

    def recreate(self) -> None:
        self._log.warning("producer_recreated")
        self._producer.flush(1.0)
        self._producer = self._create()

    def begin(self) -> None:
        self._call("begin_transaction", self._producer.begin_transaction)

    def produce(self, output: Output) -> None:
        while True:
            try:
                if output.partition is None:
                    self._producer.produce(
                        output.topic,
                        value=output.value,
                        key=output.key,
                        headers=output.headers,
                        on_delivery=output.on_delivery,
                    )
                else:
                    self._producer.produce(
                        output.topic,
                        value=output.value,
                        key=output.key,
                        headers=output.headers,
                        partition=output.partition,
                        on_delivery=output.on_delivery,
                    )
                return
            except BufferError:
                self._producer.poll(0.05)

    def send_offsets(self, offsets: list[TopicPartition], group_metadata: object) -> None:
        self._call(
            "send_offsets_to_transaction",
            lambda: self._producer.send_offsets_to_transaction(
                offsets, group_metadata, CALL_TIMEOUT_S
            ),
        )

    def commit(self) -> None:
        """Commit; repeat while the outcome is unknown; raise TransactionAborted otherwise."""
        attempt = 0
        started = time.monotonic()
        while True:
            try:
                with self._heartbeat.call("commit_transaction"):
                    self._producer.commit_transaction(CALL_TIMEOUT_S)
                metrics.COMMIT_SECONDS.labels(self._stage).observe(time.monotonic() - started)
                return
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                if error.retriable():
                    attempt += 1
                    metrics.RETRIES.labels(self._stage, "commit_retriable").inc()
                    self._log.warning("commit_retry", error=error.str(), attempt=attempt)
                    time.sleep(full_jitter_delay(attempt, cap_s=2.0))
                    continue
                if error.txn_requires_abort():
                    self.abort()
                else:
                    self.recreate()
                raise TransactionAborted(error.str()) from exc

    def abort(self) -> None:
        try:
            with self._heartbeat.call("abort_transaction"):
                self._producer.abort_transaction(CALL_TIMEOUT_S)
        except KafkaException as exc:
            self._log.warning("abort_failed", error=str(exc))
            self.recreate()

    def _call(self, name: str, call: Callable[[], object]) -> None:
        """Run a transactional call, repeating it while retriable; raise TransactionAborted."""
        attempt = 0
        while True:
            try:
                with self._heartbeat.call(name):
                    call()
                return
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                if error.retriable():
                    attempt += 1
                    metrics.RETRIES.labels(self._stage, "kafka_retriable").inc()
                    self._log.warning("transactional_call_retry", call=name, error=error.str())
                    time.sleep(full_jitter_delay(attempt, cap_s=2.0))
                    continue
                if error.txn_requires_abort():
                    self.abort()
                else:
                    self.recreate()
                raise TransactionAborted(f"{name}: {error.str()}") from exc
