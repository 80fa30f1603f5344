"""Identity and lineage of canonical events built from one EPCIS event.

- ``event_id``: the UUID version 5 the X12 normalizer uses, over the raw
  record's position and the entity id.
- ``entity_id`` of every entity built from an event contains the event's CBV
  2.0 hash. So the same event sent as JSON-LD or XML, or sent again, builds the
  same entities. An error declaration has the hash of the event it corrects,
  so it addresses that event's entities.
- ``idempotency_key``: SHA-256 over the event hash, the entity type and id,
  and for an error declaration its declarationTime, so a correction is never
  dropped as a resend of the original.
- ``correlation_id``: ``epcis:{partner eventID}``, or ``epcis:{hash}`` without one.
- ``causation_id``: for a correction, the partner's eventID of the corrected event.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ValidationError

from adapters.epcis import EpcisEvent
from adapters.epcis.hashing import hash_hex
from adapters.raw import H_ADAPTER_VERSION, H_PARTNER, H_PAYLOAD_SHA256, H_RECEIVED_AT, sha256_hex
from canonical.envelope import Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.epcis.mapping import BizStepTable
from processors.normalize.record import RawRecord, require_header
from processors.normalize.x12_envelope import PAYLOAD_SHA256_MISMATCH_FLAG, event_id

TRANSFORM_VERSION = "epcis@1"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class EventContext:
    """One EPCIS event being normalized, with what every envelope built from it shares."""

    record: RawRecord
    event: EpcisEvent
    hash_id: str
    table: BizStepTable
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The first 32 hex digits of the event hash, used inside entity ids."""
        return hash_hex(self.hash_id)[:32]

    @property
    def correction(self) -> bool:
        return self.event.error_declaration is not None

    def occurred(self) -> tuple[datetime, str]:
        declaration = self.event.error_declaration
        if declaration is not None:
            return declaration.declaration_time, declaration.declaration_time_source
        return self.event.event_time, self.event.event_time_source

    def entity_version(self) -> int:
        version = _micros(self.event.event_time)
        declaration = self.event.error_declaration
        if declaration is not None:
            version = max(_micros(declaration.declaration_time), version + 1)
        return version

    def wrap(
        self, entity_type: str, verb: str, entity_id: str, payload: BaseModel
    ) -> CanonicalEvent:
        """Wrap ``payload`` in its envelope; a correction gets event type ``<entity>.corrected``."""
        record, event = self.record, self.event
        received_at = require_header(record, H_RECEIVED_AT)
        try:
            ingested_at = datetime.fromisoformat(received_at)
        except ValueError as exc:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"header {H_RECEIVED_AT} of raw record {record.position} is not an ISO 8601 "
                f"timestamp: {received_at!r}",
                field_path=H_RECEIVED_AT,
            ) from exc

        flags = list(self.flags)
        if record.headers.get(H_PAYLOAD_SHA256) not in (None, "", sha256_hex(record.value)):
            flags.append(PAYLOAD_SHA256_MISMATCH_FLAG)

        occurred_at, occurred_source = self.occurred()
        partner = record.headers.get(H_PARTNER, "")
        declaration = event.error_declaration
        key_parts = ["epcis", self.hash_id, entity_type, entity_id]
        if declaration is not None:
            key_parts.append(declaration.declaration_time.isoformat())
        ids = [f"eventHash={self.hash_id}", f"eventIndex={event.index}"]
        if event.event_id:
            ids.insert(0, f"eventID={event.event_id}")

        try:
            envelope = Envelope(
                event_id=event_id(record, entity_id),
                event_type=f"{entity_type}.{'corrected' if self.correction else verb}",
                schema_version=1,
                entity_type=entity_type,
                entity_id=entity_id,
                entity_version=self.entity_version(),
                producer_system=f"epcis:{partner}" if partner else "epcis",
                occurred_at=occurred_at,
                occurred_at_source=occurred_source,
                ingested_at=ingested_at,
                correlation_id=f"epcis:{event.event_id or self.hash_id}",
                causation_id=(event.event_id or self.hash_id) if self.correction else None,
                idempotency_key=hashlib.sha256("\x1f".join(key_parts).encode()).hexdigest(),
                quality_flags=list(dict.fromkeys(flags)),
                provenance=Provenance(
                    source_document_ids=ids,
                    raw_topic=record.topic,
                    raw_partition=record.partition,
                    raw_offset=record.offset,
                    payload_sha256=sha256_hex(record.value),
                    adapter_version=require_header(record, H_ADAPTER_VERSION),
                    transform_version=TRANSFORM_VERSION,
                    mapping_versions={self.table.name: self.table.version},
                ),
            )
            return CanonicalEvent(envelope=envelope, payload=payload)
        except ValidationError as exc:
            raise invalid_model(entity_type, exc) from exc


def invalid_model(entity_type: str, exc: ValidationError) -> RecordError:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    return RecordError(
        ErrorCode.SCHEMA_VALIDATION_FAILED,
        f"the {entity_type} built from the EPCIS event is invalid: {first['msg']} at {location}",
        field_path=location,
    )


def _micros(instant: datetime) -> int:
    return (instant - UNIX_EPOCH) // timedelta(microseconds=1)
