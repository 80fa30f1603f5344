"""Field ownership: owned fields change only when their owner sends the update."""

import pytest
from pydantic import ValidationError

from canonical import ENTITY_MODELS, OwnershipError, Product, ProductStatus, merge_owned
from canonical.ownership import FieldOwnership, OwnedEntity, producer_matches


def product(**changes) -> Product:
    fields = {
        "product_id": "ACME:SKU-1", "status": ProductStatus.ACTIVE, "sku": "SKU-1",
        "gtin": "00012345678905", "description": "Widget", "brand": "Acme",
        "category": "widgets", "base_unit": "C62", "net_weight": None, "gross_weight": None,
        "hazmat_class": None, "country_of_origin": "DE",
    }
    return Product(**(fields | changes))


@pytest.mark.parametrize(
    ("owner", "producer", "matches"),
    [
        ("erp", "erp", True),
        ("erp", "erp:sap-prod", True),
        ("x12", "x12:ACME", True),
        ("erp", "erpx", False),
        ("erp", "pim", False),
        ("x12:ACME", "x12:OTHER", False),
        ("*", "anything:at-all", True),
    ],
)
def test_producer_matches(owner, producer, matches):
    assert producer_matches(owner, producer) is matches


def test_owner_update_applied():
    result = merge_owned(product(), product(status=ProductStatus.BLOCKED), "erp:sap-prod")
    assert result.entity.status is ProductStatus.BLOCKED
    assert result.applied == ("status",)
    assert result.rejected == ()


def test_non_owner_update_rejected():
    # The ERP resends its copy with an old description: the PIM owns the description.
    current = product(description="Widget, blue, 10 pack")
    result = merge_owned(current, product(description="Widget"), "erp")
    assert result.entity.description == "Widget, blue, 10 pack"
    assert result.rejected == ("description",)
    assert result.applied == ()


def test_mixed_update_splits_fields():
    update = product(description="New text", status=ProductStatus.DISCONTINUED)
    result = merge_owned(product(), update, "pim")
    assert result.entity.description == "New text"
    assert result.entity.status is ProductStatus.ACTIVE
    assert result.applied == ("description",)
    assert result.rejected == ("status",)


def test_replay_from_non_owner_keeps_owned_values():
    owned = merge_owned(product(), product(gtin="04012345000000"), "pim").entity
    replayed = merge_owned(owned, product(), "erp")
    assert replayed.entity.gtin == "04012345000000"
    assert replayed.rejected == ("gtin",)


def test_unchanged_fields_neither_applied_nor_rejected():
    result = merge_owned(product(), product(), "anyone")
    assert result.applied == ()
    assert result.rejected == ()


def test_first_sighting_takes_update_whole():
    update = product()
    result = merge_owned(None, update, "pim")
    assert result.entity is update
    assert result.applied == ()


def test_key_change_is_another_entity():
    with pytest.raises(OwnershipError, match="key field product_id differs"):
        merge_owned(product(), product(product_id="ACME:SKU-2"), "erp")


def test_entity_types_must_match():
    from canonical import Location, LocationStatus

    location = Location(
        location_id="L", status=LocationStatus.ACTIVE, name="L", kind="store", gln=None,
        parent_location_id=None, city=None, region=None, postal_code=None, country=None,
        time_zone=None,
    )
    with pytest.raises(OwnershipError, match="cannot merge a Location update into a Product"):
        merge_owned(product(), location, "erp")


def test_merged_entity_is_validated(quantity):
    from canonical import InventorySnapshot, StockStatus

    def snapshot(**changes) -> InventorySnapshot:
        fields = {
            "location_id": "DC", "product_id": "SKU-1", "lot_number": None,
            "stock_status": StockStatus.UNRESTRICTED,
            "as_of": "2026-03-01T10:00:00Z", "on_hand": quantity("10"),
            "reserved": quantity("2"), "available": quantity("8"),
        }
        return InventorySnapshot(**(fields | changes))

    class OnHandOwnedByErp(InventorySnapshot):
        ownership = FieldOwnership(
            keys=InventorySnapshot.ownership.keys, default=("wms",), fields={"on_hand": ("erp",)}
        )

    current = OnHandOwnedByErp(**snapshot().model_dump())
    update = OnHandOwnedByErp(**snapshot(
        on_hand=quantity("10", "KGM"), reserved=quantity("2", "KGM"),
        available=quantity("8", "KGM"),
    ).model_dump())
    with pytest.raises(ValidationError, match="one unit"):
        merge_owned(current, update, "wms")


def test_every_entity_declares_its_keys():
    for entity_type, model in ENTITY_MODELS.items():
        assert model.ownership.keys, entity_type
        assert set(model.ownership.keys) <= set(model.model_fields), entity_type


def test_ownership_of_unknown_field_rejected():
    with pytest.raises(TypeError, match="names fields the model lacks"):

        class Broken(OwnedEntity):
            ownership = FieldOwnership(keys=("id",), default=("erp",), fields={"colour": ("pim",)})
            id: str
