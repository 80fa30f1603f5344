"""Sensor alarms and exception dispositions mapped to exception events.

A sensor report with an ``exception`` (an alarm or error condition) and a
disposition listed under ``exception_dispositions`` in the bizStep table each
give one exception event against the first entity built from the event.
An error declaration re-emits them with status dismissed.
"""

from pydantic import ValidationError

from canonical.events import CanonicalEvent
from canonical.exception_event import ExceptionReport, ExceptionSeverity, ExceptionStatus
from processors.normalize.epcis.context import EventContext, invalid_model
from processors.normalize.epcis.values import references


def exception_entities(
    context: EventContext, subject: CanonicalEvent | None
) -> list[CanonicalEvent]:
    """Raise exception events for sensor alarms and for exception dispositions."""
    event = context.event
    subject_type = subject.envelope.entity_type if subject else "epcis-event"
    subject_id = subject.envelope.entity_id if subject else context.hash_id
    problems: list[tuple[str, ExceptionSeverity, str]] = []
    for i, element in enumerate(event.sensor_elements):
        for j, report in enumerate(element.get("sensorReport") or []):
            condition = str(report.get("exception") or "").removeprefix("gs1:")
            if not condition:
                continue
            severity = (
                ExceptionSeverity.CRITICAL
                if condition == "ALARM_CONDITION"
                else ExceptionSeverity.WARNING
            )
            reading = ", ".join(
                f"{name}={report[name]}"
                for name in ("type", "value", "minValue", "maxValue", "uom", "time")
                if name in report
            )
            problems.append((f"sensor_alarm:{i}:{j}", severity, f"sensor {condition}: {reading}"))
    severity = context.table.exception_dispositions.get(event.disposition or "")
    if severity is not None:
        problems.append(
            (f"disposition_{event.disposition}", severity, f"disposition {event.disposition}")
        )
    results = []
    for suffix, level, description in problems:
        kind = suffix.split(":", 1)[0]
        exception_id = f"epcis:{context.key}:{suffix}"
        try:
            report = ExceptionReport(
                exception_id=exception_id,
                status=ExceptionStatus.DISMISSED if context.correction else ExceptionStatus.OPEN,
                severity=level,
                kind=f"{subject_type}.{kind}",
                subject_entity_type=subject_type,
                subject_entity_id=subject_id,
                detected_at=event.event_time,
                description=description,
                details=None,
                resolution=None,
                resolved_at=None,
                references=references(event),
            )
        except ValidationError as exc:
            raise invalid_model("exception-event", exc) from exc
        results.append(context.wrap("exception-event", "raised", exception_id, report))
    return results
