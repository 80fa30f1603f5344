"""The normalize stage: raw partner documents in, Avro canonical events out."""

from confluent_kafka import Message

from adapters.raw import H_SOURCE
from canonical.avro import encode
from canonical.headers import event_headers
from processors.normalize import RawRecord, normalize
from processors.runtime.batch import BatchResult, Output
from processors.runtime.dlq import decode_headers, original_timestamp_ms
from processors.stages._records import DEFAULT_MAX_ATTEMPTS, AttemptTracker, run_record
from processors.topology import Topology


class NormalizeLogic:
    """Map each raw record to canonical events, keyed by entity id.

    A record that yields several events is all or nothing: if one event fails
    to encode, the whole raw record goes to the dead-letter topic.
    """

    name = "normalize"

    def __init__(self, topology: Topology, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        self.topology = topology
        self.attempts = AttemptTracker(max_attempts)

    def _handle(self, message: Message) -> list[Output]:
        headers = decode_headers(message.headers())
        record = RawRecord(
            topic=message.topic(),
            partition=message.partition(),
            offset=message.offset(),
            key=message.key(),
            value=message.value() or b"",
            headers=headers,
            timestamp_ms=original_timestamp_ms(message),
        )
        source = headers.get(H_SOURCE) or self.topology.source_of_topic(message.topic()) or ""
        outputs = []
        for event in normalize(record):
            envelope = event.envelope
            outputs.append(
                Output(
                    topic=self.topology.normalized_topic(envelope.entity_type.replace("_", "-")),
                    key=envelope.entity_id.encode("utf-8"),
                    value=encode(event),
                    headers=event_headers(event, source),
                )
            )
        return outputs

    def process_batch(self, messages: list[Message]) -> BatchResult:
        result = BatchResult()
        for message in messages:
            outputs, dead = run_record(message, self.name, self._handle, self.attempts)
            result.outputs.extend(outputs)
            if dead is not None:
                result.dead_letters.append(dead)
        return result

    def on_committed(self, result: BatchResult) -> None:
        return None

    def on_assigned(self, partitions: list[tuple[str, int]]) -> None:
        return None

    def on_revoked(self, partitions: list[tuple[str, int]]) -> None:
        return None
