"""The return entity: goods a customer sends back, keyed by ``return_id``."""

from enum import StrEnum
from typing import ClassVar

from canonical._types import UtcDatetime
from canonical.common import CanonicalModel, ProductId, Quantity, Reference
from canonical.ownership import FieldOwnership, OwnedEntity


class ReturnStatus(StrEnum):
    """Lifecycle state of a return."""

    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REFUNDED = "refunded"
    CLOSED = "closed"


class ReturnDisposition(StrEnum):
    """The decision about returned goods after inspection."""

    RESTOCK = "restock"
    REFURBISH = "refurbish"
    RETURN_TO_VENDOR = "return_to_vendor"
    SCRAP = "scrap"


class ReturnLine(CanonicalModel):
    """One product returned, with its reason and, after inspection, its disposition."""

    line_number: str
    product_id: str | None
    product_ids: list[ProductId]
    quantity: Quantity
    reason_code: str | None
    disposition: ReturnDisposition | None


class Return(OwnedEntity):
    """A customer return (RMA).

    The order management system owns the authorization and the refund. The
    warehouse owns what it receives and inspects, including the lines'
    dispositions. Both may move the status.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("return_id",),
        default=("oms",),
        fields={
            "status": ("oms", "wms"),
            "received_at": ("wms",),
            "return_location_id": ("wms",),
            "lines": ("oms", "wms"),
        },
    )

    return_id: str
    """Canonical id, usually the return merchandise authorization (RMA) number."""
    status: ReturnStatus
    customer_id: str | None
    order_id: str | None
    """The customer order the goods were sold on."""
    return_location_id: str | None
    requested_at: UtcDatetime
    received_at: UtcDatetime | None
    lines: list[ReturnLine] = []
    references: list[Reference] = []
