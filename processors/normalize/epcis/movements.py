"""Object, transaction and transformation events mapped to inventory movements and receipts.

- Object and transaction events give one inventory movement per product.
  Serialised EPCs (SGTIN) are counted per GTIN in unit C62, other instance ids
  (SSCC, GRAI, ...) count 1 each, and each quantity element keeps its quantity
  and Rec 20 unit. The movement type comes from the bizStep through
  config/mappings/epcis-bizstep.yaml. bizSteps listed as receipt steps
  (receiving, accepting) also give a receipt at the bizLocation or readPoint.
- Transformation events give an ``issue`` movement per input and a
  ``receipt`` movement per output, reason ``transformation``.
- An error declaration re-emits the same entities with status reversed
  (movements) or cancelled (receipts).
"""

from pydantic import ValidationError

from adapters.epcis import Identifier, QuantityElement, digital_link_parts
from canonical.common import ProductId
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.inventory import InventoryMovement, MovementStatus, MovementType
from canonical.receipt import Receipt, ReceiptLine, ReceiptStatus
from processors.normalize.epcis.context import EventContext, invalid_model
from processors.normalize.epcis.values import (
    count_quantity,
    event_location,
    product_groups,
    references,
    typed_location,
)

TRANSFORMATION_REASON = "transformation"


def _movements(
    context: EventContext,
    movement_type: MovementType,
    epcs: list[Identifier],
    quantities: list[QuantityElement],
    start: int,
    reason: str | None,
) -> list[CanonicalEvent]:
    event = context.event
    location = event_location(event)
    outbound = movement_type in (MovementType.ISSUE, MovementType.SCRAP)
    results = []
    for number, (product, lot, quantity) in enumerate(
        product_groups(context, epcs, quantities), start
    ):
        movement_id = f"epcis:{context.key}:{number}"
        try:
            movement = InventoryMovement(
                movement_id=movement_id,
                movement_type=movement_type,
                status=MovementStatus.REVERSED if context.correction else MovementStatus.POSTED,
                product_id=product,
                lot_number=lot,
                quantity=quantity,
                from_location_id=location if outbound else typed_location(event, "sourceList"),
                to_location_id=typed_location(event, "destinationList") if outbound else location,
                from_stock_status=None,
                to_stock_status=None,
                reason_code=reason or event.biz_step,
                moved_at=event.event_time,
                references=references(event),
            )
        except ValidationError as exc:
            raise invalid_model("inventory-movement", exc) from exc
        results.append(context.wrap("inventory-movement", "posted", movement_id, movement))
    return results


def object_entities(context: EventContext) -> list[CanonicalEvent]:
    """Map an object or transaction event to movements and, for receiving steps, a receipt."""
    event = context.event
    movement_type = context.table.movement_type(
        event.biz_step, event.action, f"eventList[{event.index}].bizStep"
    )
    epcs, quantities = event.epcs("epcList"), event.quantities("quantityList")
    results = _movements(context, movement_type, epcs, quantities, 1, None)
    if event.biz_step in context.table.receipt_bizsteps:
        results.append(_receipt(context, epcs, quantities))
    return results


def transformation_entities(context: EventContext) -> list[CanonicalEvent]:
    event = context.event
    inputs = _movements(
        context,
        MovementType.ISSUE,
        event.epcs("inputEPCList"),
        event.quantities("inputQuantityList"),
        1,
        TRANSFORMATION_REASON,
    )
    outputs = _movements(
        context,
        MovementType.RECEIPT,
        event.epcs("outputEPCList"),
        event.quantities("outputQuantityList"),
        len(inputs) + 1,
        TRANSFORMATION_REASON,
    )
    return inputs + outputs


def _receipt(
    context: EventContext, epcs: list[Identifier], quantities: list[QuantityElement]
) -> CanonicalEvent:
    event = context.event
    location = event_location(event)
    if location is None:
        raise RecordError(
            ErrorCode.EPCIS_EVENT_INVALID,
            "a receiving event names no bizLocation or readPoint, so the receipt has no location",
            field_path=f"eventList[{event.index}].bizLocation",
        )
    lines = []
    for number, (product, lot, quantity) in enumerate(
        product_groups(context, [e for e in epcs if "/00/" not in e.value], quantities), 1
    ):
        lines.append(
            ReceiptLine(
                line_number=str(number),
                product_id=product,
                product_ids=[ProductId(qualifier="GS1", value=product)],
                lot_number=lot,
                sscc=None,
                quantity_received=quantity,
                quantity_damaged=None,
            )
        )
    for number, epc in enumerate((e for e in epcs if "/00/" in e.value), len(lines) + 1):
        lines.append(
            ReceiptLine(
                line_number=str(number),
                product_id=None,
                product_ids=[],
                lot_number=None,
                sscc=digital_link_parts(epc.value)["00"],
                quantity_received=count_quantity(1),
                quantity_damaged=None,
            )
        )
    transactions = {entry.type: entry.value for entry in event.typed("bizTransactionList")}
    receipt_id = f"epcis:{context.key}"
    try:
        receipt = Receipt(
            receipt_id=receipt_id,
            status=ReceiptStatus.CANCELLED if context.correction else ReceiptStatus.RECEIVED,
            location_id=location,
            shipment_id=transactions.get("desadv"),
            purchase_order_id=transactions.get("po"),
            received_at=event.event_time,
            lines=lines,
            references=references(event),
        )
    except ValidationError as exc:
        raise invalid_model("receipt", exc) from exc
    return context.wrap("receipt", "received", receipt_id, receipt)
