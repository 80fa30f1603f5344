"""Inventory entities: the stock level of one product at one location, and stock movements.

An inventory snapshot keeps on-hand, reserved and available quantities as
three separate values, each as the source reported it. Available is not
computed from the other two, because sources subtract different things
(reservations, blocked stock, safety stock) and the difference matters to
consumers that reconcile them.
"""

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import model_validator

from canonical._types import UtcDatetime
from canonical.common import Quantity, Reference
from canonical.ownership import FieldOwnership, OwnedEntity


class StockStatus(StrEnum):
    """State of a quantity of stock: where it is in its lifecycle and whether it may be used."""

    IN_TRANSIT = "in_transit"
    QUALITY_INSPECTION = "quality_inspection"
    UNRESTRICTED = "unrestricted"
    BLOCKED = "blocked"
    DAMAGED = "damaged"


class InventorySnapshot(OwnedEntity):
    """The stock of one product, lot and stock status at one location at a point in time.

    The entity id combines location, product, lot and status, so each
    combination is its own ordered stream of snapshots.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("location_id", "product_id", "lot_number", "stock_status"),
        default=("wms",),
    )

    location_id: str
    product_id: str
    lot_number: str | None
    stock_status: StockStatus
    as_of: UtcDatetime
    """The time the source counted or computed the quantities."""
    on_hand: Quantity
    """Physically present."""
    reserved: Quantity
    """Allocated to orders and not yet picked."""
    available: Quantity
    """Free to promise, as the source computed it."""

    @model_validator(mode="after")
    def _same_unit(self) -> Self:
        units = {self.on_hand.unit, self.reserved.unit, self.available.unit}
        if len(units) > 1:
            raise ValueError(
                f"on_hand, reserved and available must use one unit, got {sorted(units)}"
            )
        return self


class MovementType(StrEnum):
    """The kind of a stock movement."""

    RECEIPT = "receipt"
    ISSUE = "issue"
    TRANSFER = "transfer"
    STATUS_CHANGE = "status_change"
    """The stock stays in place and moves between stock statuses, such as inspection to free."""
    ADJUSTMENT = "adjustment"
    SCRAP = "scrap"


class MovementStatus(StrEnum):
    """Lifecycle state of a stock movement."""

    POSTED = "posted"
    REVERSED = "reversed"
    """Cancelled by a counter-posting; the quantities no longer count."""


class InventoryMovement(OwnedEntity):
    """One posting that changes stock: a quantity of a product moved, received or issued."""

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("movement_id",),
        default=("wms",),
    )

    movement_id: str
    movement_type: MovementType
    status: MovementStatus
    product_id: str
    lot_number: str | None
    quantity: Quantity
    """The quantity moved, always positive; ``movement_type`` gives the direction."""
    from_location_id: str | None
    to_location_id: str | None
    from_stock_status: StockStatus | None
    to_stock_status: StockStatus | None
    reason_code: str | None
    """The source's reason code, such as a cycle-count or scrap reason."""
    moved_at: UtcDatetime
    references: list[Reference] = []
    """Documents the movement belongs to, such as a purchase order or a ship notice."""
