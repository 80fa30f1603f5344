"""The 945 warehouse shipping advice and the 944 warehouse receipt advice.

945: one set gives one ``shipment.notified`` event. The shipment id is W0604
(shipment identification number), or W0602 (depositor order number) with the
flag ``x12.shipment_id_from_order`` when W0604 is empty. The entity id is
``{ISA06}:{shipment id}``. ``shipped_at`` is G62 11 (shipped on this date) or
else W0603. W2701 is the transport method and W2702 the carrier SCAC. Lines
are LX loops with a W12 each, or bare W12 segments. W1203 is the shipped
quantity in the unit W1205, W1206 the case UPC and W1207/W1208 a product id.
The depositor order (W0602) becomes one shipment order with the purchase
order number W0606.

944: one set gives one ``receipt.received`` event and one
``exception-event.raised`` event per W13 exception. The receipt id is
``{ISA06}:{W1703}`` (warehouse receipt number). W1702 is the receipt date.
The location is N1 WH, else N1 ST, else the sender. Lines are LX loops with a
W07 each, or bare W07 segments: W0701/W0702 received quantity and unit,
W0703 case UPC, W0704/W0705, W0706/W0707 and W0710/W0711 product ids, W0708
the lot. A W13
after a line reports an exception for that line: W1301/W1302 the quantity and
W1303 the receiving condition: 01 damaged, 02 short, 03 over. Damaged
quantities are added up into the line's ``quantity_damaged``.
"""

from datetime import datetime

from adapters.x12 import Segment
from canonical.common import ProductId, Quantity, Reference
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.exception_event import (
    ExceptionReport,
    ExceptionSeverity,
    ExceptionStatus,
    QuantityDiscrepancy,
)
from canonical.receipt import Receipt, ReceiptLine, ReceiptStatus
from canonical.shipment import Shipment, ShipmentLine, ShipmentOrder, ShipmentStatus
from processors.normalize.record import RawRecord
from processors.normalize.x12.readers import (
    LineGroup,
    first,
    parties,
    party_id,
    product_id_pairs,
    qualified,
    references,
    split_lines,
)
from processors.normalize.x12.transaction import Tables, Transaction, model_errors, required

TRANSFORM_VERSION_945 = "x12-945@1"
TRANSFORM_VERSION_944 = "x12-944@1"
G62_SHIPPED = "11"
CASE_UPC_QUALIFIER = "UA"
SHIPMENT_ID_FROM_ORDER_FLAG = "x12.shipment_id_from_order"
ORDER_HL_ID = "order"
DAMAGED_CONDITION = "01"
# W1303 (element 412, receiving condition code) to the exception kind. Other
# conditions (04 quality problem, 05 incorrect product, ...) give the generic
# kind receipt.exception with the condition as reason code.
CONDITION_KINDS = {
    DAMAGED_CONDITION: "receipt.damaged",  # damaged product or container
    "02": "receipt.short_delivery",  # quantity short
    "03": "receipt.over_delivery",  # quantity over
}
GENERIC_EXCEPTION_KIND = "receipt.exception"


def normalize_945(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one 945 to a shipment event, following the module docstring."""
    tx = Transaction.open(record, "945", tables or Tables.load(), TRANSFORM_VERSION_945)
    w06 = tx.require("W06")
    reporting_code = required(w06, 1)
    order_number = required(w06, 2)
    shipment_id = w06.element(4).strip()
    if not shipment_id:
        shipment_id = order_number
        tx.flags.append(SHIPMENT_ID_FROM_ORDER_FLAG)

    header, groups = split_lines(tx.body(), "W12", stop_tags=("W03",))
    shipped = qualified(header, "G62", G62_SHIPPED)
    if shipped is not None:
        shipped_at, shipped_local = tx.date_time(
            shipped.element(2), shipped.element(4), "G62[11]02", shipped.element(5)
        )
    else:
        shipped_at, shipped_local = tx.date_time(w06.element(3), "", "W0603")
    occurred_at = tx.occurred_at(shipped_at)

    w27 = first(header, "W27")
    purchase_order = w06.element(6).strip() or None
    refs = [Reference(qualifier="DO", value=order_number), *references(header)]
    entity_id = f"{tx.context.sender}:{shipment_id}"

    with model_errors("shipment"):
        shipment = Shipment(
            shipment_id=shipment_id,
            status=ShipmentStatus.HANDED_OFF,
            purpose_code=reporting_code,
            structure_code=None,
            shipped_at=shipped_at,
            shipped_at_local=shipped_local,
            carrier_scac=(w27.element(2).strip() or None) if w27 else None,
            transport_method=(w27.element(1).strip() or None) if w27 else None,
            gross_weight=_total_weight(tx),
            references=refs,
            parties=parties(header),
            orders=[
                ShipmentOrder(
                    hl_id=ORDER_HL_ID,
                    parent_hl_id=None,
                    purchase_order_number=purchase_order,
                    purchase_order_date=None,
                )
            ],
            packs=[],
            lines=[_w12_line(tx, group) for group in groups],
        )
    event = tx.event(
        entity_type="shipment",
        event_type="shipment.notified",
        entity_id=entity_id,
        payload=shipment,
        occurred_at=occurred_at,
        occurred_at_source=shipped_local,
        business_key=[reporting_code, order_number, shipment_id],
    )
    return [event]


def _w12_line(tx: Transaction, group: LineGroup) -> ShipmentLine:
    w12 = first(group.segments, "W12")
    where = f"LX[{group.number}]"
    if w12 is None:
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            f"line {group.number} has an LX but no W12 segment",
            field_path=f"{where}.W12",
        )
    return ShipmentLine(
        hl_id=f"LX{group.number}",
        parent_hl_id=ORDER_HL_ID,
        order_hl_id=ORDER_HL_ID,
        pack_hl_id=None,
        line_number=group.number,
        product_ids=_with_case_upc(w12, 6, product_id_pairs(w12, (7,))),
        quantity_shipped=tx.quantity(w12, 3, 5, where),
    )


def _total_weight(tx: Transaction) -> Quantity | None:
    """Return W03 (total shipment information): W0302 weight in the unit W0303."""
    w03 = first(tx.segments, "W03")
    if w03 is None or not w03.element(2).strip():
        return None
    return tx.quantity(w03, 2, 3)


def _with_case_upc(segment: Segment, position: int, found: list[ProductId]) -> list[ProductId]:
    case_upc = segment.element(position).strip()
    if case_upc:
        return [ProductId(qualifier=CASE_UPC_QUALIFIER, value=case_upc), *found]
    return found


def normalize_944(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one 944 to a receipt event and its exception events, following the module docstring."""
    tx = Transaction.open(record, "944", tables or Tables.load(), TRANSFORM_VERSION_944)
    w17 = tx.require("W17")
    reporting_code = required(w17, 1)
    receipt_number = required(w17, 3)
    received_at, source = tx.date_time(w17.element(2), "", "W1702")
    occurred_at = tx.occurred_at(received_at)

    header, groups = split_lines(tx.body(), "W07", stop_tags=("W14",))
    receipt_id = f"{tx.context.sender}:{receipt_number}"
    lines: list[ReceiptLine] = []
    exceptions: list[tuple[ReceiptLine, Segment, Quantity]] = []
    for group in groups:
        line, found = _w07_line(tx, group)
        lines.append(line)
        exceptions += [(line, w13, quantity) for w13, quantity in found]

    depositor_order = w17.element(4).strip()
    shipment = w17.element(5).strip()
    refs = references(header)
    if depositor_order:
        refs.insert(0, Reference(qualifier="DO", value=depositor_order))
    with model_errors("receipt"):
        receipt = Receipt(
            receipt_id=receipt_id,
            status=ReceiptStatus.RECEIVED,
            location_id=party_id(header, "WH", "ST") or tx.context.sender,
            shipment_id=f"{tx.context.sender}:{shipment}" if shipment else None,
            purchase_order_id=None,
            received_at=received_at,
            lines=lines,
            references=refs,
        )

    business_key = [reporting_code, receipt_number]
    events = [
        tx.event(
            entity_type="receipt",
            event_type="receipt.received",
            entity_id=receipt_id,
            payload=receipt,
            occurred_at=occurred_at,
            occurred_at_source=source,
            business_key=business_key,
        )
    ]
    for index, (line, w13, quantity) in enumerate(exceptions, 1):
        report = _exception(receipt, line, w13, quantity, index, occurred_at)
        events.append(
            tx.event(
                entity_type="exception-event",
                event_type="exception-event.raised",
                entity_id=report.exception_id,
                payload=report,
                occurred_at=occurred_at,
                occurred_at_source=source,
                business_key=[*business_key, report.exception_id],
            )
        )
    return events


def _w07_line(
    tx: Transaction, group: LineGroup
) -> tuple[ReceiptLine, list[tuple[Segment, Quantity]]]:
    w07 = first(group.segments, "W07")
    where = f"LX[{group.number}]"
    if w07 is None:
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            f"line {group.number} has an LX but no W07 segment",
            field_path=f"{where}.W07",
        )
    received = tx.quantity(w07, 1, 2, where)
    found = [(w13, tx.quantity(w13, 1, 2, where)) for w13 in group.segments if w13.tag == "W13"]
    damaged = [quantity for w13, quantity in found if w13.element(3).strip() == DAMAGED_CONDITION]
    with model_errors("receipt line"):
        line = ReceiptLine(
            line_number=group.number,
            product_id=None,
            product_ids=_with_case_upc(w07, 3, product_id_pairs(w07, (4, 6, 10))),
            lot_number=w07.element(8).strip() or None,
            sscc=None,
            quantity_received=received,
            quantity_damaged=_sum(damaged),
        )
    return line, found


def _sum(quantities: list[Quantity]) -> Quantity | None:
    """Add up quantities of one unit; return None for none, and the first when units differ."""
    if not quantities:
        return None
    first_quantity = quantities[0]
    if any(item.unit != first_quantity.unit for item in quantities):
        return first_quantity
    total = sum((item.value for item in quantities), start=first_quantity.value * 0)
    return first_quantity.model_copy(
        update={"value": total, "source_value": " + ".join(i.source_value for i in quantities)}
    )


def _exception(
    receipt: Receipt,
    line: ReceiptLine,
    w13: Segment,
    quantity: Quantity,
    index: int,
    detected_at: datetime,
) -> ExceptionReport:
    condition = w13.element(3).strip()
    kind = CONDITION_KINDS.get(condition, GENERIC_EXCEPTION_KIND)
    reason = w13.element(5).strip() or condition or None
    line_refs = [Reference(qualifier="line", value=line.line_number)]
    line_refs += [
        Reference(qualifier=item.qualifier, value=item.value) for item in line.product_ids
    ]
    with model_errors("exception report"):
        return ExceptionReport(
            exception_id=f"{receipt.receipt_id}:{line.line_number}:{index}",
            status=ExceptionStatus.OPEN,
            severity=ExceptionSeverity.WARNING,
            kind=kind,
            subject_entity_type="receipt",
            subject_entity_id=receipt.receipt_id,
            detected_at=detected_at,
            description=(
                f"line {line.line_number}: {quantity.value} {quantity.unit} reported with "
                f"receiving condition {condition or 'none'}"
            ),
            details=QuantityDiscrepancy(expected=None, actual=quantity, reason_code=reason),
            resolution=None,
            resolved_at=None,
            references=line_refs,
        )
