"""The envelope that wraps every canonical entity on a canonical topic.

The Avro record ``scmflow.canonical.Envelope`` has the same fields and is
reused, with one identical definition, by every canonical schema under
schemas/. The event classes that pair an envelope with an entity live in
``canonical.events``; ``CanonicalEvent`` is also importable from here.
"""

from typing import Any
from uuid import UUID

from canonical._types import Int32, Int64, UtcDatetime
from canonical.common import CanonicalModel


class Provenance(CanonicalModel):
    """Where an event came from, down to the raw record and the mapping tables used."""

    source_document_ids: list[str]
    """The source's own document identifiers, such as interchange and set control numbers."""
    raw_topic: str
    raw_partition: Int32
    raw_offset: Int64
    payload_sha256: str
    """Hex SHA-256 of the raw record value the event was built from."""
    adapter_version: str
    transform_version: str
    mapping_versions: dict[str, str] = {}
    """Name and version of each reference-data table the transform used."""


class Envelope(CanonicalModel):
    """Identity, ordering and lineage of one canonical event."""

    event_id: UUID
    """Unique per event; a replay of the same event keeps it."""
    event_type: str
    """Entity type and what happened, such as ``shipment.notified``."""
    schema_version: Int32
    entity_type: str
    """The canonical entity, such as ``shipment`` or ``inventory-snapshot``. It names the
    schema subject and the topics ``normalized.<entity type>`` and ``canonical.<entity type>``."""
    entity_id: str
    """The partition key: every event of one entity goes to one partition, in order."""
    entity_version: Int64
    """Monotonic per entity, taken from the source's sequence or business time (microseconds)."""
    producer_system: str
    """The system that produced the entity: family, then instance or partner, colon-separated,
    such as ``x12:ACME`` or ``wms:DC1``. Field ownership is matched against it."""
    occurred_at: UtcDatetime
    """Business time of the event, in UTC."""
    occurred_at_source: str | None
    """Business time exactly as the source wrote it, before conversion."""
    ingested_at: UtcDatetime
    correlation_id: str
    causation_id: str | None
    idempotency_key: str
    """Equal for resends of the same business event; the dedupe stage drops repeats."""
    quality_flags: list[str] = []
    """Problems found in an otherwise usable document, such as ``x12.se_count_mismatch``."""
    provenance: Provenance


def __getattr__(name: str) -> Any:
    # CanonicalEvent moved to canonical.events, which imports this module, so it
    # is resolved on first access here instead of imported at the top.
    if name == "CanonicalEvent":
        from canonical.events import CanonicalEvent

        return CanonicalEvent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
