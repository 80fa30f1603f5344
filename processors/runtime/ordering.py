"""Per-key order around dead letters: park or flag later records of a blocked key.

Kafka keeps one key's records in order within a partition, but a record that
goes to the dead-letter topic leaves a gap: its successors would be applied on
top of a missing state. When a record with key K is dead-lettered, K becomes
blocked. Until the record is replayed successfully, every later record with K
is, as topology.yaml sets per stage:

- ``park``: dead-lettered too, with ENTITY_PARKED, so a replay of the key's
  records in DLQ order restores the original order;
- ``flag``: passed on with the header ``scmflow.flag.predecessor_dead_lettered``.

A key is unblocked only by the success of the record that blocked it: a
replayed record carries ``scmflow.replay.origin`` (the topic, partition and
offset where the record first arrived), and the block stores the same origin.

Which keys are blocked is itself stored in a compacted topic, written in the
batch's transaction, so the state survives crashes exactly as the outputs do.
The record key is ``<input topic> NUL <record key>``; a tombstone unblocks.
"""

import json
import time
import uuid
from dataclasses import dataclass, field

import structlog
from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from canonical.errors import ErrorCode, RetriableError
from processors.runtime.batch import BatchResult, DeadLetter, Output
from processors.runtime.transactions import CLIENT_LOGGER

log = structlog.get_logger("scmflow.ordering")

H_REPLAY_ORIGIN = "scmflow.replay.origin"
H_PREDECESSOR_FLAG = "scmflow.flag.predecessor_dead_lettered"
_SEPARATOR = b"\x00"
_READ_TIMEOUT_S = 60.0

BlockKey = tuple[str, bytes]


def origin_of(message: Message) -> str:
    """Return where the record first arrived: its replay origin, or its own position."""
    for name, value in message.headers() or []:
        if name == H_REPLAY_ORIGIN and value:
            return value.decode("utf-8")
    return f"{message.topic()}:{message.partition()}:{message.offset()}"


@dataclass
class BlockChanges:
    """Blocks added (origin and code) and removed (None) by one batch."""

    changes: dict[BlockKey, tuple[int, dict | None]] = field(default_factory=dict)


class KeyBlocks:
    """The blocked keys of one stage's assigned partitions."""

    def __init__(
        self, *, bootstrap_servers: str, topic: str, policy: str, stage: str
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.policy = policy
        self.stage = stage
        self._blocked: dict[BlockKey, dict] = {}
        self._partitions: int | None = None

    def _partition_for(self, input_partition: int) -> int:
        if self._partitions is None:
            consumer = self._reader()
            try:
                metadata = consumer.list_topics(self.topic, timeout=10)
                count = len(metadata.topics[self.topic].partitions)
            except KafkaException as exc:
                raise RetriableError(
                    "kafka_unavailable", f"no metadata for topic {self.topic}: {exc}"
                ) from exc
            finally:
                consumer.close()
            if count == 0:
                raise RetriableError(
                    "topic_missing",
                    f"topic {self.topic} does not exist; create it with `scmflow topics apply`",
                )
            self._partitions = count
        return input_partition % self._partitions

    def _reader(self) -> Consumer:
        return Consumer(
            {
                "bootstrap.servers": self.bootstrap_servers,
                "group.id": f"scmflow-blocks-reader-{uuid.uuid4().hex[:12]}",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "logger": CLIENT_LOGGER,
            }
        )

    def load(self, partitions: list[tuple[str, int]]) -> None:
        """Read the blocks of newly assigned input partitions from the compacted topic."""
        topics_by_state_partition: dict[int, set[str]] = {}
        for topic, partition in partitions:
            topics_by_state_partition.setdefault(self._partition_for(partition), set()).add(topic)
        consumer = self._reader()
        try:
            for state_partition, topics in topics_by_state_partition.items():
                self._read_partition(consumer, state_partition, topics)
        except KafkaException as exc:
            # A topic created moments ago may not have a partition leader yet.
            raise RetriableError("kafka_unavailable", f"cannot read {self.topic}: {exc}") from exc
        finally:
            consumer.close()

    def _read_partition(self, consumer: Consumer, partition: int, topics: set[str]) -> None:
        tp = TopicPartition(self.topic, partition)
        low, high = consumer.get_watermark_offsets(tp, timeout=10)
        if high <= low:
            return
        consumer.assign([TopicPartition(self.topic, partition, low)])
        loaded = 0
        deadline = time.monotonic() + _READ_TIMEOUT_S
        while consumer.position([tp])[0].offset < high:
            if time.monotonic() > deadline:
                raise RetriableError(
                    "blocked_keys_unreadable",
                    f"{self.topic}[{partition}] is not readable up to offset {high}",
                )
            for message in consumer.consume(1000, 1.0):
                if message.error() is not None or message.key() is None:
                    continue
                topic, _, key = message.key().partition(_SEPARATOR)
                name = topic.decode("utf-8")
                if name not in topics:
                    continue
                if message.value() is None:
                    self._blocked.pop((name, key), None)
                else:
                    self._blocked[(name, key)] = json.loads(message.value())
                    loaded += 1
        log.info("blocked_keys_loaded", topic=f"{self.topic}[{partition}]", keys=loaded)

    def drop(self, partitions: list[tuple[str, int]]) -> None:
        revoked = {topic for topic, _ in partitions}
        self._blocked = {k: v for k, v in self._blocked.items() if k[0] not in revoked}

    def apply(self, batch: list[Message], result: BatchResult) -> BlockChanges:
        """Rewrite the batch's outputs and dead letters for blocked keys, in offset order."""
        dead_by_position = {_position(d.message): d for d in result.dead_letters}
        outputs_by_position: dict[tuple[str, int, int], list[Output]] = {}
        unsourced: list[Output] = []
        for output in result.outputs:
            if output.source is None:
                unsourced.append(output)
            else:
                outputs_by_position.setdefault(_position(output.source), []).append(output)

        blocked = dict(self._blocked)
        changes = BlockChanges()
        outputs: list[Output] = []
        dead_letters: list[DeadLetter] = []
        for message in batch:
            position = _position(message)
            produced = outputs_by_position.get(position, [])
            dead = dead_by_position.get(position)
            key = message.key()
            if key is None:
                outputs.extend(produced)
                if dead:
                    dead_letters.append(dead)
                continue
            block_key = (message.topic(), key)
            block = blocked.get(block_key)
            if dead is not None:
                dead_letters.append(dead)
                if block is None:
                    block = {"origin": origin_of(message), "code": dead.code.value}
                    blocked[block_key] = block
                    changes.changes[block_key] = (message.partition(), block)
                continue
            if block is None:
                outputs.extend(produced)
            elif block["origin"] == origin_of(message):
                del blocked[block_key]
                changes.changes[block_key] = (message.partition(), None)
                outputs.extend(produced)
                log.info("key_unblocked", key=key.decode("utf-8", "replace"))
            elif self.policy == "park":
                dead_letters.append(
                    DeadLetter(
                        message=message,
                        code=ErrorCode.ENTITY_PARKED,
                        error_message=(
                            f"record {block['origin']} with the same key is in the dead-letter "
                            f"topic ({block['code']}); replay it first, then this one"
                        ),
                    )
                )
            else:
                for output in produced:
                    if output.partition is None:
                        output.headers = [*output.headers, (H_PREDECESSOR_FLAG, b"true")]
                outputs.extend(produced)

        for (topic, key), (input_partition, block) in changes.changes.items():
            outputs.append(
                Output(
                    topic=self.topic,
                    key=topic.encode("utf-8") + _SEPARATOR + key,
                    value=None if block is None else json.dumps(block).encode(),
                    partition=self._partition_for(input_partition),
                )
            )
        result.outputs = outputs + unsourced
        result.dead_letters = dead_letters
        return changes

    def committed(self, changes: BlockChanges) -> None:
        for block_key, (_, block) in changes.changes.items():
            if block is None:
                self._blocked.pop(block_key, None)
            else:
                self._blocked[block_key] = block

    def is_blocked(self, topic: str, key: bytes) -> bool:
        return (topic, key) in self._blocked


def _position(message: Message) -> tuple[str, int, int]:
    return (message.topic(), message.partition(), message.offset())
