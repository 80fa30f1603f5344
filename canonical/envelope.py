"""The envelope that wraps every canonical entity on a canonical topic.

The Avro record ``scmflow.canonical.Envelope`` has the same fields and is reused
by every canonical schema under schemas/.
"""

from uuid import UUID

from pydantic import BaseModel, ConfigDict

from canonical._types import UtcDatetime
from canonical.shipment import Shipment


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(_Model):
    """Where an event came from, down to the raw record and the mapping tables used."""

    source_document_ids: list[str]
    """The source's own document identifiers, such as interchange and set control numbers."""
    raw_topic: str
    raw_partition: int
    raw_offset: int
    payload_sha256: str
    """Hex SHA-256 of the raw record value the event was built from."""
    adapter_version: str
    transform_version: str
    mapping_versions: dict[str, str] = {}
    """Name and version of each reference-data table the transform used."""


class Envelope(_Model):
    """Identity, ordering and lineage of one canonical event."""

    event_id: UUID
    """Unique per event; a replay of the same event keeps it."""
    event_type: str
    """Entity type and what happened, such as ``shipment.notified``."""
    schema_version: int
    entity_type: str
    entity_id: str
    """The partition key: every event of one entity goes to one partition, in order."""
    entity_version: int
    """Monotonic per entity, taken from the source's sequence or business time (microseconds)."""
    producer_system: str
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


class CanonicalEvent(_Model):
    """An envelope with its entity. The payload type follows ``envelope.entity_type``."""

    envelope: Envelope
    payload: Shipment
