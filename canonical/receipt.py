"""The receipt entity: goods received at a location, keyed by ``receipt_id``."""

from enum import StrEnum
from typing import ClassVar

from canonical._types import UtcDatetime
from canonical.common import CanonicalModel, ProductId, Quantity, Reference
from canonical.ownership import FieldOwnership, OwnedEntity


class ReceiptStatus(StrEnum):
    """Lifecycle state of a receipt."""

    EXPECTED = "expected"
    """Announced, for example by a ship notice, and not yet at the dock."""
    RECEIVING = "receiving"
    RECEIVED = "received"
    PUT_AWAY = "put_away"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ReceiptLine(CanonicalModel):
    """One product received, with the good and the damaged quantity."""

    line_number: str
    product_id: str | None
    product_ids: list[ProductId]
    lot_number: str | None
    sscc: str | None
    """Serial Shipping Container Code of the pallet or case the line arrived in."""
    quantity_received: Quantity
    quantity_damaged: Quantity | None


class Receipt(OwnedEntity):
    """A receipt of goods at a location, against a ship notice or a purchase order."""

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("receipt_id",),
        default=("wms",),
    )

    receipt_id: str
    status: ReceiptStatus
    location_id: str
    shipment_id: str | None
    """The canonical shipment the goods arrived with, when known."""
    purchase_order_id: str | None
    received_at: UtcDatetime | None
    lines: list[ReceiptLine] = []
    references: list[Reference] = []
