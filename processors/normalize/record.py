"""The raw record handed to the normalize stage, and access to its headers."""

from dataclasses import dataclass

from canonical.errors import ErrorCode, RecordError


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record read from a raw topic, with its headers decoded as UTF-8 text."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]
    timestamp_ms: int | None

    @property
    def position(self) -> str:
        """The record's place in the log, as ``topic[partition]@offset``."""
        return f"{self.topic}[{self.partition}]@{self.offset}"


def require_header(record: RawRecord, name: str) -> str:
    """Return a header's value, or raise RAW_HEADER_MISSING when it is absent or empty."""
    value = record.headers.get(name)
    if not value:
        raise RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"raw record {record.position} has no value for header {name!r}; "
            f"re-ingest the file with the current adapter",
            field_path=name,
        )
    return value
