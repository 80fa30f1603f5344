"""The ORDERS purchase order message mapped to a purchase order or a customer order.

Which one depends on the sender's ``order_direction`` in config/partners.yaml:
``purchase`` (the default) gives a ``purchase-order`` entity, ``customer`` a
``customer-order``. One message gives one event, ``purchase-order.issued`` or
``customer-order.received``, or ``.cancelled`` for both when BGM03 is 1.

The order id is ``{buyer}:{BGM document number}``, the buyer being the
``NAD+BY`` party id or else the UNB sender. The supplier is ``NAD+SU``, or else
the UNB recipient with the flag ``edifact.supplier_from_envelope``. Each line's
quantity is ``QTY+21`` (ordered quantity); a line without one is rejected.
``ordered_at`` is the document date (DTM 137) or, failing that, the order date
(DTM 4). Requested delivery is DTM 2 (delivery date requested) or 64 (earliest
delivery).
"""

from datetime import datetime

from adapters.edifact import Segment
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.orders import (
    CustomerOrder,
    CustomerOrderStatus,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from processors.normalize.edifact.message import (
    OCCURRED_AT_MISSING_FLAG,
    Message,
    Tables,
    model_errors,
)
from processors.normalize.edifact.readers import (
    first,
    groups,
    header_segments,
    parties,
    party_id,
    product_ids,
    references,
)
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "edifact-orders@1"
ORDERED_QUANTITY = "21"
ORDER_DATE_QUALIFIERS = ("137", "4")
REQUESTED_DELIVERY_QUALIFIERS = ("2", "64")
SUPPLIER_FROM_ENVELOPE_FLAG = "edifact.supplier_from_envelope"
ORDER_CHANNEL = "edi"


def normalize_orders(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one ORDERS message to a purchase order or customer order event.

    ``tables`` default to the files under config/. Raises RecordError for
    every defect of the input.
    """
    message = Message.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    body = message.body()
    header = header_segments(body, ("LIN",))
    number = message.document_number()
    ordered_at, ordered_source = message.date(header, ORDER_DATE_QUALIFIERS, "")
    if ordered_at is None:
        message.flags.append(OCCURRED_AT_MISSING_FLAG)
        ordered_at = message.context.ingested_at
    requested_at, _ = message.date(header, REQUESTED_DELIVERY_QUALIFIERS, "")
    buyer = party_id(header, "BY") or message.context.sender
    order_id = f"{buyer}:{number}"
    lines = [_line(message, group, ordinal) for ordinal, group in enumerate(groups(body, "LIN"), 1)]
    cancelled = message.is_cancellation()

    if message.profile.order_direction == "customer":
        with model_errors("customer order"):
            ship_to = next((party for party in parties(header) if party.role in ("DP", "ST")), None)
            payload = CustomerOrder(
                order_id=order_id,
                status=CustomerOrderStatus.CANCELLED if cancelled else CustomerOrderStatus.RECEIVED,
                customer_id=buyer,
                channel=ORDER_CHANNEL,
                ordered_at=ordered_at,
                requested_delivery_at=requested_at,
                ship_from_location_id=party_id(header, "SF"),
                ship_to=ship_to,
                carrier_scac=None,
                lines=lines,
                references=references(header),
            )
        entity_type, verb = "customer-order", "received"
    else:
        supplier = _supplier(message, header)
        with model_errors("purchase order"):
            payload = PurchaseOrder(
                purchase_order_id=order_id,
                purchase_order_number=number,
                status=PurchaseOrderStatus.CANCELLED if cancelled else PurchaseOrderStatus.ISSUED,
                supplier_id=supplier,
                ship_to_location_id=party_id(header, "DP", "ST"),
                ordered_at=ordered_at,
                requested_delivery_at=requested_at,
                confirmed_delivery_at=None,
                supplier_order_number=None,
                lines=lines,
                references=references(header),
            )
        entity_type, verb = "purchase-order", "issued"
    event = message.event(
        entity_type=entity_type,
        event_type=f"{entity_type}.{'cancelled' if cancelled else verb}",
        entity_id=order_id,
        payload=payload,
        occurred_at=ordered_at,
        occurred_at_source=ordered_source,
    )
    return [event]


def _supplier(message: Message, header: list[Segment]) -> str:
    supplier = party_id(header, "SU")
    if supplier:
        return supplier
    if message.context.recipient:
        message.flags.append(SUPPLIER_FROM_ENVELOPE_FLAG)
        return message.context.recipient
    raise RecordError(
        ErrorCode.EDIFACT_SEGMENT_MISSING,
        "the order names no supplier: expected NAD+SU with a party id, or a UNB recipient",
        field_path="NAD[SU]",
    )


def _line(message: Message, group: list[Segment], ordinal: int) -> OrderLine:
    lin = group[0]
    line_number = lin.component(1) or str(ordinal)
    path = f"LIN[{line_number}]."
    ordered = first(group, "QTY", ORDERED_QUANTITY)
    if ordered is None:
        found = ", ".join(item.component(1) for item in group if item.tag == "QTY") or "none"
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            f"line {line_number} has no ordered quantity (QTY+21); QTY qualifiers found: {found}",
            field_path=f"{path}QTY[21]",
        )
    requested: datetime | None
    requested, _ = message.date(group, REQUESTED_DELIVERY_QUALIFIERS, path)
    with model_errors("order line"):
        return OrderLine(
            line_number=line_number,
            product_id=None,
            product_ids=product_ids(group),
            quantity_ordered=message.quantity(ordered, path),
            requested_delivery_at=requested,
        )
