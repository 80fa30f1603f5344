"""EasyPost tracker events (``tracker.created``, ``tracker.updated``) to shipment status events.

The body is an EasyPost Event whose ``result`` is a Tracker. Each entry of
``result.tracking_details`` is one scan (``status``, ``datetime``); a tracker
without details yields one scan from its own ``status`` at ``updated_at``.
``status_detail`` and the carrier's ``carrier_code`` are kept as references.
Other event descriptions (batches, refunds, ...) are WEBHOOK_UNSUPPORTED_EVENT.
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

PROVIDER = "easypost"
TRACKER_EVENTS = ("tracker.created", "tracker.updated")


def normalize_easypost(
    record: RawRecord, context: WebhookContext, *, table: CarrierStatusTable | None = None
) -> list[CanonicalEvent]:
    table = table or default_carrier_status_table()
    body = context.body
    reader = FieldReader()
    description = reader.required_text(body, "description", "description")
    if description not in TRACKER_EVENTS:
        raise RecordError(
            ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
            f"EasyPost event {description!r} is not normalized; supported: "
            f"{', '.join(TRACKER_EVENTS)}",
            field_path="description",
        )
    tracker = reader.obj(body, "result", "result")
    if tracker is None:
        raise body_error("the EasyPost event has no result tracker", "result")
    tracking_code = reader.required_text(tracker, "tracking_code", "result.tracking_code")
    carrier = (reader.text(tracker, "carrier", "result.carrier") or PROVIDER).lower()

    scans = []
    details = reader.items(tracker, "tracking_details", "result.tracking_details")
    for index, detail in enumerate(details):
        scans.append(_scan(reader, detail, f"result.tracking_details[{index}]"))
    if not scans:
        scans.append(_tracker_scan(reader, tracker))

    ids = [f"event_id={reader.text(body, 'id', 'id')}"]
    tracker_id = reader.text(tracker, "id", "result.id")
    if tracker_id:
        ids.append(f"tracker_id={tracker_id}")
    report = TrackingReport(
        provider=PROVIDER,
        carrier=carrier,
        tracking_number=tracking_code,
        scans=scans,
        flags=reader.flags,
        source_document_ids=ids,
    )
    return tracking_events(record, context, report, table)


def _scan(reader: FieldReader, detail: object, path: str) -> TrackingScan:
    if not isinstance(detail, dict):
        raise body_error("expected a tracking detail object", path)
    status = reader.required_text(detail, "status", f"{path}.status")
    instant = reader.instant(detail, "datetime", f"{path}.datetime")
    if instant is None:
        raise body_error("the tracking detail has no datetime", f"{path}.datetime")
    references = []
    for name in ("status_detail", "carrier_code"):
        value = reader.text(detail, name, f"{path}.{name}")
        if value:
            references.append(Reference(qualifier=f"easypost.{name}", value=value))
    location = reader.obj(detail, "tracking_location", f"{path}.tracking_location") or {}
    return TrackingScan(
        status_code=status,
        status_path=f"{path}.status",
        occurred_at=instant[0],
        occurred_at_source=instant[1],
        description=reader.text(detail, "message", f"{path}.message")
        or reader.text(detail, "description", f"{path}.description"),
        references=references,
        location=location_party(
            reader.text(location, "city", f"{path}.tracking_location.city"),
            reader.text(location, "state", f"{path}.tracking_location.state"),
            reader.text(location, "zip", f"{path}.tracking_location.zip"),
            reader.text(location, "country", f"{path}.tracking_location.country"),
        ),
    )


def _tracker_scan(reader: FieldReader, tracker: dict) -> TrackingScan:
    status = reader.required_text(tracker, "status", "result.status")
    instant = reader.instant(tracker, "updated_at", "result.updated_at")
    if instant is None:
        raise body_error("the tracker has no tracking_details and no updated_at", "result")
    detail = reader.text(tracker, "status_detail", "result.status_detail")
    return TrackingScan(
        status_code=status,
        status_path="result.status",
        occurred_at=instant[0],
        occurred_at_source=instant[1],
        references=[Reference(qualifier="easypost.status_detail", value=detail)] if detail else [],
    )
