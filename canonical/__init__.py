"""The canonical contract: entity models, the event envelope and their Avro encoding.

This package imports no other scmflow package. Adapters, processors and
downstream consumers depend on it, never the other way round.
"""

from canonical.common import Party, ProductId, Quantity, Reference
from canonical.envelope import Envelope, Provenance
from canonical.events import (
    ENTITY_MODELS,
    EVENT_CLASSES,
    CanonicalEvent,
    CustomerOrderEvent,
    ExceptionReportEvent,
    InventoryMovementEvent,
    InventorySnapshotEvent,
    LocationEvent,
    ProductEvent,
    PurchaseOrderEvent,
    ReceiptEvent,
    ReturnEvent,
    ShipmentEvent,
    event_class,
)
from canonical.exception_event import (
    DelayDetails,
    ExceptionReport,
    ExceptionSeverity,
    ExceptionStatus,
    QuantityDiscrepancy,
)
from canonical.inventory import (
    InventoryMovement,
    InventorySnapshot,
    MovementStatus,
    MovementType,
    StockStatus,
)
from canonical.location import Location, LocationStatus
from canonical.orders import (
    CustomerOrder,
    CustomerOrderStatus,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from canonical.ownership import FieldOwnership, MergeResult, OwnershipError, merge_owned
from canonical.product import Product, ProductStatus
from canonical.receipt import Receipt, ReceiptLine, ReceiptStatus
from canonical.returns import Return, ReturnDisposition, ReturnLine, ReturnStatus
from canonical.shipment import (
    Shipment,
    ShipmentLine,
    ShipmentOrder,
    ShipmentPack,
    ShipmentStatus,
)

__all__ = [
    "ENTITY_MODELS",
    "EVENT_CLASSES",
    "CanonicalEvent",
    "CustomerOrder",
    "CustomerOrderEvent",
    "CustomerOrderStatus",
    "DelayDetails",
    "Envelope",
    "ExceptionReport",
    "ExceptionReportEvent",
    "ExceptionSeverity",
    "ExceptionStatus",
    "FieldOwnership",
    "InventoryMovement",
    "InventoryMovementEvent",
    "InventorySnapshot",
    "InventorySnapshotEvent",
    "Location",
    "LocationEvent",
    "LocationStatus",
    "MergeResult",
    "MovementStatus",
    "MovementType",
    "OrderLine",
    "OwnershipError",
    "Party",
    "Product",
    "ProductEvent",
    "ProductId",
    "ProductStatus",
    "Provenance",
    "PurchaseOrder",
    "PurchaseOrderEvent",
    "PurchaseOrderStatus",
    "Quantity",
    "QuantityDiscrepancy",
    "Receipt",
    "ReceiptEvent",
    "ReceiptLine",
    "ReceiptStatus",
    "Reference",
    "Return",
    "ReturnDisposition",
    "ReturnEvent",
    "ReturnLine",
    "ReturnStatus",
    "Shipment",
    "ShipmentEvent",
    "ShipmentLine",
    "ShipmentOrder",
    "ShipmentPack",
    "ShipmentStatus",
    "StockStatus",
    "event_class",
    "merge_owned",
]
