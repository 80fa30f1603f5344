"""Identity and lineage of events built from a raw webhook record.

- ``event_id`` is a UUID version 5 over the raw record's place in the log and
  the event's idempotency key. A replay of the raw record rebuilds the same
  ids, while the several events of one record (a tracking history) differ.
- ``idempotency_key`` is a SHA-256 over ``webhook``, the provider, the entity
  type, the entity id and a discriminator that each normalizer documents. The
  discriminator is the sender's event id where one identifies the business
  event, else business fields such as (event time, status) for a carrier scan.
- ``correlation_id`` is ``webhook:<provider>:<event id>``, shared by every event
  of one delivery.
- ``entity_version`` is ``occurred_at`` in microseconds since the Unix epoch.
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from adapters.raw import H_ADAPTER_VERSION, H_DOCUMENT_TYPE, H_PARTNER, H_RECEIVED_AT, sha256_hex
from adapters.webhooks.headers import H_EVENT_ID, H_ORIGIN
from canonical.envelope import CanonicalEvent, Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.ownership import OwnedEntity
from processors.normalize.record import RawRecord, require_header
from processors.normalize.webhooks._fields import body_error, scan_drift

EVENT_ID_NAMESPACE = uuid.UUID("fba49bc8-ec4a-4be8-8486-2c2920a93484")
"""Namespace of webhook event ids. Changing it changes every event id, so it never changes."""
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WebhookContext:
    """Provenance of one raw webhook record, read from its headers, and its parsed body."""

    provider: str
    document_type: str
    """Such as ``shopify.orders/create``."""
    event_id: str | None
    origin: str | None
    ingested_at: datetime
    adapter_version: str
    payload_sha256: str
    body: dict[str, Any]
    drift_flags: tuple[str, ...]

    @classmethod
    def from_record(cls, record: RawRecord) -> "WebhookContext":
        """Read the headers and parse the body; raise RecordError when either is unusable."""
        received_at = require_header(record, H_RECEIVED_AT)
        try:
            ingested_at = datetime.fromisoformat(received_at)
        except ValueError:
            ingested_at = None
        if ingested_at is None or ingested_at.utcoffset() is None:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"header {H_RECEIVED_AT} of raw record {record.position} is not an ISO 8601 "
                f"time with an offset: {received_at!r}",
                field_path=H_RECEIVED_AT,
            )
        body = parse_body(record.value)
        return cls(
            provider=require_header(record, H_PARTNER),
            document_type=require_header(record, H_DOCUMENT_TYPE),
            event_id=record.headers.get(H_EVENT_ID) or None,
            origin=record.headers.get(H_ORIGIN) or None,
            ingested_at=ingested_at.astimezone(UTC),
            adapter_version=require_header(record, H_ADAPTER_VERSION),
            payload_sha256=sha256_hex(record.value),
            body=body,
            drift_flags=tuple(sorted(scan_drift(body))),
        )

    @property
    def topic(self) -> str:
        """The document type without the provider prefix, such as ``orders/create``."""
        return self.document_type.removeprefix(f"{self.provider}.")

    @property
    def correlation_id(self) -> str:
        return f"webhook:{self.provider}:{self.event_id or 'sha256:' + self.payload_sha256}"


def parse_body(value: bytes) -> dict[str, Any]:
    try:
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise body_error(f"the webhook body is not JSON: {exc}", "$") from exc
    if not isinstance(document, dict):
        raise body_error(
            f"the webhook body is a JSON {type(document).__name__}; expected an object", "$"
        )
    return document


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event as a normalizer describes it, before ``build_event`` adds identity and lineage."""

    entity_type: str
    event_type: str
    entity_id: str
    payload: OwnedEntity
    occurred_at: datetime
    occurred_at_source: str | None
    producer_system: str
    discriminator: Sequence[str]
    """Parts that, with the entity, identify the business event for the idempotency key."""
    transform_version: str
    mapping_versions: dict[str, str]
    flags: Sequence[str] = ()
    source_document_ids: Sequence[str] = ()


def idempotency_key(context: WebhookContext, spec: EventSpec) -> str:
    parts = ["webhook", context.provider, spec.entity_type, spec.entity_id, *spec.discriminator]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def build_event(record: RawRecord, context: WebhookContext, spec: EventSpec) -> CanonicalEvent:
    """Wrap ``spec.payload`` in its envelope; raise SCHEMA_VALIDATION_FAILED when it is invalid."""
    key = idempotency_key(context, spec)
    flags = list(dict.fromkeys([*context.drift_flags, *spec.flags]))
    document_ids = list(spec.source_document_ids) or (
        [f"event_id={context.event_id}"] if context.event_id else []
    )
    try:
        envelope = Envelope(
            event_id=uuid.uuid5(
                EVENT_ID_NAMESPACE, f"{record.topic}:{record.partition}:{record.offset}:{key}"
            ),
            event_type=spec.event_type,
            schema_version=1,
            entity_type=spec.entity_type,
            entity_id=spec.entity_id,
            entity_version=epoch_microseconds(spec.occurred_at),
            producer_system=spec.producer_system,
            occurred_at=spec.occurred_at,
            occurred_at_source=spec.occurred_at_source,
            ingested_at=context.ingested_at,
            correlation_id=context.correlation_id,
            causation_id=None,
            idempotency_key=key,
            quality_flags=flags,
            provenance=Provenance(
                source_document_ids=document_ids,
                raw_topic=record.topic,
                raw_partition=record.partition,
                raw_offset=record.offset,
                payload_sha256=context.payload_sha256,
                adapter_version=context.adapter_version,
                transform_version=spec.transform_version,
                mapping_versions=spec.mapping_versions,
            ),
        )
        return CanonicalEvent(envelope=envelope, payload=spec.payload)
    except ValidationError as exc:
        raise validation_error(exc, spec.entity_type) from exc


def validation_error(exc: ValidationError, what: str) -> RecordError:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    return RecordError(
        ErrorCode.SCHEMA_VALIDATION_FAILED,
        f"the {what} built from the webhook is invalid: {first['msg']} at {location}",
        field_path=location,
    )


def epoch_microseconds(instant: datetime) -> int:
    delta = instant - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
