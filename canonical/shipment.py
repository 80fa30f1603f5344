"""The shipment entity: one ship notice with its orders, packs and lines.

The hierarchy of a ship notice differs between partners (shipment-order-pack-item
or shipment-order-item-pack), so packs and lines are flat lists that point to
their parents by hierarchy id instead of nesting. Every ordering of levels fits.
"""

from enum import StrEnum
from typing import ClassVar

from canonical._types import UtcDatetime
from canonical.common import CanonicalModel, Party, ProductId, Quantity, Reference
from canonical.ownership import FieldOwnership, OwnedEntity

__all__ = [
    "Party",
    "ProductId",
    "Quantity",
    "Reference",
    "Shipment",
    "ShipmentLine",
    "ShipmentOrder",
    "ShipmentPack",
    "ShipmentStatus",
]


class ShipmentStatus(StrEnum):
    """Lifecycle state of a shipment."""

    CREATED = "created"
    PACKED = "packed"
    MANIFESTED = "manifested"
    HANDED_OFF = "handed_off"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    IN_EXCEPTION = "in_exception"
    CANCELLED = "cancelled"


class ShipmentOrder(CanonicalModel):
    """An order level of the ship notice hierarchy."""

    hl_id: str
    parent_hl_id: str | None
    purchase_order_number: str | None
    purchase_order_date: str | None
    """The order date as the source wrote it (CCYYMMDD for X12)."""


class ShipmentPack(CanonicalModel):
    """A pack or tare level, identified by its SSCC when the source gives one."""

    hl_id: str
    parent_hl_id: str | None
    level_code: str
    """The source's level code: P for pack, T for tare."""
    sscc: str | None
    marks: list[Reference] = []


class ShipmentLine(CanonicalModel):
    """An item level: a product and the quantity shipped."""

    hl_id: str
    parent_hl_id: str | None
    order_hl_id: str | None
    """Hierarchy id of the nearest order above this line."""
    pack_hl_id: str | None
    """Hierarchy id of the nearest pack above this line, if the line is packed."""
    line_number: str | None
    product_ids: list[ProductId]
    quantity_shipped: Quantity | None


class Shipment(OwnedEntity):
    """A ship notice as one canonical entity, keyed by ``shipment_id``.

    The shipper's notice owns the contents: an X12 856 from a supplier, or
    the own WMS for outbound shipments. Carriers and the TMS may also update
    the status and the carrier fields.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("shipment_id",),
        default=("x12", "wms"),
        fields={
            "status": ("x12", "wms", "tms"),
            "carrier_scac": ("x12", "wms", "tms"),
            "transport_method": ("x12", "wms", "tms"),
        },
    )

    shipment_id: str
    status: ShipmentStatus
    purpose_code: str
    """The source's purpose code (X12 BSN01: 00 original, 05 replace, 01 cancellation)."""
    structure_code: str | None
    """The source's hierarchy structure code (X12 BSN05), such as 0001 or 0002."""
    shipped_at: UtcDatetime | None
    shipped_at_local: str | None
    """Date and time as the source wrote them, before conversion to UTC."""
    carrier_scac: str | None
    transport_method: str | None
    gross_weight: Quantity | None
    references: list[Reference] = []
    parties: list[Party] = []
    orders: list[ShipmentOrder] = []
    packs: list[ShipmentPack] = []
    lines: list[ShipmentLine] = []
