"""The dedupe ledger: a compacted topic with one record per forwarded idempotency key.

The dedupe stage writes a ledger record in the same Kafka transaction as the
canonical record and the input offsets, so the ledger contains exactly the
keys whose events were committed. Redis is a cache of it: after a crash between
commit and the Redis write, or when Redis restarts empty, the stage reads the
ledger again and restores the keys.

Each input partition has one ledger partition of the same number, written
only by the worker that owns the input partition.
"""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from canonical.errors import RetriableError
from processors.runtime.transactions import CLIENT_LOGGER

_READ_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One forwarded event, as the ledger stores it."""

    redis_key: str
    expires_at: int
    """Unix time at which the dedupe window of this key ends."""
    entity_id: str
    entity_version: int | None

    def encode(self) -> tuple[bytes, bytes]:
        value = {
            "expires_at": self.expires_at,
            "entity_id": self.entity_id,
            "entity_version": self.entity_version,
        }
        return self.redis_key.encode("utf-8"), json.dumps(value, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, key: bytes, value: bytes) -> "LedgerEntry":
        document = json.loads(value)
        return cls(
            redis_key=key.decode("utf-8"),
            expires_at=int(document["expires_at"]),
            entity_id=document["entity_id"],
            entity_version=document.get("entity_version"),
        )


def read_ledger(
    bootstrap_servers: str, topic: str, partition: int, start_offset: int
) -> Iterator[tuple[int, LedgerEntry]]:
    """Yield (offset, entry) of committed ledger records from ``start_offset`` to the end.

    The end is the high watermark, not the last stable offset. A transaction
    still open on the partition, from a previous owner that has not yet
    aborted or committed, is waited for up to 60 seconds, so that no key it
    commits is missed. RetriableError is raised when it stays open longer.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"scmflow-ledger-reader-{uuid.uuid4().hex[:12]}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
            "logger": CLIENT_LOGGER,
        }
    )
    try:
        tp = TopicPartition(topic, partition)
        try:
            low, _ = consumer.get_watermark_offsets(tp, timeout=10)
            end = _high_watermark(bootstrap_servers, tp)
        except KafkaException as exc:
            if exc.args[0].code() in (
                KafkaError.UNKNOWN_TOPIC_OR_PART,
                KafkaError._UNKNOWN_PARTITION,
                KafkaError._UNKNOWN_TOPIC,
            ):
                raise RetriableError(
                    "topic_missing",
                    f"ledger topic {topic} does not exist; create it with `scmflow topics apply`",
                ) from exc
            # A topic created moments ago may not have a partition leader yet.
            raise RetriableError("kafka_unavailable", f"cannot read {topic}: {exc}") from exc
        start = max(start_offset, low)
        if start >= end:
            return
        consumer.assign([TopicPartition(topic, partition, start)])
        deadline = time.monotonic() + _READ_TIMEOUT_S
        while True:
            for message in consumer.consume(1000, 0.5):
                if message.error() is None and message.value() is not None:
                    yield message.offset(), LedgerEntry.decode(message.key(), message.value())
            position = consumer.position([tp])[0].offset
            if position >= end:
                return
            if time.monotonic() > deadline:
                raise RetriableError(
                    "ledger_open_transaction",
                    f"{topic}[{partition}] is not readable up to offset {end} after "
                    f"{_READ_TIMEOUT_S:.0f} s; a transaction on it is still open",
                )
    finally:
        consumer.close()


def _high_watermark(bootstrap_servers: str, partition: TopicPartition) -> int:
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"scmflow-ledger-hw-{uuid.uuid4().hex[:12]}",
            "isolation.level": "read_uncommitted",
            "logger": CLIENT_LOGGER,
        }
    )
    try:
        return reader.get_watermark_offsets(partition, timeout=10)[1]
    finally:
        reader.close()
