"""Reading a dead-letter topic between fixed offsets, with read_committed and assign()."""

import time
import uuid
from collections.abc import Iterator
from datetime import datetime

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from canonical.errors import ScmflowError

log = structlog.get_logger("scmflow.dlq")

_TIMEOUT_S = 10.0
_IDLE_TIMEOUT_S = 30.0
_LEADER_ELECTION_CODES = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION,
}


class DlqError(ScmflowError):
    """A dead-letter topic or record cannot be read, or a replay cannot start."""


def new_consumer(bootstrap_servers: str, group_id: str | None = None) -> Consumer:
    """Create a read_committed consumer that never commits on its own.

    Without ``group_id`` the group is unique to this call, so reading leaves
    no committed offsets in a group anyone else uses.
    """
    return Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": group_id or f"scmflow-dlq-read-{uuid.uuid4().hex[:12]}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
        }
    )


def partition_bounds(consumer: Consumer, topic: str) -> dict[int, tuple[int, int]]:
    """Return each partition's first offset and end offset (the last stable offset).

    Raises DlqError when the topic does not exist. The metadata request lists
    all topics, because a request for one missing topic can create it on a
    broker with auto.create.topics.enable.
    """
    metadata = consumer.list_topics(timeout=_TIMEOUT_S)
    described = metadata.topics.get(topic)
    if described is None or described.error is not None:
        raise DlqError(
            f"topic {topic} does not exist on the broker; create it with `scmflow topics apply`"
        )
    return {
        partition: _watermarks(consumer, TopicPartition(topic, partition))
        for partition in sorted(described.partitions)
    }


def topic_partition_counts(consumer: Consumer) -> dict[str, int]:
    """Return the number of partitions of every topic on the broker."""
    metadata = consumer.list_topics(timeout=_TIMEOUT_S)
    return {
        name: len(described.partitions)
        for name, described in metadata.topics.items()
        if described.error is None
    }


def offsets_after(
    consumer: Consumer, topic: str, partitions: list[int], since: datetime
) -> dict[int, int | None]:
    """Return the first offset whose Kafka timestamp is at or after ``since``, per partition.

    None means no record is that recent. A dead-letter record's Kafka
    timestamp is never earlier than its ``failed_at`` header, because the
    stage sets the header before it produces the record, so a replay can
    start here without missing a record of its time window.
    """
    timestamp_ms = int(since.timestamp() * 1000)
    found = consumer.offsets_for_times(
        [TopicPartition(topic, partition, timestamp_ms) for partition in partitions],
        timeout=_TIMEOUT_S,
    )
    return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in found}


def _watermarks(consumer: Consumer, partition: TopicPartition) -> tuple[int, int]:
    """Return the partition's watermarks, waiting out a leader election on a new topic."""
    deadline = time.monotonic() + _TIMEOUT_S
    while True:
        try:
            return consumer.get_watermark_offsets(partition, timeout=_TIMEOUT_S)
        except KafkaException as exc:
            if exc.args[0].code() not in _LEADER_ELECTION_CODES or time.monotonic() > deadline:
                raise DlqError(
                    f"cannot read the offsets of {partition.topic}[{partition.partition}]: "
                    f"{exc.args[0].str()}"
                ) from exc
            time.sleep(0.2)


class PartitionReader:
    """Yield the committed records of some partitions of one topic, each in a fixed range.

    ``ranges`` maps a partition to its start offset (inclusive) and end offset
    (exclusive). Records appended after the end are not read, so a replay
    does not read the dead letters that it causes itself.
    """

    def __init__(
        self,
        consumer: Consumer,
        topic: str,
        ranges: dict[int, tuple[int, int]],
        idle_timeout_s: float = _IDLE_TIMEOUT_S,
    ) -> None:
        self.consumer = consumer
        self.topic = topic
        self.ranges = dict(ranges)
        self.idle_timeout_s = idle_timeout_s
        self.next_offset = {partition: start for partition, (start, _) in ranges.items()}
        self.read = 0
        self.total = sum(max(0, end - start) for start, end in ranges.values())

    def batches(self, max_records: int = 500) -> Iterator[list[Message]]:
        """Yield records in batches of at most ``max_records``, until every range is read.

        A batch can be empty when only ``committable_offsets`` moved.

        Raises DlqError when no partition advances for ``idle_timeout_s`` or the
        consumer reports a fatal error.
        """
        pending = {p for p, (start, end) in self.ranges.items() if start < end}
        if not pending:
            return
        self.consumer.assign(
            [TopicPartition(self.topic, p, self.ranges[p][0]) for p in sorted(pending)]
        )
        last_change = time.monotonic()
        while pending:
            before = dict(self.next_offset)
            batch = self._take(self.consumer.consume(max_records, 0.5), pending)
            self._step_over_markers(pending)
            finished = [p for p in pending if self.next_offset[p] >= self.ranges[p][1]]
            if finished:
                pending.difference_update(finished)
                self.consumer.pause([TopicPartition(self.topic, p) for p in finished])
            if self.next_offset != before:
                last_change = time.monotonic()
            elif time.monotonic() - last_change > self.idle_timeout_s:
                raise DlqError(
                    f"timed out after {self.idle_timeout_s:.0f} s reading {self.topic}: "
                    f"partitions {sorted(pending)} did not reach their end offsets"
                )
            if batch or self.next_offset != before:
                # An empty batch still moves the offsets to commit, for example
                # past the transaction marker after a partition's last record.
                self.read += len(batch)
                yield batch

    def committable_offsets(self) -> list[TopicPartition]:
        """Return the next offset to read on every partition in the reader's ranges."""
        return [
            TopicPartition(self.topic, partition, offset)
            for partition, offset in sorted(self.next_offset.items())
        ]

    def _take(self, messages: list[Message], pending: set[int]) -> list[Message]:
        batch = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise DlqError(f"consumer of {self.topic} failed: {error.str()}")
                log.warning("dlq_read_error", topic=self.topic, error=error.str())
                continue
            partition = message.partition()
            if partition not in pending or message.offset() >= self.ranges[partition][1]:
                continue
            batch.append(message)
            self.next_offset[partition] = message.offset() + 1
        return batch

    def _step_over_markers(self, pending: set[int]) -> None:
        """Mark a partition read once its position passes the end.

        The position also steps over transaction markers and aborted records,
        which ``offset + 1`` of the last record leaves behind.
        """
        positions = self.consumer.position([TopicPartition(self.topic, p) for p in pending])
        for position in positions:
            end = self.ranges[position.partition][1]
            if position.offset >= end:
                self.next_offset[position.partition] = end
