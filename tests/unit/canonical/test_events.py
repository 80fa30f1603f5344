"""Event classes: payload dispatch by entity type, validation and equality."""

from datetime import datetime

import pytest
from pydantic import ValidationError

from canonical import (
    ENTITY_MODELS,
    EVENT_CLASSES,
    CanonicalEvent,
    InventorySnapshot,
    InventorySnapshotEvent,
    Location,
    LocationStatus,
    StockStatus,
    event_class,
)


def location(**changes) -> Location:
    fields = {
        "location_id": "DC-EAST", "status": LocationStatus.ACTIVE, "name": "East DC",
        "kind": "warehouse", "gln": None, "parent_location_id": None, "city": None,
        "region": None, "postal_code": None, "country": "US", "time_zone": None,
    }
    return Location(**(fields | changes))


def snapshot(quantity, **changes) -> InventorySnapshot:
    fields = {
        "location_id": "DC-EAST", "product_id": "SKU-1", "lot_number": None,
        "stock_status": StockStatus.UNRESTRICTED, "as_of": datetime.fromisoformat(
            "2026-03-01T10:00:00+00:00"),
        "on_hand": quantity("10"), "reserved": quantity("2"), "available": quantity("8"),
    }
    return InventorySnapshot(**(fields | changes))


def test_every_entity_type_has_event_class():
    assert set(EVENT_CLASSES) == set(ENTITY_MODELS)
    for entity_type, cls in EVENT_CLASSES.items():
        assert cls.model_fields["payload"].annotation is ENTITY_MODELS[entity_type]


def test_entity_types_are_hyphenated():
    assert all("_" not in entity_type for entity_type in EVENT_CLASSES)


def test_base_event_validates_payload_dict_by_entity_type(envelope):
    event = CanonicalEvent.model_validate(
        {"envelope": envelope("location", "DC-EAST"), "payload": location().model_dump()}
    )
    assert type(event.payload) is Location


def test_payload_must_match_entity_type(envelope):
    expected = "payload is Location, but envelope.entity_type 'inventory-snapshot' needs"
    with pytest.raises(ValidationError, match=expected):
        CanonicalEvent(envelope=envelope("inventory-snapshot", "x"), payload=location())


def test_typed_event_rejects_other_entity_type(envelope):
    with pytest.raises(ValidationError):
        InventorySnapshotEvent(envelope=envelope("location", "DC-EAST"), payload=location())


def test_unknown_entity_type_rejected(envelope):
    with pytest.raises(ValidationError, match="unknown envelope.entity_type 'invoice'"):
        CanonicalEvent(envelope=envelope("invoice", "INV-1"), payload=location())


def test_base_event_equals_typed_event(envelope, quantity):
    fields = {"envelope": envelope("inventory-snapshot", "k"), "payload": snapshot(quantity)}
    assert CanonicalEvent(**fields) == InventorySnapshotEvent(**fields)
    assert hash(CanonicalEvent(**fields)) == hash(InventorySnapshotEvent(**fields))


def test_event_class_lookup():
    assert event_class("inventory-snapshot") is InventorySnapshotEvent
    with pytest.raises(KeyError, match="unknown entity type 'invoice'"):
        event_class("invoice")


def test_naive_datetime_rejected(quantity):
    with pytest.raises(ValidationError, match="timezone"):
        snapshot(quantity, as_of=datetime(2026, 3, 1, 10, 0))


def test_snapshot_quantities_share_unit(quantity):
    with pytest.raises(ValidationError, match="one unit"):
        snapshot(quantity, reserved=quantity("2", "KGM"))


def test_snapshot_keeps_available_as_given(quantity):
    # Available is the source's figure, not on_hand - reserved.
    assert snapshot(quantity, available=quantity("5")).available.value == 5


def test_int32_bound_enforced(envelope):
    with pytest.raises(ValidationError):
        envelope("location", "DC-EAST", schema_version=2**31)


def test_unknown_field_rejected():
    with pytest.raises(ValidationError, match="extra"):
        location(color="blue")


def test_canonical_event_importable_from_envelope_module():
    from canonical.envelope import CanonicalEvent as moved

    assert moved is CanonicalEvent
