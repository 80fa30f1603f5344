"""Shippo track_updated events to shipment status events.

The body is either the ``track_updated`` event, whose ``data`` is the track,
or the track itself. Every entry of ``tracking_history`` and the current
``tracking_status`` is a scan (``status``, ``status_date``). The current
status usually repeats the last history entry under another ``object_id``,
so the shared tracking rules keep it once. ``object_id`` and the
``substatus`` code, when present, are kept as references.
"""

from canonical.common import Reference
from canonical.envelope import CanonicalEvent
from canonical.errors import ErrorCode, RecordError
from processors.normalize.record import RawRecord
from processors.normalize.webhooks._context import WebhookContext
from processors.normalize.webhooks._fields import FieldReader, body_error
from processors.normalize.webhooks.mappings import CarrierStatusTable, default_carrier_status_table
from processors.normalize.webhooks.tracking import (
    TrackingReport,
    TrackingScan,
    location_party,
    tracking_events,
)

PROVIDER = "shippo"
TRACK_EVENT = "track_updated"


def normalize_shippo(
    record: RawRecord, context: WebhookContext, *, table: CarrierStatusTable | None = None
) -> list[CanonicalEvent]:
    table = table or default_carrier_status_table()
    body = context.body
    reader = FieldReader()
    event = reader.text(body, "event", "event")
    if event is not None and event != TRACK_EVENT:
        raise RecordError(
            ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
            f"Shippo event {event!r} is not normalized; supported: {TRACK_EVENT}",
            field_path="event",
        )
    prefix = "data" if isinstance(body.get("data"), dict) else ""
    track = body["data"] if prefix else body
    path = f"{prefix}." if prefix else ""

    tracking_number = reader.required_text(track, "tracking_number", f"{path}tracking_number")
    carrier = (reader.text(track, "carrier", f"{path}carrier") or PROVIDER).lower()
    scans = []
    for index, entry in enumerate(
        reader.items(track, "tracking_history", f"{path}tracking_history")
    ):
        scans.append(_scan(reader, entry, f"{path}tracking_history[{index}]"))
    current = reader.obj(track, "tracking_status", f"{path}tracking_status")
    if current is not None:
        scans.append(_scan(reader, current, f"{path}tracking_status"))
    if not scans:
        raise body_error(
            "the Shippo track has neither tracking_status nor tracking_history entries",
            f"{path}tracking_status",
        )

    report = TrackingReport(
        provider=PROVIDER,
        carrier=carrier,
        tracking_number=tracking_number,
        scans=scans,
        flags=reader.flags,
        source_document_ids=[f"event_id={context.event_id}"] if context.event_id else [],
    )
    return tracking_events(record, context, report, table)


def _scan(reader: FieldReader, entry: object, path: str) -> TrackingScan:
    if not isinstance(entry, dict):
        raise body_error("expected a tracking status object", path)
    status = reader.required_text(entry, "status", f"{path}.status")
    instant = reader.instant(entry, "status_date", f"{path}.status_date")
    if instant is None:
        raise body_error("the tracking status has no status_date", f"{path}.status_date")
    references = []
    object_id = reader.text(entry, "object_id", f"{path}.object_id")
    if object_id:
        references.append(Reference(qualifier="shippo.object_id", value=object_id))
    substatus = reader.obj(entry, "substatus", f"{path}.substatus")
    substatus_code = reader.text(substatus, "code", f"{path}.substatus.code")
    if substatus_code:
        references.append(Reference(qualifier="shippo.substatus", value=substatus_code))
    location = reader.obj(entry, "location", f"{path}.location") or {}
    return TrackingScan(
        status_code=status,
        status_path=f"{path}.status",
        occurred_at=instant[0],
        occurred_at_source=instant[1],
        description=reader.text(entry, "status_details", f"{path}.status_details"),
        references=references,
        location=location_party(
            reader.text(location, "city", f"{path}.location.city"),
            reader.text(location, "state", f"{path}.location.state"),
            reader.text(location, "zip", f"{path}.location.zip"),
            reader.text(location, "country", f"{path}.location.country"),
        ),
    )
