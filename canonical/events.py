"""Canonical events: an envelope and one entity, with one event class per entity type.

``CanonicalEvent`` accepts any entity and checks that the payload's class
matches ``envelope.entity_type``. Each entity type also has its own subclass,
such as ``ShipmentEvent``, whose payload is typed; ``canonical.avro.decode``
returns that subclass. Events compare by envelope and payload, so a
``CanonicalEvent`` built for a shipment equals the ``ShipmentEvent`` decoded
from its bytes.
"""

from typing import Any, ClassVar, Self

from pydantic import model_validator

from canonical.common import CanonicalModel
from canonical.envelope import Envelope
from canonical.exception_event import ExceptionReport
from canonical.inventory import InventoryMovement, InventorySnapshot
from canonical.location import Location
from canonical.orders import CustomerOrder, PurchaseOrder
from canonical.ownership import OwnedEntity
from canonical.product import Product
from canonical.receipt import Receipt
from canonical.returns import Return
from canonical.shipment import Shipment

ENTITY_MODELS: dict[str, type[OwnedEntity]] = {
    "product": Product,
    "location": Location,
    "inventory-snapshot": InventorySnapshot,
    "inventory-movement": InventoryMovement,
    "customer-order": CustomerOrder,
    "purchase-order": PurchaseOrder,
    "shipment": Shipment,
    "receipt": Receipt,
    "return": Return,
    "exception-event": ExceptionReport,
}
"""Entity type (the envelope's ``entity_type`` and the schema subject) to payload model."""

AnyEntity = (
    Product
    | Location
    | InventorySnapshot
    | InventoryMovement
    | CustomerOrder
    | PurchaseOrder
    | Shipment
    | Receipt
    | Return
    | ExceptionReport
)


def _entity_type_of(envelope: Any) -> str | None:
    if isinstance(envelope, Envelope):
        return envelope.entity_type
    if isinstance(envelope, dict):
        value = envelope.get("entity_type")
        return value if isinstance(value, str) else None
    return None


class CanonicalEvent(CanonicalModel):
    """An envelope with its entity. The payload's class follows ``envelope.entity_type``."""

    envelope: Envelope
    payload: AnyEntity

    @model_validator(mode="before")
    @classmethod
    def _payload_model_from_entity_type(cls, data: Any) -> Any:
        # A payload given as a dict is validated as the entity type's model, so that
        # two entities with similar fields cannot be confused.
        if not isinstance(data, dict) or not isinstance(data.get("payload"), dict):
            return data
        model = ENTITY_MODELS.get(_entity_type_of(data.get("envelope")) or "")
        if model is None:
            return data
        return {**data, "payload": model.model_validate(data["payload"])}

    @model_validator(mode="after")
    def _payload_matches_entity_type(self) -> Self:
        entity_type = self.envelope.entity_type
        model = ENTITY_MODELS.get(entity_type)
        if model is None:
            raise ValueError(
                f"unknown envelope.entity_type {entity_type!r}; "
                f"expected one of: {', '.join(ENTITY_MODELS)}"
            )
        if type(self.payload) is not model:
            raise ValueError(
                f"payload is {type(self.payload).__name__}, but envelope.entity_type "
                f"{entity_type!r} needs {model.__name__}"
            )
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CanonicalEvent):
            return NotImplemented
        return self.envelope == other.envelope and self.payload == other.payload

    def __hash__(self) -> int:
        return hash(self.envelope.event_id)


class ProductEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "product"
    payload: Product


class LocationEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "location"
    payload: Location


class InventorySnapshotEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "inventory-snapshot"
    payload: InventorySnapshot


class InventoryMovementEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "inventory-movement"
    payload: InventoryMovement


class CustomerOrderEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "customer-order"
    payload: CustomerOrder


class PurchaseOrderEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "purchase-order"
    payload: PurchaseOrder


class ShipmentEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "shipment"
    payload: Shipment


class ReceiptEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "receipt"
    payload: Receipt


class ReturnEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "return"
    payload: Return


class ExceptionReportEvent(CanonicalEvent):
    entity_type: ClassVar[str] = "exception-event"
    payload: ExceptionReport


EVENT_CLASSES: dict[str, type[CanonicalEvent]] = {
    cls.entity_type: cls
    for cls in (
        ProductEvent,
        LocationEvent,
        InventorySnapshotEvent,
        InventoryMovementEvent,
        CustomerOrderEvent,
        PurchaseOrderEvent,
        ShipmentEvent,
        ReceiptEvent,
        ReturnEvent,
        ExceptionReportEvent,
    )
}
"""Entity type to its typed event class."""


def event_class(entity_type: str) -> type[CanonicalEvent]:
    """Return the typed event class of an entity type; raise KeyError for an unknown one."""
    try:
        return EVENT_CLASSES[entity_type]
    except KeyError:
        raise KeyError(
            f"unknown entity type {entity_type!r}; expected one of: {', '.join(EVENT_CLASSES)}"
        ) from None
