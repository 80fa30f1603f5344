"""The product master entity: one sellable or stocked item, keyed by ``product_id``."""

from enum import StrEnum
from typing import ClassVar

from canonical.common import ProductId, Quantity
from canonical.ownership import FieldOwnership, OwnedEntity


class ProductStatus(StrEnum):
    """Lifecycle state of a product."""

    DRAFT = "draft"
    ACTIVE = "active"
    PHASING_OUT = "phasing_out"
    """Still sold and stocked, but not reordered."""
    DISCONTINUED = "discontinued"
    BLOCKED = "blocked"
    """Not to be sold, shipped or received, for example after a recall."""


class Product(OwnedEntity):
    """A product master record.

    The ERP owns the logistics data (status, units, weights, origin); the PIM
    owns the descriptive data and the GTIN it assigns.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("product_id",),
        default=("erp",),
        fields={
            "gtin": ("pim",),
            "description": ("pim",),
            "brand": ("pim",),
            "category": ("pim",),
        },
    )

    product_id: str
    """Canonical product id, unique across sources, such as ``ACME:SKU-1001``."""
    status: ProductStatus
    sku: str
    """The owning company's stock-keeping unit."""
    gtin: str | None
    """GS1 Global Trade Item Number, 8, 12, 13 or 14 digits."""
    identifiers: list[ProductId] = []
    """Other identifiers, such as vendor part numbers (X12 qualifier VP)."""
    description: str
    brand: str | None
    category: str | None
    base_unit: str
    """UN/ECE Recommendation 20 code of the unit stock is counted in, such as C62."""
    net_weight: Quantity | None
    gross_weight: Quantity | None
    hazmat_class: str | None
    """UN hazard class, such as 3 for flammable liquids; None when not dangerous goods."""
    country_of_origin: str | None
    """ISO 3166-1 alpha-2 country code."""
