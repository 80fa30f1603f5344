"""Kafka headers written on every canonical record.

CloudEvents attributes (Kafka protocol binding, binary content mode) let
generic tools route without decoding Avro. The ``scmflow.*`` headers let the
dedupe stage work without decoding either.
"""

from canonical.events import CanonicalEvent

CE_SPECVERSION = "1.0"
H_IDEMPOTENCY_KEY = "scmflow.idempotency_key"
H_ENTITY_TYPE = "scmflow.entity_type"
H_ENTITY_ID = "scmflow.entity_id"
H_SOURCE = "scmflow.source"
H_INGESTED_AT = "scmflow.ingested_at"
H_CORRELATION_ID = "scmflow.correlation_id"
H_ENTITY_VERSION = "scmflow.entity_version"
CONTENT_TYPE = "application/avro"


def event_headers(event: CanonicalEvent, source: str) -> list[tuple[str, bytes]]:
    """Return the headers of a canonical record: CloudEvents attributes and dedupe fields."""
    envelope = event.envelope
    values = {
        "ce_specversion": CE_SPECVERSION,
        "ce_id": str(envelope.event_id),
        "ce_source": f"scmflow/{envelope.producer_system}",
        "ce_type": f"scmflow.{envelope.event_type}",
        "ce_time": envelope.occurred_at.isoformat(),
        "ce_subject": envelope.entity_id,
        "content-type": CONTENT_TYPE,
        H_IDEMPOTENCY_KEY: envelope.idempotency_key,
        H_ENTITY_TYPE: envelope.entity_type,
        H_ENTITY_ID: envelope.entity_id,
        H_SOURCE: source,
        H_INGESTED_AT: envelope.ingested_at.isoformat(),
        H_CORRELATION_ID: envelope.correlation_id,
        H_ENTITY_VERSION: str(envelope.entity_version),
    }
    return [(name, value.encode("utf-8")) for name, value in values.items()]
