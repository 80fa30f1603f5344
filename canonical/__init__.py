"""The canonical contract: entity models, the event envelope and their Avro encoding.

This package imports no other scmflow package. Adapters, processors and
downstream consumers depend on it, never the other way round.
"""

from canonical.envelope import CanonicalEvent, Envelope, Provenance
from canonical.shipment import (
    Party,
    ProductId,
    Quantity,
    Reference,
    Shipment,
    ShipmentLine,
    ShipmentOrder,
    ShipmentPack,
    ShipmentStatus,
)

__all__ = [
    "CanonicalEvent",
    "Envelope",
    "Party",
    "ProductId",
    "Provenance",
    "Quantity",
    "Reference",
    "Shipment",
    "ShipmentLine",
    "ShipmentOrder",
    "ShipmentPack",
    "ShipmentStatus",
]
