"""Publish raw documents to a raw topic and wait until Kafka has acknowledged each one."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from adapters.raw import RawDocument

_FLUSH_TIMEOUT_S = 60.0


@dataclass
class PublishReport:
    delivered: int = 0
    failed: list[str] = field(default_factory=list)
    """One message per record that Kafka did not acknowledge."""


class RawPublisher:
    """An idempotent producer for raw topics (acks=all, no reordering on retry)."""

    def __init__(self, bootstrap_servers: str, **overrides: object) -> None:
        conf: dict[str, object] = {
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "partitioner": "murmur2_random",
            "message.timeout.ms": 30000,
            "logger": logging.getLogger("scmflow.librdkafka"),
        }
        conf.update(overrides)
        self._producer = Producer(conf)

    def publish(self, topic: str, documents: Iterable[RawDocument]) -> PublishReport:
        """Produce every document and block until each is acknowledged or has failed."""
        report = PublishReport()

        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is None:
                report.delivered += 1
            else:
                report.failed.append(f"{message.topic()} key={message.key()!r}: {error.str()}")

        for document in documents:
            while True:
                try:
                    self._producer.produce(
                        topic,
                        key=document.key.encode("utf-8"),
                        value=document.value,
                        headers=document.kafka_headers(),
                        on_delivery=on_delivery,
                    )
                    break
                except BufferError:
                    self._producer.poll(0.1)
                except KafkaException as exc:
                    # Raised at once for a record the producer cannot send at all,
                    # such as one larger than message.max.bytes.
                    report.failed.append(
                        f"{topic} key={document.key!r} ({len(document.value)} bytes): "
                        f"{exc.args[0].str()}"
                    )
                    break
            self._producer.poll(0)
        remaining = self._producer.flush(_FLUSH_TIMEOUT_S)
        if remaining:
            report.failed.append(
                f"{remaining} records not acknowledged within {_FLUSH_TIMEOUT_S} s"
            )
        return report
