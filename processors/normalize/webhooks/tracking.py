"""Carrier tracking scans turned into shipment status events, shared by every carrier provider.

Carriers resend the whole tracking history with each update, late and out of
order. Each scan becomes one ``shipment.status_updated`` event. The events of
one body are ordered by the carrier's event time, not by their place in the
body. Scans repeated inside one body (same time, same status) are kept once.
The idempotency key is (tracker, event time, carrier status code), so the
dedupe stage drops the scans an earlier delivery already carried.

The shipment entity:

- ``entity_id`` is ``<carrier>:<tracking number>`` with the carrier name in
  lower case, so the same parcel tracked through an aggregator or directly
  gets the same id. ``shipment_id`` is the tracking number.
- ``status`` comes from config/mappings/carrier-status.yaml by provider and
  the carrier's code; ``purpose_code`` is ``carrier_status``, because a scan
  is neither an original notice nor a replacement.
- The carrier's own codes, kept as strings (UPS ``"011"``), are references;
  the scan's place is a party with role ``carrier_event_location``.

A scan mapped to ``in_exception`` also raises an ``exception-event`` of kind
``shipment.carrier_exception`` against the shipment.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from canonical.common import Party, Reference
from canonical.envelope import CanonicalEvent
from canonical.exception_event import ExceptionReport, ExceptionSeverity, ExceptionStatus
from canonical.shipment import Shipment, ShipmentStatus
from processors.normalize.record import RawRecord
from processors.normalize.webhooks._context import (
    EventSpec,
    WebhookContext,
    build_event,
    epoch_microseconds,
    validation_error,
)
from processors.normalize.webhooks.mappings import CarrierStatusTable

PURPOSE_CARRIER_STATUS = "carrier_status"
LOCATION_ROLE = "carrier_event_location"
TRACKING_NUMBER_QUALIFIER = "2I"
"""X12 reference qualifier 2I: tracking number."""
EXCEPTION_KIND = "shipment.carrier_exception"


@dataclass(frozen=True, slots=True)
class TrackingScan:
    """One entry of a carrier's tracking history."""

    status_code: str
    """The carrier's status code as sent, the key into the status table."""
    status_path: str
    occurred_at: datetime
    occurred_at_source: str
    description: str | None = None
    references: Sequence[Reference] = ()
    location: Party | None = None


@dataclass(frozen=True, slots=True)
class TrackingReport:
    """The scans one carrier body reports for one tracker."""

    provider: str
    carrier: str
    """Carrier name in lower case, such as ``ups``, ``usps`` or ``fedex``."""
    tracking_number: str
    scans: Sequence[TrackingScan]
    flags: Sequence[str] = ()
    source_document_ids: Sequence[str] = field(default_factory=list)


def location_party(
    city: str | None, region: str | None, postal_code: str | None, country: str | None
) -> Party | None:
    if not any((city, region, postal_code, country)):
        return None
    return Party(
        role=LOCATION_ROLE, city=city, region=region, postal_code=postal_code, country=country
    )


def tracking_events(
    record: RawRecord, context: WebhookContext, report: TrackingReport, table: CarrierStatusTable
) -> list[CanonicalEvent]:
    """Build the status events (and exception events) of a report, in carrier event time order."""
    ordered = sorted(enumerate(report.scans), key=lambda item: (item[1].occurred_at, item[0]))
    seen: set[tuple[datetime, str]] = set()
    events: list[CanonicalEvent] = []
    entity_id = f"{report.carrier}:{report.tracking_number}"
    for _, scan in ordered:
        if (scan.occurred_at, scan.status_code) in seen:
            continue
        seen.add((scan.occurred_at, scan.status_code))
        status = table.status(report.provider, scan.status_code, scan.status_path)
        events.append(_status_event(record, context, report, scan, status, entity_id, table))
        if status is ShipmentStatus.IN_EXCEPTION:
            events.append(_exception_event(record, context, report, scan, entity_id, table))
    return events


def _spec_common(report: TrackingReport, table: CarrierStatusTable) -> dict:
    return {
        "producer_system": f"carrier:{report.provider}",
        "transform_version": f"webhook-{report.provider}@1",
        "mapping_versions": {table.name: table.version},
        "flags": report.flags,
        "source_document_ids": report.source_document_ids,
    }


def _status_event(
    record: RawRecord,
    context: WebhookContext,
    report: TrackingReport,
    scan: TrackingScan,
    status: ShipmentStatus,
    entity_id: str,
    table: CarrierStatusTable,
) -> CanonicalEvent:
    try:
        shipment = Shipment(
            shipment_id=report.tracking_number,
            status=status,
            purpose_code=PURPOSE_CARRIER_STATUS,
            structure_code=None,
            shipped_at=None,
            shipped_at_local=None,
            carrier_scac=table.scac(report.carrier),
            transport_method=None,
            gross_weight=None,
            references=[
                Reference(qualifier=TRACKING_NUMBER_QUALIFIER, value=report.tracking_number),
                Reference(qualifier="carrier", value=report.carrier),
                Reference(qualifier="carrier_status", value=scan.status_code),
                *scan.references,
            ],
            parties=[scan.location] if scan.location else [],
        )
    except ValidationError as exc:
        raise validation_error(exc, "shipment") from exc
    spec = EventSpec(
        entity_type="shipment",
        event_type="shipment.status_updated",
        entity_id=entity_id,
        payload=shipment,
        occurred_at=scan.occurred_at,
        occurred_at_source=scan.occurred_at_source,
        discriminator=[scan.occurred_at.isoformat(), scan.status_code],
        **_spec_common(report, table),
    )
    return build_event(record, context, spec)


def _exception_event(
    record: RawRecord,
    context: WebhookContext,
    report: TrackingReport,
    scan: TrackingScan,
    entity_id: str,
    table: CarrierStatusTable,
) -> CanonicalEvent:
    exception_id = f"{entity_id}:{epoch_microseconds(scan.occurred_at)}:{scan.status_code}"
    try:
        exception = ExceptionReport(
            exception_id=exception_id,
            status=ExceptionStatus.OPEN,
            severity=ExceptionSeverity.WARNING,
            kind=EXCEPTION_KIND,
            subject_entity_type="shipment",
            subject_entity_id=entity_id,
            detected_at=scan.occurred_at,
            description=scan.description,
            details=None,
            resolution=None,
            resolved_at=None,
            references=[
                Reference(qualifier=TRACKING_NUMBER_QUALIFIER, value=report.tracking_number),
                Reference(qualifier="carrier_status", value=scan.status_code),
                *scan.references,
            ],
        )
    except ValidationError as exc:
        raise validation_error(exc, "exception report") from exc
    spec = EventSpec(
        entity_type="exception-event",
        event_type="exception-event.raised",
        entity_id=exception_id,
        payload=exception,
        occurred_at=scan.occurred_at,
        occurred_at_source=scan.occurred_at_source,
        discriminator=[scan.occurred_at.isoformat(), scan.status_code],
        **_spec_common(report, table),
    )
    return build_event(record, context, spec)
