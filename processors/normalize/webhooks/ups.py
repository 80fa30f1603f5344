"""UPS Track Alert events to shipment status events: one body is one scan.

UPS writes the scan time twice, as local and as GMT date and time strings
(``YYYYMMDD``, ``HHMMSS``) without offsets. The GMT pair is the event time;
both pairs are kept in ``occurred_at_source``. Without a GMT pair the event
time is the ingestion time and the event carries ``ups.gmt_time_missing``.

The status maps through ``activityStatus.type``. ``activityStatus.code`` and
``descriptionCode`` stay strings with their leading zeros (``"011"``); a code
that arrives as a JSON number has lost them and is flagged
``ups.status_code_not_string``.
"""

from datetime import UTC, datetime

from canonical.common import Reference
from canonical.envelope import CanonicalEvent
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

PROVIDER = "ups"
GMT_TIME_MISSING_FLAG = "ups.gmt_time_missing"
CODE_NOT_STRING_FLAG = "ups.status_code_not_string"


def normalize_ups(
    record: RawRecord, context: WebhookContext, *, table: CarrierStatusTable | None = None
) -> list[CanonicalEvent]:
    table = table or default_carrier_status_table()
    body = context.body
    reader = FieldReader()
    tracking_number = reader.required_text(body, "trackingNumber", "trackingNumber")
    status = reader.obj(body, "activityStatus", "activityStatus")
    if status is None:
        raise body_error("the UPS event has no activityStatus", "activityStatus")
    status_type = reader.required_text(status, "type", "activityStatus.type")

    references = []
    for name in ("code", "descriptionCode"):
        if isinstance(status.get(name), int | float) and not isinstance(status.get(name), bool):
            reader.flag(CODE_NOT_STRING_FLAG)
        value = reader.text(status, name, f"activityStatus.{name}")
        if value:
            references.append(Reference(qualifier=f"ups.activity_status.{name}", value=value))

    occurred_at, source_text = _event_time(reader, body, context)
    location = reader.obj(body, "activityLocation", "activityLocation") or {}
    scan = TrackingScan(
        status_code=status_type,
        status_path="activityStatus.type",
        occurred_at=occurred_at,
        occurred_at_source=source_text,
        description=reader.text(status, "description", "activityStatus.description"),
        references=references,
        location=location_party(
            reader.text(location, "city", "activityLocation.city"),
            reader.text(location, "stateProvince", "activityLocation.stateProvince"),
            reader.text(location, "postalCode", "activityLocation.postalCode"),
            reader.text(location, "country", "activityLocation.country"),
        ),
    )
    report = TrackingReport(
        provider=PROVIDER,
        carrier=PROVIDER,
        tracking_number=tracking_number,
        scans=[scan],
        flags=reader.flags,
        source_document_ids=[f"event_id={context.event_id}"] if context.event_id else [],
    )
    return tracking_events(record, context, report, table)


def _event_time(reader: FieldReader, body: dict, context: WebhookContext) -> tuple[datetime, str]:
    local_date = reader.text(body, "localActivityDate", "localActivityDate") or ""
    local_time = reader.text(body, "localActivityTime", "localActivityTime") or ""
    gmt_date = reader.text(body, "gmtActivityDate", "gmtActivityDate")
    gmt_time = reader.text(body, "gmtActivityTime", "gmtActivityTime")
    source_text = f"local {local_date} {local_time}; GMT {gmt_date or ''} {gmt_time or ''}"
    if not gmt_date or not gmt_time:
        reader.flag(GMT_TIME_MISSING_FLAG)
        return context.ingested_at, source_text
    try:
        parsed = datetime.strptime(f"{gmt_date}{gmt_time}", "%Y%m%d%H%M%S")
    except ValueError:
        raise body_error(
            f"expected gmtActivityDate YYYYMMDD and gmtActivityTime HHMMSS, found "
            f"{gmt_date!r} and {gmt_time!r}",
            "gmtActivityDate",
        ) from None
    return parsed.replace(tzinfo=UTC), source_text
