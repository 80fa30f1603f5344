"""The X12 856 ship notice mapped to one canonical shipment event.

One transaction set gives one event: ``shipment.notified``, or
``shipment.cancelled`` when BSN01 is 01 (cancellation). The entity id is
``{ISA06}:{BSN02}``, because shipment ids are only unique per sender.

Business time: ``occurred_at`` is BSN03/BSN04, the date and time of the
notice, in the sender's time zone from config/partners.yaml (BSN has no time
code). When either is empty, ``occurred_at`` is the ingestion time and the
event carries ``x12.occurred_at_missing``. ``shipped_at`` is DTM*011, using
DTM04 as time code when present. A date without a time is read as the start
of that day. ``entity_version`` is ``occurred_at`` in microseconds since the
Unix epoch, so a later replace of the same shipment has a higher version.
"""

from datetime import UTC, datetime

from pydantic import ValidationError

from adapters.x12 import Segment, parse_segments
from canonical.envelope import CanonicalEvent, Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.shipment import Shipment, ShipmentStatus
from processors.normalize import x12_dates
from processors.normalize.hierarchy import build_hierarchy
from processors.normalize.record import RawRecord
from processors.normalize.reference_data import (
    PartnerConfig,
    UnitTable,
    default_partner_config,
    default_unit_table,
)
from processors.normalize.x12_856_levels import ShipmentReader
from processors.normalize.x12_envelope import X12SetContext, event_id, idempotency_key

TRANSFORM_VERSION = "x12-856@1"
SET_TYPE = "856"
PURPOSE_CANCELLATION = "01"
OCCURRED_AT_MISSING_FLAG = "x12.occurred_at_missing"
PARTNERS_MAPPING = "partners"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def normalize_856(
    record: RawRecord,
    *,
    units: UnitTable | None = None,
    partners: PartnerConfig | None = None,
) -> list[CanonicalEvent]:
    """Map one 856 transaction set to a shipment event.

    ``units`` and ``partners`` default to the tables under config/. Raises
    RecordError for every defect of the input. The module docstring lists the
    choices made.
    """
    units = units or default_unit_table()
    partners = partners or default_partner_config()
    context = X12SetContext.from_record(record)
    segments = parse_segments(record.value, context.delimiters)
    _check_envelope(segments)

    hierarchy = build_hierarchy(segments[1:])
    bsn = _find_bsn(hierarchy.header)
    purpose = _required(bsn, 1)
    shipment_id = _required(bsn, 2)
    zone = partners.timezone_for(context.sender)
    flags = [*context.flags, *hierarchy.flags()]

    date_text, time_text = bsn.element(3), bsn.element(4)
    occurred_at_source = x12_dates.source_text(date_text, time_text)
    if date_text.strip() and time_text.strip():
        occurred_at = x12_dates.to_utc(
            x12_dates.parse_date(date_text, "BSN03"),
            x12_dates.parse_time(time_text, "BSN04"),
            zone,
        )
    else:
        occurred_at = context.ingested_at
        flags.append(OCCURRED_AT_MISSING_FLAG)

    reader = ShipmentReader(hierarchy, units=units, zone=zone)
    cancelled = purpose == PURPOSE_CANCELLATION
    entity_id = f"{context.sender}:{shipment_id}"
    try:
        shipment = Shipment(
            shipment_id=shipment_id,
            status=ShipmentStatus.CANCELLED if cancelled else ShipmentStatus.HANDED_OFF,
            purpose_code=purpose,
            structure_code=bsn.element(5).strip() or None,
            **reader.shipment_fields(),
        )
        envelope = Envelope(
            event_id=event_id(record, entity_id),
            event_type="shipment.cancelled" if cancelled else "shipment.notified",
            schema_version=1,
            entity_type="shipment",
            entity_id=entity_id,
            entity_version=_epoch_microseconds(occurred_at),
            producer_system=f"x12:{context.sender}",
            occurred_at=occurred_at,
            occurred_at_source=occurred_at_source,
            ingested_at=context.ingested_at,
            correlation_id=context.correlation_id,
            causation_id=None,
            idempotency_key=idempotency_key(context, SET_TYPE, [purpose, shipment_id], segments),
            quality_flags=_unique([*flags, *reader.flags]),
            provenance=Provenance(
                source_document_ids=context.source_document_ids,
                raw_topic=record.topic,
                raw_partition=record.partition,
                raw_offset=record.offset,
                payload_sha256=context.payload_sha256,
                adapter_version=context.adapter_version,
                transform_version=TRANSFORM_VERSION,
                mapping_versions={units.name: units.version, PARTNERS_MAPPING: partners.version},
            ),
        )
        return [CanonicalEvent(envelope=envelope, payload=shipment)]
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise RecordError(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            f"the shipment built from the 856 is invalid: {first['msg']} at {location}",
            field_path=location,
        ) from exc


def _check_envelope(segments: list[Segment]) -> None:
    if not segments or segments[0].tag != "ST":
        found = segments[0].tag if segments else "nothing"
        raise RecordError(
            ErrorCode.X12_ENVELOPE_INVALID,
            f"expected the record to start with an ST segment, found {found}",
            field_path="ST",
        )
    set_type = segments[0].element(1).strip()
    if set_type != SET_TYPE:
        raise RecordError(
            ErrorCode.X12_UNSUPPORTED_SET,
            f"expected an {SET_TYPE} transaction set, found ST01={set_type!r}",
            field_path="ST01",
        )


def _find_bsn(header: list[Segment]) -> Segment:
    for segment in header:
        if segment.tag == "BSN":
            return segment
    raise RecordError(
        ErrorCode.X12_SEGMENT_MISSING,
        "the ship notice has no BSN segment before its first HL",
        field_path="BSN",
    )


def _required(segment: Segment, position: int) -> str:
    value = segment.element(position).strip()
    if not value:
        path = f"{segment.tag}{position:02d}"
        raise RecordError(ErrorCode.X12_ELEMENT_INVALID, f"{path} is empty", field_path=path)
    return value


def _epoch_microseconds(instant: datetime) -> int:
    delta = instant - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _unique(flags: list[str]) -> list[str]:
    return list(dict.fromkeys(flags))
