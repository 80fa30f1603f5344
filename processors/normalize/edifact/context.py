"""Identity and lineage of events built from an EDIFACT message.

Identifiers, all deterministic so that replaying a raw record rebuilds the
same events:

- ``event_id`` is the UUID version 5 the X12 normalizer uses, over the raw
  record's topic, partition, offset and the event's entity id.
- ``idempotency_key`` is a SHA-256 over the UNB sender and recipient, the
  message type, the business key (BGM document number and message function)
  and a hash of the message's segments without UNH and UNT. The event's entity
  type and id are hashed too, because a message can yield several events. The
  key leaves out every control reference (UNB05, UNG05, UNH01), so a resend
  under new references, or with other delimiters, keeps the key, while a
  changed message gets a new one.
- ``correlation_id`` is ``edifact:{sender}:{UNB05}:{UNH01}``, the message's
  place in the partner's envelope, shared by every event of one message.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from adapters.edifact import Delimiters, Segment, parse_segments
from adapters.edifact import headers as eh
from adapters.raw import H_ADAPTER_VERSION, H_PAYLOAD_SHA256, H_RECEIVED_AT, sha256_hex
from canonical.errors import ErrorCode, RecordError
from processors.normalize.record import RawRecord, require_header
from processors.normalize.x12_envelope import PAYLOAD_SHA256_MISMATCH_FLAG

ENVELOPE_TAGS = ("UNH", "UNT")
ENCODING_OVERRIDE_FLAG = "edifact.encoding_overridden"


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Envelope values, delimiters and times read from a raw EDIFACT record's headers."""

    sender: str
    """UNB sender id; empty for a message without a UNB."""
    recipient: str
    interchange_reference: str
    group_reference: str
    message_reference: str
    message_type: str
    delimiters: Delimiters
    encoding: str
    ingested_at: datetime
    adapter_version: str
    payload_sha256: str
    flags: tuple[str, ...]
    """Quality flags from the splitter, then any added while reading the headers."""

    @classmethod
    def from_record(
        cls, record: RawRecord, encoding_override: str | None = None
    ) -> "MessageContext":
        """Read the context, or raise RAW_HEADER_MISSING when a header is absent or unusable.

        ``encoding_override`` replaces the codec the adapter chose, for a
        partner whose character set label is known to be wrong.
        """
        try:
            delimiters = Delimiters.from_headers(record.headers)
        except (KeyError, ValueError) as exc:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"raw record {record.position} has no usable EDIFACT delimiter headers: {exc}",
                field_path=eh.H_ELEMENT_SEPARATOR,
            ) from exc
        flags = [flag for flag in record.headers.get(eh.H_QUALITY_FLAGS, "").split(",") if flag]
        computed = sha256_hex(record.value)
        declared = record.headers.get(H_PAYLOAD_SHA256)
        if declared and declared != computed:
            flags.append(PAYLOAD_SHA256_MISMATCH_FLAG)
        encoding = require_header(record, eh.H_ENCODING)
        if encoding_override and encoding_override != encoding:
            encoding = encoding_override
            flags.append(ENCODING_OVERRIDE_FLAG)
        return cls(
            sender=record.headers.get(eh.H_UNB_SENDER, ""),
            recipient=record.headers.get(eh.H_UNB_RECIPIENT, ""),
            interchange_reference=record.headers.get(eh.H_UNB_REFERENCE, ""),
            group_reference=record.headers.get(eh.H_UNG_REFERENCE, ""),
            message_reference=require_header(record, eh.H_UNH_REFERENCE),
            message_type=require_header(record, eh.H_MESSAGE_TYPE),
            delimiters=delimiters,
            encoding=encoding,
            ingested_at=_ingested_at(record),
            adapter_version=require_header(record, H_ADAPTER_VERSION),
            payload_sha256=computed,
            flags=tuple(flags),
        )

    def segments(self, record: RawRecord) -> list[Segment]:
        return parse_segments(record.value, self.delimiters, self.encoding)

    @property
    def producer_system(self) -> str:
        return f"edifact:{self.sender}" if self.sender else "edifact"

    @property
    def correlation_id(self) -> str:
        return f"edifact:{self.sender}:{self.interchange_reference}:{self.message_reference}"

    @property
    def source_document_ids(self) -> list[str]:
        ids = [f"UNB05={self.interchange_reference}"] if self.interchange_reference else []
        if self.group_reference:
            ids.append(f"UNG05={self.group_reference}")
        ids.append(f"UNH01={self.message_reference}")
        return ids


def _ingested_at(record: RawRecord) -> datetime:
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
    return ingested_at


def content_hash(segments: Iterable[Segment]) -> str:
    """Hash the message's segments without UNH and UNT, independent of the delimiters used."""
    digest = hashlib.sha256()
    for segment in segments:
        if segment.tag in ENVELOPE_TAGS:
            continue
        digest.update(segment.content_key().encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def idempotency_key(
    context: MessageContext,
    business_key: list[str],
    segments_hash: str,
    entity_type: str,
    entity_id: str,
) -> str:
    """Return the key that is equal for resends of the same event of the same message."""
    parts = [
        "edifact",
        context.sender,
        context.recipient,
        context.message_type,
        *business_key,
        segments_hash,
        entity_type,
        entity_id,
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
