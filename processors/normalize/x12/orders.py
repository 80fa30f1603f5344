"""The 850 purchase order and the 940 warehouse shipping order mapped to order events.

850: the sender's ``order_direction`` in the ``x12`` section of
config/partners.yaml decides the entity. ``inbound`` (the default) means a
customer sent us the order, which gives a ``customer-order`` entity with the
event ``customer-order.received``. ``outbound`` means the 850 is one we issued
to a supplier, read back from our own EDI outbox, which gives a
``purchase-order`` entity with the event ``purchase-order.issued``. BEG01 01
(cancellation) gives ``.cancelled`` for both. The order id is
``{ISA06}:{BEG03}``. BEG05 is the order date. DTM 002 (delivery requested) is
the requested delivery, in the header and per PO1 line. PO102/PO103 are the
ordered quantity and unit, and PO106/PO107, PO108/PO109, ... the product ids.
CTT01 is checked against the number of PO1 lines, and a difference adds the
flag ``x12.ctt_line_count_mismatch``.

940: one set gives one ``customer-order`` with the event
``customer-order.received``, or ``.cancelled`` when W0501 is F. The order id
is ``{ISA06}:{W0502}`` (depositor order number). Lines are LX loops with a W01
each, or bare W01 segments. W0101/W0102 are the ordered quantity and unit,
W0103 the case UPC and W0104/W0105, W0106/W0107, W0115/W0116 further product
ids. G62 04 (order date) is the order date, G62 02 (delivery requested) the
requested delivery. The ship-to is N1 ST and the warehouse N1 WH.
"""

from adapters.x12 import Segment
from canonical.common import ProductId, Reference
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.orders import (
    CustomerOrder,
    CustomerOrderStatus,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from processors.normalize.record import RawRecord
from processors.normalize.x12.readers import (
    LineGroup,
    first,
    party,
    party_id,
    product_id_pairs,
    qualified,
    references,
    split_lines,
)
from processors.normalize.x12.transaction import Tables, Transaction, model_errors, required

TRANSFORM_VERSION_850 = "x12-850@1"
TRANSFORM_VERSION_940 = "x12-940@1"
PURPOSE_CANCELLATION = "01"
ORDER_STATUS_CANCEL = "F"
"""W0501 (element 473, order status code): F cancel. N original and R change are orders."""
DELIVERY_REQUESTED = "002"
G62_ORDER_DATE = "04"
G62_DELIVERY_REQUESTED = "02"
SCAC_QUALIFIER = "2"
ORDER_CHANNEL = "edi"
CTT_MISMATCH_FLAG = "x12.ctt_line_count_mismatch"
SUPPLIER_FROM_ENVELOPE_FLAG = "x12.supplier_from_envelope"
CASE_UPC_QUALIFIER = "UA"
"""Qualifier given to W0103 (U.P.C. case code), which has no qualifier element of its own."""


def normalize_850(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one 850 to a customer order or purchase order event, following the module docstring."""
    tx = Transaction.open(record, "850", tables or Tables.load(), TRANSFORM_VERSION_850)
    beg = tx.require("BEG")
    purpose = required(beg, 1)
    number = required(beg, 3)
    ordered_at, source = tx.date_time(beg.element(5), "", "BEG05")
    occurred_at = tx.occurred_at(ordered_at)
    header, groups = split_lines(tx.body(), "PO1", stop_tags=("CTT", "AMT"))
    requested = _dtm(tx, header, "")
    lines = [_po1_line(tx, group) for group in groups]
    _check_ctt(tx, len(lines))

    cancelled = purpose == PURPOSE_CANCELLATION
    order_id = f"{tx.context.sender}:{number}"
    if tx.profile.order_direction == "outbound":
        supplier = party_id(header, "SU", "SE", "VN")
        if supplier is None:
            supplier = tx.context.receiver
            tx.flags.append(SUPPLIER_FROM_ENVELOPE_FLAG)
        with model_errors("purchase order"):
            payload = PurchaseOrder(
                purchase_order_id=order_id,
                purchase_order_number=number,
                status=PurchaseOrderStatus.CANCELLED if cancelled else PurchaseOrderStatus.ISSUED,
                supplier_id=supplier,
                ship_to_location_id=party_id(header, "ST"),
                ordered_at=occurred_at,
                requested_delivery_at=requested,
                confirmed_delivery_at=None,
                supplier_order_number=None,
                lines=lines,
                references=references(header),
            )
        entity_type, verb = "purchase-order", "issued"
    else:
        with model_errors("customer order"):
            payload = CustomerOrder(
                order_id=order_id,
                status=(
                    CustomerOrderStatus.CANCELLED if cancelled else CustomerOrderStatus.RECEIVED
                ),
                customer_id=party_id(header, "BY") or tx.context.sender,
                channel=ORDER_CHANNEL,
                ordered_at=occurred_at,
                requested_delivery_at=requested,
                ship_from_location_id=party_id(header, "SF"),
                ship_to=party(header, "ST"),
                carrier_scac=_scac(header),
                lines=lines,
                references=references(header),
            )
        entity_type, verb = "customer-order", "received"
    event = tx.event(
        entity_type=entity_type,
        event_type=f"{entity_type}.{'cancelled' if cancelled else verb}",
        entity_id=order_id,
        payload=payload,
        occurred_at=occurred_at,
        occurred_at_source=source,
        business_key=[purpose, number],
    )
    return [event]


def _po1_line(tx: Transaction, group: LineGroup) -> OrderLine:
    po1 = first(group.segments, "PO1")
    if po1 is None:
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            f"line {group.number} has an LX but no PO1 segment",
            field_path=f"LX[{group.number}].PO1",
        )
    number = po1.element(1).strip() or group.number
    where = f"PO1[{number}]"
    with model_errors("order line"):
        return OrderLine(
            line_number=number,
            product_id=None,
            product_ids=product_id_pairs(po1, range(6, len(po1.elements) + 1, 2)),
            quantity_ordered=tx.quantity(po1, 2, 3, where),
            requested_delivery_at=_dtm(tx, group.segments, f"{where}."),
        )


def _dtm(tx: Transaction, segments, prefix: str):
    dtm = qualified(segments, "DTM", DELIVERY_REQUESTED)
    if dtm is None:
        return None
    instant, _ = tx.date_time(
        dtm.element(2), dtm.element(3), f"{prefix}DTM[{DELIVERY_REQUESTED}]02", dtm.element(4)
    )
    return instant


def _check_ctt(tx: Transaction, line_count: int) -> None:
    ctt = first(tx.segments, "CTT")
    if ctt is None:
        return
    declared = ctt.element(1).strip()
    if not declared.isdigit() or int(declared) != line_count:
        tx.flags.append(CTT_MISMATCH_FLAG)


def _scac(segments) -> str | None:
    for segment in segments:
        if segment.tag == "TD5" and segment.element(2).strip() == SCAC_QUALIFIER:
            return segment.element(3).strip() or None
    return None


def normalize_940(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one 940 to a customer order event, following the module docstring."""
    tx = Transaction.open(record, "940", tables or Tables.load(), TRANSFORM_VERSION_940)
    w05 = tx.require("W05")
    status_code = required(w05, 1)
    number = required(w05, 2)
    header, groups = split_lines(tx.body(), "W01", stop_tags=("W76",))

    order_date = qualified(header, "G62", G62_ORDER_DATE)
    ordered_at, source = (
        tx.date_time(order_date.element(2), order_date.element(4), "G62[04]02")
        if order_date is not None
        else (None, None)
    )
    occurred_at = tx.occurred_at(ordered_at)

    delivery = qualified(header, "G62", G62_DELIVERY_REQUESTED)
    requested, _ = (
        tx.date_time(delivery.element(2), delivery.element(4), "G62[02]02")
        if delivery is not None
        else (None, None)
    )
    cancelled = status_code == ORDER_STATUS_CANCEL
    order_id = f"{tx.context.sender}:{number}"

    with model_errors("customer order"):
        order = CustomerOrder(
            order_id=order_id,
            status=CustomerOrderStatus.CANCELLED if cancelled else CustomerOrderStatus.RECEIVED,
            customer_id=party_id(header, "BY", "ST") or tx.context.sender,
            channel=ORDER_CHANNEL,
            ordered_at=occurred_at,
            requested_delivery_at=requested,
            ship_from_location_id=party_id(header, "WH", "SF"),
            ship_to=party(header, "ST"),
            carrier_scac=None,
            lines=[_w01_line(tx, group) for group in groups],
            references=_w05_references(w05) + references(header),
        )
    event = tx.event(
        entity_type="customer-order",
        event_type=f"customer-order.{'cancelled' if cancelled else 'received'}",
        entity_id=order_id,
        payload=order,
        occurred_at=occurred_at,
        occurred_at_source=source,
        business_key=[status_code, number],
    )
    return [event]


def _w01_line(tx: Transaction, group: LineGroup) -> OrderLine:
    w01 = first(group.segments, "W01")
    where = f"LX[{group.number}]"
    if w01 is None:
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            f"line {group.number} has an LX but no W01 segment",
            field_path=f"{where}.W01",
        )
    product_ids = product_id_pairs(w01, (4, 6, 15))
    case_upc = w01.element(3).strip()
    if case_upc:
        product_ids.insert(0, ProductId(qualifier=CASE_UPC_QUALIFIER, value=case_upc))
    with model_errors("order line"):
        return OrderLine(
            line_number=group.number,
            product_id=None,
            product_ids=product_ids,
            quantity_ordered=tx.quantity(w01, 1, 2, where),
            requested_delivery_at=None,
        )


def _w05_references(w05: Segment) -> list[Reference]:
    purchase_order = w05.element(3).strip()
    return [Reference(qualifier="PO", value=purchase_order)] if purchase_order else []
