"""The shipment entity: one ship notice with its orders, packs and lines.

The hierarchy of a ship notice differs between partners (shipment-order-pack-item
or shipment-order-item-pack), so packs and lines are flat lists that point to
their parents by hierarchy id instead of nesting. Every ordering of levels fits.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from canonical._types import QuantityValue, UtcDatetime


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


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Quantity(_Model):
    """A quantity in a canonical unit, with the value and unit the source wrote."""

    value: QuantityValue
    unit: str
    """UN/ECE Recommendation 20 unit code, such as C62, KGM or LBR."""
    source_value: str
    source_unit: str
    conversion_rule: str
    """The mapping that turned the source unit into ``unit``, such as ``x12-units:EA``."""


class Reference(_Model):
    """A qualified reference number, such as a bill of lading (X12 REF qualifier BM)."""

    qualifier: str
    value: str


class ProductId(_Model):
    """A product identifier with its qualifier, such as UP (UPC) or VP (vendor part)."""

    qualifier: str
    value: str


class Party(_Model):
    """A party named on the document, such as ship-from (SF) or ship-to (ST)."""

    role: str
    name: str | None = None
    id_qualifier: str | None = None
    id: str | None = None
    address_lines: list[str] = []
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class ShipmentOrder(_Model):
    """An order level of the ship notice hierarchy."""

    hl_id: str
    parent_hl_id: str | None
    purchase_order_number: str | None
    purchase_order_date: str | None
    """The order date as the source wrote it (CCYYMMDD for X12)."""


class ShipmentPack(_Model):
    """A pack or tare level, identified by its SSCC when the source gives one."""

    hl_id: str
    parent_hl_id: str | None
    level_code: str
    """The source's level code: P for pack, T for tare."""
    sscc: str | None
    marks: list[Reference] = []


class ShipmentLine(_Model):
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


class Shipment(_Model):
    """A ship notice as one canonical entity, keyed by ``shipment_id``."""

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
