"""Publish one raw record per request and wait for Kafka's acknowledgement, with a deadline.

Request threads share one idempotent producer (acks=all). A background thread
serves its delivery reports, so each request waits only for its own record,
unlike ``RawPublisher.publish``, whose flush waits for every record in flight.
"""

import logging
import threading

import structlog
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from adapters.raw import RawDocument

log = structlog.get_logger("scmflow.webhooks")

DEFAULT_DELIVERY_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.1
_WAIT_MARGIN_S = 1.0
"""Extra wait after message.timeout.ms, so librdkafka's own failure report arrives first."""


class PublishFailed(Exception):
    """Kafka did not acknowledge the record: an error report, a full queue or the deadline."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


class AcknowledgedPublisher:
    """Produce a record and block until the broker acknowledges it or the deadline passes."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        delivery_timeout_s: float = DEFAULT_DELIVERY_TIMEOUT_S,
        **overrides: object,
    ) -> None:
        self.delivery_timeout_s = delivery_timeout_s
        conf: dict[str, object] = {
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 2,
            "message.timeout.ms": int(delivery_timeout_s * 1000),
            "logger": logging.getLogger("scmflow.librdkafka"),
            "error_cb": self._on_error,
        }
        conf.update(overrides)
        self._conf = conf
        self._producer_lock = threading.Lock()
        self._producer = Producer(conf)
        self._stopping = threading.Event()
        self._poller = threading.Thread(
            target=self._serve_reports, name="webhook-delivery-reports", daemon=True
        )
        self._poller.start()

    def publish(self, topic: str, document: RawDocument) -> None:
        """Produce ``document`` and return once the broker acknowledged it.

        Raises PublishFailed when the delivery report is an error, when the
        local queue is full, or when no report arrives in time.
        """
        done = threading.Event()
        outcome: list[KafkaError | None] = []

        def on_delivery(error: KafkaError | None, message: Message) -> None:
            outcome.append(error)
            done.set()

        producer = self._current_producer()
        try:
            producer.produce(
                topic,
                key=document.key.encode("utf-8"),
                value=document.value,
                headers=document.kafka_headers(),
                on_delivery=on_delivery,
            )
        except BufferError as exc:
            raise PublishFailed("queue_full", f"the producer's local queue is full: {exc}") from exc
        except KafkaException as exc:
            raise PublishFailed("produce_failed", exc.args[0].str()) from exc

        if not done.wait(self.delivery_timeout_s + _WAIT_MARGIN_S):
            raise PublishFailed(
                "delivery_timeout",
                f"no acknowledgement from Kafka for {topic} within {self.delivery_timeout_s:.1f} s",
            )
        error = outcome[0]
        if error is not None:
            raise PublishFailed("delivery_failed", f"{topic}: {error.str()}")

    def close(self, timeout_s: float = 5.0) -> None:
        """Wait up to ``timeout_s`` for records in flight, then stop the report thread."""
        remaining = self._current_producer().flush(timeout_s)
        if remaining:
            log.warning("webhook_publisher_closed_with_records_in_flight", records=remaining)
        self._stopping.set()
        self._poller.join(timeout=2.0)

    def _current_producer(self) -> Producer:
        with self._producer_lock:
            return self._producer

    def _serve_reports(self) -> None:
        while not self._stopping.is_set():
            self._current_producer().poll(_POLL_INTERVAL_S)

    def _on_error(self, error: KafkaError) -> None:
        if error.fatal():
            self._replace_producer(error)
        else:
            log.warning("webhook_kafka_error", error=error.str(), code=error.name())

    def _replace_producer(self, error: KafkaError) -> None:
        # A fatal error (such as a broken idempotence sequence) leaves the producer unusable.
        log.error("webhook_kafka_fatal_error", error=error.str(), action="replacing the producer")
        with self._producer_lock:
            self._producer = Producer(self._conf)
