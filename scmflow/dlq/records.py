"""Dead-letter records as the operator commands see them: error headers parsed once."""

from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Message

from canonical.headers import H_ENTITY_ID, H_SOURCE
from processors.runtime.dlq import (
    H_CODE,
    H_FAILED_AT,
    H_OFFSET,
    H_PARTITION,
    H_REPLAY_COUNT,
    H_TIMESTAMP,
    H_TOPIC,
    decode_headers,
)
from processors.runtime.ordering import H_REPLAY_ORIGIN

ERROR_HEADER_PREFIX = "scmflow.error."
H_REPLAY_AT = "scmflow.replay.at"
H_REPLAY_BY = "scmflow.replay.by"
REPLAY_HEADERS = (H_REPLAY_COUNT, H_REPLAY_AT, H_REPLAY_BY, H_REPLAY_ORIGIN)

UNKNOWN_CODE = "UNKNOWN"
"""Code shown for a record without a ``scmflow.error.code`` header."""


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    """One committed record of a dead-letter topic, with its error headers decoded."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    """Every header in its original order, undecoded."""
    timestamp_ms: int | None
    """Kafka timestamp of the dead-letter record: when the stage produced it."""
    decoded: dict[str, str]
    """Headers decoded as UTF-8; the last value of a repeated name wins."""

    @classmethod
    def from_message(cls, message: Message) -> "DeadLetterRecord":
        headers = list(message.headers() or [])
        kind, timestamp = message.timestamp()
        return cls(
            topic=message.topic(),
            partition=message.partition(),
            offset=message.offset(),
            key=message.key(),
            value=message.value(),
            headers=headers,
            timestamp_ms=None if kind == TIMESTAMP_NOT_AVAILABLE else timestamp,
            decoded=decode_headers(headers),
        )

    @property
    def code(self) -> str:
        return self.decoded.get(H_CODE) or UNKNOWN_CODE

    @property
    def original_topic(self) -> str:
        """Topic the failed record was read from, or "" when the header is missing."""
        return self.decoded.get(H_TOPIC, "")

    @property
    def original_partition(self) -> int | None:
        return _parse_int(self.decoded.get(H_PARTITION))

    @property
    def original_offset(self) -> int | None:
        return _parse_int(self.decoded.get(H_OFFSET))

    @property
    def original_timestamp_ms(self) -> int | None:
        return _parse_int(self.decoded.get(H_TIMESTAMP))

    @property
    def source(self) -> str:
        """The ``scmflow.source`` header, else the original topic."""
        return self.decoded.get(H_SOURCE) or self.original_topic

    @property
    def entity_id(self) -> str | None:
        return self.decoded.get(H_ENTITY_ID)

    @property
    def key_text(self) -> str | None:
        if self.key is None:
            return None
        return self.key.decode("utf-8", errors="replace")

    @property
    def failed_at(self) -> datetime | None:
        """The ``failed_at`` header, else the record's Kafka timestamp; None without either."""
        text = self.decoded.get(H_FAILED_AT)
        if text:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if self.timestamp_ms is None:
            return None
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    @property
    def replay_count(self) -> int:
        return _parse_int(self.decoded.get(H_REPLAY_COUNT)) or 0

    @property
    def replay_origin(self) -> str | None:
        """Return ``topic:partition:offset`` where the record first arrived, if known.

        That is the ``scmflow.replay.origin`` header of a record that failed
        again after a replay, else the position in the error headers.
        """
        origin = self.decoded.get(H_REPLAY_ORIGIN)
        if origin:
            return origin
        partition, offset = self.original_partition, self.original_offset
        if not self.original_topic or partition is None or offset is None:
            return None
        return f"{self.original_topic}:{partition}:{offset}"

    def error_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.decoded.items() if k.startswith(ERROR_HEADER_PREFIX)}

    def other_headers(self) -> list[tuple[str, bytes | None]]:
        return [(k, v) for k, v in self.headers if not k.startswith(ERROR_HEADER_PREFIX)]


def replay_headers(
    record: DeadLetterRecord, *, actor: str, replayed_at: datetime
) -> list[tuple[str, bytes | None]]:
    """Build the headers of a replayed record.

    The original headers keep their order. Every ``scmflow.error.*`` header
    and any earlier ``scmflow.replay.*`` header is dropped. Then the replay
    count (one more than the record carried), the replay time, the actor and
    the origin are appended. A stage that parks the later records of a key
    behind a dead letter releases the key when the record with the blocking
    origin succeeds, so the origin stays the first arrival across replays.
    """
    kept = [(name, value) for name, value in record.other_headers() if name not in REPLAY_HEADERS]
    added = {
        H_REPLAY_COUNT: str(record.replay_count + 1),
        H_REPLAY_AT: replayed_at.astimezone(UTC).isoformat(timespec="milliseconds"),
        H_REPLAY_BY: actor,
    }
    origin = record.replay_origin
    if origin is not None:
        added[H_REPLAY_ORIGIN] = origin
    return kept + [(name, text.encode("utf-8")) for name, text in added.items()]


def _parse_int(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        return None
