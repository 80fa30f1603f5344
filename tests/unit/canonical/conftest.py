"""Fixtures of the canonical model tests."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from canonical import Envelope, Provenance, Quantity
from canonical.registry import REGISTRY_URL_VARIABLE, registry_from_environment

OCCURRED = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_registry_from_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unset SCHEMA_REGISTRY_URL, so that encode() defaults to single-object encoding."""
    monkeypatch.delenv(REGISTRY_URL_VARIABLE, raising=False)
    registry_from_environment.cache_clear()
    yield
    registry_from_environment.cache_clear()


def build_envelope(entity_type: str, entity_id: str, version: int = 1, **changes) -> Envelope:
    fields = {
        "event_id": UUID(int=version),
        "event_type": f"{entity_type}.updated",
        "schema_version": 1,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_version": version,
        "producer_system": "wms:DC1",
        "occurred_at": OCCURRED,
        "occurred_at_source": None,
        "ingested_at": OCCURRED + timedelta(seconds=1),
        "correlation_id": "corr-1",
        "causation_id": None,
        "idempotency_key": f"{entity_type}:{entity_id}:{version}",
        "provenance": Provenance(
            source_document_ids=["DOC-1"],
            raw_topic="raw.webhook",
            raw_partition=0,
            raw_offset=1,
            payload_sha256="a" * 64,
            adapter_version="1",
            transform_version="test@1",
        ),
    }
    fields.update(changes)
    return Envelope(**fields)


def build_quantity(value: str, unit: str = "C62") -> Quantity:
    return Quantity(
        value=Decimal(value), unit=unit, source_value=value, source_unit=unit,
        conversion_rule="identity",
    )


@pytest.fixture
def envelope() -> Callable[..., Envelope]:
    return build_envelope


@pytest.fixture
def quantity() -> Callable[..., Quantity]:
    return build_quantity
