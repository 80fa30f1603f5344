"""Order entities: customer orders (demand) and purchase orders (supply), with their lines."""

from enum import StrEnum
from typing import ClassVar

from canonical._types import UtcDatetime
from canonical.common import CanonicalModel, Party, ProductId, Quantity, Reference
from canonical.ownership import FieldOwnership, OwnedEntity


class OrderLine(CanonicalModel):
    """One product on an order with the quantity ordered."""

    line_number: str
    product_id: str | None
    """Canonical product id, when the line could be matched to the product master."""
    product_ids: list[ProductId]
    """The identifiers the source gave for the product."""
    quantity_ordered: Quantity
    requested_delivery_at: UtcDatetime | None


class CustomerOrderStatus(StrEnum):
    """Lifecycle state of a customer order."""

    RECEIVED = "received"
    CONFIRMED = "confirmed"
    ON_HOLD = "on_hold"
    ALLOCATED = "allocated"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class CustomerOrder(OwnedEntity):
    """An order from a customer, keyed by ``order_id``.

    The order management system owns the order; the TMS owns the carrier
    chosen for it.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("order_id",),
        default=("oms",),
        fields={"carrier_scac": ("tms",)},
    )

    order_id: str
    status: CustomerOrderStatus
    customer_id: str
    channel: str | None
    """The sales channel, such as ``web``, ``edi`` or ``store``."""
    ordered_at: UtcDatetime
    requested_delivery_at: UtcDatetime | None
    ship_from_location_id: str | None
    ship_to: Party | None
    carrier_scac: str | None
    lines: list[OrderLine] = []
    references: list[Reference] = []


class PurchaseOrderStatus(StrEnum):
    """Lifecycle state of a purchase order."""

    DRAFT = "draft"
    ISSUED = "issued"
    ACKNOWLEDGED = "acknowledged"
    """The supplier confirmed the order (X12 855 or EDIFACT ORDRSP)."""
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PurchaseOrder(OwnedEntity):
    """An order to a supplier, keyed by ``purchase_order_id``.

    The ERP owns the order; the supplier's acknowledgement, received over
    X12, owns the confirmed delivery time and the supplier's order number.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("purchase_order_id",),
        default=("erp",),
        fields={
            "confirmed_delivery_at": ("x12",),
            "supplier_order_number": ("x12",),
        },
    )

    purchase_order_id: str
    """Canonical id, such as ``{buyer}:{PO number}``."""
    purchase_order_number: str
    """The number printed on the order (X12 BEG03)."""
    status: PurchaseOrderStatus
    supplier_id: str
    ship_to_location_id: str | None
    ordered_at: UtcDatetime
    requested_delivery_at: UtcDatetime | None
    confirmed_delivery_at: UtcDatetime | None
    supplier_order_number: str | None
    lines: list[OrderLine] = []
    references: list[Reference] = []
