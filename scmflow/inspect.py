"""Read-only views of topics and consumer groups: end offsets, lag and committed records."""

import time
import uuid
from collections.abc import Iterator

from confluent_kafka import (
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

_TIMEOUT_S = 10.0
_LEADER_ELECTION_CODES = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION,
}


def _reader(bootstrap_servers: str, group_id: str | None = None) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": group_id or f"scmflow-inspect-{uuid.uuid4().hex[:12]}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        }
    )


def end_offsets(bootstrap_servers: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """Return the last stable offset of every partition of ``topics``."""
    consumer = _reader(bootstrap_servers)
    try:
        metadata = consumer.list_topics(timeout=_TIMEOUT_S)
        offsets = {}
        for topic in topics:
            if topic not in metadata.topics:
                continue
            for partition in metadata.topics[topic].partitions:
                offsets[(topic, partition)] = _high_watermark(
                    consumer, TopicPartition(topic, partition)
                )
        return offsets
    finally:
        consumer.close()


def _high_watermark(consumer: Consumer, partition: TopicPartition) -> int:
    """Return the partition's end offset, waiting out a leader election on a new topic."""
    deadline = time.monotonic() + _TIMEOUT_S
    while True:
        try:
            _, high = consumer.get_watermark_offsets(partition, timeout=_TIMEOUT_S)
            return high
        except KafkaException as exc:
            if exc.args[0].code() not in _LEADER_ELECTION_CODES or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def group_lag(
    bootstrap_servers: str, group_id: str, topics: list[str]
) -> dict[tuple[str, int], int]:
    """Return records between the group's committed offset and the end, per partition."""
    ends = end_offsets(bootstrap_servers, topics)
    consumer = _reader(bootstrap_servers, group_id)
    try:
        committed = consumer.committed(
            [TopicPartition(topic, partition) for topic, partition in ends], timeout=_TIMEOUT_S
        )
    finally:
        consumer.close()
    lag = {}
    for partition in committed:
        end = ends[(partition.topic, partition.partition)]
        start = (
            0 if partition.offset == OFFSET_INVALID or partition.offset < 0 else partition.offset
        )
        lag[(partition.topic, partition.partition)] = max(0, end - start)
    return lag


def read_committed(
    bootstrap_servers: str, start: dict[tuple[str, int], int], timeout_s: float = 30.0
) -> Iterator[Message]:
    """Yield the committed records from ``start`` offsets to the current end of each partition."""
    ends = end_offsets(bootstrap_servers, sorted({topic for topic, _ in start}))
    todo = {tp: ends[tp] for tp, offset in start.items() if ends.get(tp, 0) > offset}
    if not todo:
        return
    consumer = _reader(bootstrap_servers)
    try:
        consumer.assign([TopicPartition(t, p, start[(t, p)]) for t, p in todo])
        deadline = time.monotonic() + timeout_s
        while todo and time.monotonic() < deadline:
            for message in consumer.consume(500, 0.5):
                if message.error():
                    continue
                yield message
            positions = consumer.position([TopicPartition(t, p) for t, p in todo])
            for position in positions:
                if position.offset >= todo[(position.topic, position.partition)]:
                    del todo[(position.topic, position.partition)]
    finally:
        consumer.close()
