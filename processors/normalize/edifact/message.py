"""One EDIFACT message being normalized: its segments, partner settings, dates and quantities.

``Message.event`` wraps each entity in its envelope. Field paths in errors
name the segment by tag and qualifier where one exists, such as ``DTM[137]``
or ``LIN[2].QTY[12]``, and the element by position, such as ``BGM02``.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from pydantic import BaseModel, ValidationError

from adapters.edifact import Segment
from adapters.edifact import headers as eh
from canonical.common import Quantity
from canonical.envelope import Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.edifact.context import (
    MessageContext,
    content_hash,
    idempotency_key,
)
from processors.normalize.edifact.profile import (
    EdifactProfile,
    EdifactSettings,
    default_edifact_settings,
    default_rec20_table,
)
from processors.normalize.edifact.readers import first, header_segments
from processors.normalize.edifact.values import parse_dtm, to_quantity
from processors.normalize.record import RawRecord
from processors.normalize.reference_data import (
    PartnerConfig,
    UnitTable,
    default_partner_config,
)
from processors.normalize.x12_envelope import event_id

PARTNERS_MAPPING = "partners"
OCCURRED_AT_MISSING_FLAG = "edifact.occurred_at_missing"
DOCUMENT_DATE_QUALIFIER = "137"
FUNCTION_CANCELLATION = "1"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Tables:
    """The reference data a normalizer uses; each defaults to the file under config/."""

    units: UnitTable
    partners: PartnerConfig
    edifact: EdifactSettings

    @classmethod
    def load(
        cls,
        units: UnitTable | None = None,
        partners: PartnerConfig | None = None,
        edifact: EdifactSettings | None = None,
    ) -> "Tables":
        return cls(
            units=units or default_rec20_table(),
            partners=partners or default_partner_config(),
            edifact=edifact or default_edifact_settings(),
        )


@dataclass(slots=True)
class Message:
    """A parsed message with its context, partner settings and the flags found so far."""

    record: RawRecord
    context: MessageContext
    segments: list[Segment]
    tables: Tables
    profile: EdifactProfile
    zone: tzinfo
    transform_version: str
    flags: list[str] = field(default_factory=list)
    _segments_hash: str | None = None

    @classmethod
    def open(cls, record: RawRecord, tables: Tables, transform_version: str) -> "Message":
        sender = record.headers.get(eh.H_UNB_SENDER, "")
        profile = tables.edifact.profile_for(sender)
        context = MessageContext.from_record(record, encoding_override=profile.encoding)
        return cls(
            record=record,
            context=context,
            segments=context.segments(record),
            tables=tables,
            profile=profile,
            zone=tables.partners.timezone_for(context.sender),
            transform_version=transform_version,
            flags=list(context.flags),
        )

    def body(self) -> list[Segment]:
        """Return the segments between UNH and UNT."""
        return [segment for segment in self.segments if segment.tag not in ("UNH", "UNT")]

    def bgm(self) -> Segment:
        bgm = first(self.segments, "BGM")
        if bgm is None:
            raise RecordError(
                ErrorCode.EDIFACT_SEGMENT_MISSING,
                f"the {self.context.message_type} message has no BGM segment",
                field_path="BGM",
            )
        return bgm

    def document_number(self) -> str:
        number = self.bgm().component(2)
        if not number:
            raise RecordError(
                ErrorCode.EDIFACT_ELEMENT_INVALID,
                "BGM02 (document number) is empty",
                field_path="BGM02",
            )
        return number

    def message_function(self) -> str:
        """Return BGM03, the message function code; empty means an original (9)."""
        return self.bgm().component(3)

    def is_cancellation(self) -> bool:
        return self.message_function() == FUNCTION_CANCELLATION

    def business_key(self) -> list[str]:
        return [self.message_function(), self.document_number()]

    def segments_hash(self) -> str:
        """Return the content hash of the message, computed once for all its events."""
        if self._segments_hash is None:
            self._segments_hash = content_hash(self.segments)
        return self._segments_hash

    def date(
        self, segments: list[Segment], qualifiers: tuple[str, ...], path: str
    ) -> tuple[datetime | None, str | None]:
        """Return (UTC instant, source text) of a DTM, or (None, None) when there is none.

        ``qualifiers`` are tried in order, so the first one present wins.
        """
        for qualifier in qualifiers:
            segment = first(segments, "DTM", qualifier)
            if segment is not None:
                return parse_dtm(segment, self.zone, f"{path}DTM[{qualifier}]")
        return None, None

    def document_time(self) -> tuple[datetime, str | None]:
        """Return the document date (DTM 137 before the detail section), else the ingestion time.

        The fallback adds the flag ``edifact.occurred_at_missing``.
        """
        header = header_segments(self.body())
        instant, source = self.date(header, (DOCUMENT_DATE_QUALIFIER,), "")
        if instant is None:
            self.flags.append(OCCURRED_AT_MISSING_FLAG)
            return self.context.ingested_at, None
        return instant, source

    def quantity(self, segment: Segment, path: str) -> Quantity:
        """Build the Quantity of a QTY segment (value C186:2, unit C186:3)."""
        where = f"{path}QTY[{segment.component(1)}].C186"
        value = segment.component(1, 2)
        if not value:
            raise RecordError(
                ErrorCode.EDIFACT_ELEMENT_INVALID,
                f"QTY {segment.component(1)} has no quantity",
                field_path=f"{where}:2",
            )
        return self.quantity_from(
            value, segment.component(1, 3), where, value_index=2, unit_index=3
        )

    def quantity_from(
        self, value: str, unit: str, path: str, *, value_index: int = 2, unit_index: int = 1
    ) -> Quantity:
        """Build a Quantity from a value and a unit code; ``path`` names their composite."""
        return to_quantity(
            value,
            unit,
            table=self.tables.units,
            implied_unit=self.profile.implied_unit,
            decimal_mark=self.context.delimiters.decimal_mark,
            value_path=f"{path}:{value_index}",
            unit_path=f"{path}:{unit_index}",
            flags=self.flags,
        )

    def event(
        self,
        *,
        entity_type: str,
        event_type: str,
        entity_id: str,
        payload: BaseModel,
        occurred_at: datetime,
        occurred_at_source: str | None,
        flags: list[str] | None = None,
    ) -> CanonicalEvent:
        """Wrap ``payload`` in an envelope; the ids follow the docstring of edifact.context."""
        context = self.context
        with model_errors(entity_type):
            envelope = Envelope(
                event_id=event_id(self.record, entity_id),
                event_type=event_type,
                schema_version=1,
                entity_type=entity_type,
                entity_id=entity_id,
                entity_version=epoch_microseconds(occurred_at),
                producer_system=context.producer_system,
                occurred_at=occurred_at,
                occurred_at_source=occurred_at_source,
                ingested_at=context.ingested_at,
                correlation_id=context.correlation_id,
                causation_id=None,
                idempotency_key=idempotency_key(
                    context,
                    self.business_key(),
                    self.segments_hash(),
                    entity_type,
                    entity_id,
                ),
                quality_flags=list(dict.fromkeys([*self.flags, *(flags or [])])),
                provenance=Provenance(
                    source_document_ids=context.source_document_ids,
                    raw_topic=self.record.topic,
                    raw_partition=self.record.partition,
                    raw_offset=self.record.offset,
                    payload_sha256=context.payload_sha256,
                    adapter_version=context.adapter_version,
                    transform_version=self.transform_version,
                    mapping_versions={
                        self.tables.units.name: self.tables.units.version,
                        PARTNERS_MAPPING: self.tables.partners.version,
                    },
                ),
            )
            return CanonicalEvent(envelope=envelope, payload=payload)


@contextlib.contextmanager
def model_errors(entity_name: str) -> Iterator[None]:
    """Turn a pydantic ValidationError into SCHEMA_VALIDATION_FAILED naming the first field."""
    try:
        yield
    except ValidationError as exc:
        first_error = exc.errors()[0]
        location = ".".join(str(part) for part in first_error["loc"])
        raise RecordError(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            f"the {entity_name} built from the message is invalid: {first_error['msg']} "
            f"at {location}",
            field_path=location,
        ) from exc


def epoch_microseconds(instant: datetime) -> int:
    delta = instant - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
