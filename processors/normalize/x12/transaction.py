"""One X12 transaction set being normalized: segments, partner settings, dates and quantities.

``Transaction.event`` wraps each entity in its envelope with the identifiers
described in processors.normalize.x12_envelope. A set that gives several
events (an 846 with many items, a 944 with exceptions) adds the entity type
and id to the business key, so each event has its own idempotency key. Field
paths in errors name the segment and element, such as ``BEG03``, and the line
where there is one, such as ``LX[2].W0101``.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, tzinfo

from pydantic import BaseModel, ValidationError

from adapters.x12 import Segment, parse_segments
from canonical.common import Quantity
from canonical.envelope import Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize import x12_dates
from processors.normalize.record import RawRecord
from processors.normalize.reference_data import (
    PartnerConfig,
    UnitTable,
    default_partner_config,
    default_unit_table,
)
from processors.normalize.units import to_quantity
from processors.normalize.x12.profile import X12Profile, X12Settings, default_x12_settings
from processors.normalize.x12_envelope import X12SetContext, event_id, idempotency_key

PARTNERS_MAPPING = "partners"
OCCURRED_AT_MISSING_FLAG = "x12.occurred_at_missing"
TIME_CODE_FLAG_PREFIX = "x12.time_code_unknown:"
LOCAL_TIME_CODE = "LT"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Tables:
    """The reference data a normalizer uses; each defaults to the file under config/."""

    units: UnitTable
    partners: PartnerConfig
    x12: X12Settings

    @classmethod
    def load(
        cls,
        units: UnitTable | None = None,
        partners: PartnerConfig | None = None,
        x12: X12Settings | None = None,
    ) -> "Tables":
        return cls(
            units=units or default_unit_table(),
            partners=partners or default_partner_config(),
            x12=x12 or default_x12_settings(),
        )


@dataclass(slots=True)
class Transaction:
    """A parsed transaction set with its context, partner settings and flags found so far."""

    record: RawRecord
    set_type: str
    context: X12SetContext
    segments: list[Segment]
    tables: Tables
    profile: X12Profile
    zone: tzinfo
    transform_version: str
    flags: list[str] = field(default_factory=list)

    @classmethod
    def open(
        cls, record: RawRecord, set_type: str, tables: Tables, transform_version: str
    ) -> "Transaction":
        """Parse the record; raise RecordError unless it is one ST..SE set of ``set_type``."""
        context = X12SetContext.from_record(record)
        segments = parse_segments(record.value, context.delimiters)
        if not segments or segments[0].tag != "ST":
            found = segments[0].tag if segments else "nothing"
            raise RecordError(
                ErrorCode.X12_ENVELOPE_INVALID,
                f"expected the record to start with an ST segment, found {found}",
                field_path="ST",
            )
        found_type = segments[0].element(1).strip()
        if found_type != set_type:
            raise RecordError(
                ErrorCode.X12_UNSUPPORTED_SET,
                f"expected an {set_type} transaction set, found ST01={found_type!r}",
                field_path="ST01",
            )
        return cls(
            record=record,
            set_type=set_type,
            context=context,
            segments=segments,
            tables=tables,
            profile=tables.x12.profile_for(context.sender),
            zone=tables.partners.timezone_for(context.sender),
            transform_version=transform_version,
            flags=list(context.flags),
        )

    def body(self) -> list[Segment]:
        """Return the segments between ST and SE."""
        return [segment for segment in self.segments if segment.tag not in ("ST", "SE")]

    def require(self, tag: str) -> Segment:
        """Return the first segment with ``tag``, or raise X12_SEGMENT_MISSING."""
        for segment in self.segments:
            if segment.tag == tag:
                return segment
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            f"the {self.set_type} transaction set has no {tag} segment",
            field_path=tag,
        )

    def date_time(
        self, date_text: str, time_text: str, path: str, time_code: str = ""
    ) -> tuple[datetime | None, str | None]:
        """Return (UTC instant, source text) of an X12 date and optional time, or (None, None).

        ``path`` names the date element, such as ``W1702``; the time element's
        path is not tracked separately. A date without a time is the start of
        that day. Without a known time code the partner's time zone applies.
        """
        if not date_text.strip():
            return None, None
        day = x12_dates.parse_date(date_text, path)
        clock = x12_dates.parse_time(time_text, path) if time_text.strip() else time(0, 0)
        instant = x12_dates.to_utc(day, clock, self._zone_for(time_code.strip()))
        return instant, x12_dates.source_text(date_text, time_text, time_code)

    def _zone_for(self, code: str) -> tzinfo:
        if not code or code == LOCAL_TIME_CODE:
            return self.zone
        zone = x12_dates.TIME_CODES.get(code)
        if zone is None:
            self.flags.append(f"{TIME_CODE_FLAG_PREFIX}{code}")
            return self.zone
        return zone

    def occurred_at(self, instant: datetime | None) -> datetime:
        """Return ``instant``, or the ingestion time flagged ``x12.occurred_at_missing``."""
        if instant is not None:
            return instant
        self.flags.append(OCCURRED_AT_MISSING_FLAG)
        return self.context.ingested_at

    def quantity(
        self, segment: Segment, value_position: int, unit_position: int, line: str = ""
    ) -> Quantity:
        """Build a Quantity from two elements of ``segment``.

        Raises X12_ELEMENT_INVALID for an empty or malformed value and
        MAPPING_MISSING for a unit code the unit table does not have.
        """
        value_path = self.path(segment, value_position, line)
        if not segment.element(value_position).strip():
            raise RecordError(
                ErrorCode.X12_ELEMENT_INVALID, f"{value_path} has no quantity", value_path
            )
        return to_quantity(
            segment.element(value_position),
            segment.element(unit_position),
            table=self.tables.units,
            value_path=value_path,
            unit_path=self.path(segment, unit_position, line),
        )

    @staticmethod
    def path(segment: Segment, position: int, line: str = "") -> str:
        name = f"{segment.tag}{position:02d}"
        return f"{line}.{name}" if line else name

    def event(
        self,
        *,
        entity_type: str,
        event_type: str,
        entity_id: str,
        payload: BaseModel,
        occurred_at: datetime,
        occurred_at_source: str | None,
        business_key: list[str],
        flags: list[str] | None = None,
    ) -> CanonicalEvent:
        """Wrap ``payload`` in an envelope; the ids follow processors.normalize.x12_envelope."""
        context = self.context
        with model_errors(entity_type):
            envelope = Envelope(
                event_id=event_id(self.record, entity_id),
                event_type=event_type,
                schema_version=1,
                entity_type=entity_type,
                entity_id=entity_id,
                entity_version=epoch_microseconds(occurred_at),
                producer_system=f"x12:{context.sender}",
                occurred_at=occurred_at,
                occurred_at_source=occurred_at_source,
                ingested_at=context.ingested_at,
                correlation_id=context.correlation_id,
                causation_id=None,
                idempotency_key=idempotency_key(
                    context, self.set_type, business_key, self.segments
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


def required(segment: Segment, position: int, line: str = "") -> str:
    """Return an element's stripped value, or raise X12_ELEMENT_INVALID when it is empty."""
    value = segment.element(position).strip()
    if not value:
        path = Transaction.path(segment, position, line)
        raise RecordError(ErrorCode.X12_ELEMENT_INVALID, f"{path} is empty", field_path=path)
    return value


def epoch_microseconds(instant: datetime) -> int:
    delta = instant - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


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
            f"the {entity_name} built from the transaction set is invalid: "
            f"{first_error['msg']} at {location}",
            field_path=location,
        ) from exc
