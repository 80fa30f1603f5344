"""Identity and lineage of events built from an X12 transaction set.

Identifiers, all deterministic so that replaying a raw record rebuilds the
same event:

- ``event_id`` is a UUID version 5 over ``"{topic}:{partition}:{offset}:{entity_id}"``
  of the raw record. It is unique per event, and a replay of the same raw
  record keeps it. A resend of the document arrives at another offset and
  gets another event id, and the idempotency key is what tells them apart.
- ``idempotency_key`` is a SHA-256 over the sender (ISA06), the receiver
  (ISA08), the set type, the business key (for an 856: BSN01 purpose and
  BSN02 shipment id) and a hash of the set's segments without ST and SE. It
  leaves out every control number (ISA13, GS06, ST02), so a resend under new
  control numbers, or with other delimiters, has the same key, while a
  changed document (a replace with new quantities) gets a new one.
- ``correlation_id`` is ``x12:{ISA06}:{ISA13}:{GS06}:{ST02}``, the set's
  place in the partner's envelope, shared by every event of one set.
"""

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from adapters.raw import H_ADAPTER_VERSION, H_PAYLOAD_SHA256, H_RECEIVED_AT, sha256_hex
from adapters.x12 import Delimiters, Segment
from adapters.x12 import headers as xh
from canonical.errors import ErrorCode, RecordError
from processors.normalize.record import RawRecord, require_header

EVENT_ID_NAMESPACE = uuid.UUID("83da48fe-0173-493c-9386-98bcdf0a8db1")
"""Namespace of event ids. Changing it changes every event id, so it never changes."""

PAYLOAD_SHA256_MISMATCH_FLAG = "raw.payload_sha256_mismatch"
ENVELOPE_TAGS = ("ST", "SE")


@dataclass(frozen=True, slots=True)
class X12SetContext:
    """Envelope values, delimiters and times read from a raw X12 record's headers."""

    sender: str
    receiver: str
    interchange_control_number: str
    group_control_number: str
    set_control_number: str
    delimiters: Delimiters
    ingested_at: datetime
    adapter_version: str
    payload_sha256: str
    flags: tuple[str, ...]
    """Quality flags from the splitter, then any added while reading the headers."""

    @classmethod
    def from_record(cls, record: RawRecord) -> "X12SetContext":
        """Read the context, or raise RAW_HEADER_MISSING when a header is absent or unusable."""
        try:
            delimiters = Delimiters.from_headers(record.headers)
        except (KeyError, ValueError) as exc:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"raw record {record.position} has no usable X12 delimiter headers: {exc}",
                field_path=xh.H_ELEMENT_SEPARATOR,
            ) from exc
        received_at = require_header(record, H_RECEIVED_AT)
        try:
            ingested_at = datetime.fromisoformat(received_at)
        except ValueError as exc:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"header {H_RECEIVED_AT} of raw record {record.position} is not an ISO 8601 "
                f"timestamp: {received_at!r}",
                field_path=H_RECEIVED_AT,
            ) from exc
        if ingested_at.utcoffset() is None:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"header {H_RECEIVED_AT} of raw record {record.position} has no UTC offset: "
                f"{received_at!r}",
                field_path=H_RECEIVED_AT,
            )
        flags = [flag for flag in record.headers.get(xh.H_QUALITY_FLAGS, "").split(",") if flag]
        computed = sha256_hex(record.value)
        declared = record.headers.get(H_PAYLOAD_SHA256)
        if declared and declared != computed:
            flags.append(PAYLOAD_SHA256_MISMATCH_FLAG)
        return cls(
            sender=require_header(record, xh.H_ISA06),
            receiver=require_header(record, xh.H_ISA08),
            interchange_control_number=require_header(record, xh.H_ISA13),
            group_control_number=require_header(record, xh.H_GS06),
            set_control_number=require_header(record, xh.H_ST02),
            delimiters=delimiters,
            ingested_at=ingested_at,
            adapter_version=require_header(record, H_ADAPTER_VERSION),
            payload_sha256=computed,
            flags=tuple(flags),
        )

    @property
    def correlation_id(self) -> str:
        return (
            f"x12:{self.sender}:{self.interchange_control_number}:"
            f"{self.group_control_number}:{self.set_control_number}"
        )

    @property
    def source_document_ids(self) -> list[str]:
        return [
            f"ISA13={self.interchange_control_number}",
            f"GS06={self.group_control_number}",
            f"ST02={self.set_control_number}",
        ]


def content_hash(segments: Iterable[Segment]) -> str:
    """Hash the set's segments without ST and SE, independent of the delimiters used."""
    digest = hashlib.sha256()
    for segment in segments:
        if segment.tag in ENVELOPE_TAGS:
            continue
        digest.update(segment.content_key().encode("latin-1"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def idempotency_key(
    context: X12SetContext, set_type: str, business_key: list[str], segments: Iterable[Segment]
) -> str:
    """Return the key that is equal for resends of the same business document."""
    parts = [
        "x12",
        context.sender,
        context.receiver,
        set_type,
        *business_key,
        content_hash(segments),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def event_id(record: RawRecord, entity_id: str) -> uuid.UUID:
    """Return the event id: stable across replays of one raw record, unique per event."""
    name = f"{record.topic}:{record.partition}:{record.offset}:{entity_id}"
    return uuid.uuid5(EVENT_ID_NAMESPACE, name)
