"""Normalizer for GS1 EPCIS events (JSON-LD 2.0, XML 2.0 and XML 1.2).

``normalize_epcis`` reads the event that ``epcis.event_index`` names from the
document in the record, and maps it as the modules ``movements``, ``packs``
and ``exceptions`` describe. Every entity carries the business transactions
as references (qualifier ``po``, ``desadv``, ``inv``, ... or the partner's
type URI) and ``eventTimeZoneOffset`` as written. The event's CBV 2.0 hash
is computed again from the document, and a hash header that differs from it
is flagged ``epcis.event_hash_mismatch``.
"""

from pydantic import ValidationError

from adapters.epcis import DocumentError, EventError, event_hash, load_event
from adapters.epcis import headers as eh
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.epcis.context import EventContext, invalid_model
from processors.normalize.epcis.exceptions import exception_entities
from processors.normalize.epcis.mapping import BizStepTable, default_bizstep_table
from processors.normalize.epcis.movements import object_entities, transformation_entities
from processors.normalize.epcis.packs import pack_entities
from processors.normalize.record import RawRecord, require_header

__all__ = ["normalize_epcis"]

FLAG_OFFSET_DIFFERS = "epcis.time_zone_offset_differs"
FLAG_HASH_MISMATCH = "epcis.event_hash_mismatch"
FLAG_PARTNER_HASH_DIFFERS = "epcis.partner_hash_differs"
MAPPERS = {
    "ObjectEvent": object_entities,
    "TransactionEvent": object_entities,
    "TransformationEvent": transformation_entities,
    "AggregationEvent": pack_entities,
    "AssociationEvent": pack_entities,
}


def normalize_epcis(
    record: RawRecord, *, table: BizStepTable | None = None
) -> list[CanonicalEvent]:
    """Turn the raw record of one EPCIS event into canonical events; raise RecordError."""
    index_text = require_header(record, eh.H_EVENT_INDEX)
    if not index_text.isdigit():
        raise RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"header {eh.H_EVENT_INDEX} of raw record {record.position} is not an index: "
            f"{index_text!r}",
            field_path=eh.H_EVENT_INDEX,
        )
    try:
        _, event = load_event(record.value, int(index_text))
    except DocumentError as exc:
        raise RecordError(exc.code, exc.message) from exc
    except EventError as exc:
        raise RecordError(ErrorCode.EPCIS_EVENT_INVALID, exc.message, exc.field_path) from exc
    except IndexError as exc:
        raise RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"the document has no event at index {index_text}",
            field_path=eh.H_EVENT_INDEX,
        ) from exc

    hash_id = event_hash(event)
    context = EventContext(
        record=record, event=event, hash_id=hash_id, table=table or default_bizstep_table()
    )
    context.flags.extend(event.flags)
    declared = record.headers.get(eh.H_EVENT_HASH)
    if declared and declared != hash_id:
        context.flags.append(FLAG_HASH_MISMATCH)
    if event.event_id and event.event_id.startswith("ni:///") and event.event_id != hash_id:
        context.flags.append(FLAG_PARTNER_HASH_DIFFERS)
    if event.event_time_source[-6:] != event.time_zone_offset and not (
        event.event_time_source.endswith("Z") and event.time_zone_offset in ("+00:00", "-00:00")
    ):
        context.flags.append(FLAG_OFFSET_DIFFERS)

    try:
        entities = MAPPERS[event.event_type](context)
        entities += exception_entities(context, entities[0] if entities else None)
    except ValidationError as exc:
        # A part such as a quantity out of the Avro decimal range fails its model.
        raise invalid_model(event.event_type, exc) from exc
    if not entities:
        raise RecordError(
            ErrorCode.EPCIS_UNSUPPORTED_EVENT,
            f"the {event.event_type} at index {event.index} has no objects, quantities or "
            f"alarms that this release maps",
            field_path=f"eventList[{event.index}]",
        )
    return entities
