"""ORDERS01 and ORDERS05 IDocs mapped to one purchase order event.

The order id is ``{SNDPRN}:{BELNR}``, BELNR being E1EDK01 BELNR or else the
E1EDK02 BELNR with QUALF 001 (the adapter's business number). The supplier
is the E1EDKA1 partner with PARVW LF (vendor); without one it is the
receiving partner RCVPRN, flagged ``idoc.supplier_from_control``. The ship-to
location is the E1EDKA1 partner WE. ``ordered_at`` is E1EDK03 IDDAT 012
(document date) or 011, else the control record's creation time; the
requested delivery is E1EDK03 IDDAT 002, and per line the first E1EDP20
schedule line date. Each E1EDP01 item gives a line with MENGE in MENEE; the
product ids come from its E1EDP19 children. E1EDK01 ACTION 003 (delete)
gives ``purchase-order.cancelled``.
"""

from adapters.idoc import Node, read_field
from canonical.common import ProductId, Reference
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.orders import OrderLine, PurchaseOrder, PurchaseOrderStatus
from processors.normalize.idoc.context import Idoc, Tables, model_errors
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "idoc-orders@1"
ACTION_DELETE = "003"
ORDER_DATE_QUALIFIERS = ("012", "011")
REQUESTED_DELIVERY_QUALIFIER = "002"
SUPPLIER_FROM_CONTROL_FLAG = "idoc.supplier_from_control"
PRODUCT_QUALIFIERS = {"001": "BP", "002": "VP", "003": "EN"}
"""E1EDP19 QUALF to product id qualifier: buyer's material, vendor's material, EAN."""


def normalize_orders(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one ORDERS IDoc to a purchase order event; raise RecordError for every defect."""
    idoc = Idoc.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    header = idoc.required("E1EDK01")
    number = idoc.business_number
    dates = {read_field(node.record, "IDDAT"): node for node in idoc.tree.find("E1EDK03")}
    ordered_at, ordered_source = None, None
    for qualifier in ORDER_DATE_QUALIFIERS:
        if qualifier in dates:
            ordered_at, ordered_source = idoc.datetime_of(dates[qualifier], "DATUM", "UZEIT")
            break
    ordered_at, ordered_source = idoc.occurred_at(ordered_at, ordered_source)
    requested_at = None
    if REQUESTED_DELIVERY_QUALIFIER in dates:
        requested_at, _ = idoc.datetime_of(dates[REQUESTED_DELIVERY_QUALIFIER], "DATUM", "UZEIT")

    partners = {read_field(node.record, "PARVW"): node for node in idoc.tree.find("E1EDKA1")}
    supplier = _partner_id(partners.get("LF"))
    if not supplier:
        supplier = idoc.receiver
        if not supplier:
            raise RecordError(
                ErrorCode.IDOC_SEGMENT_MISSING,
                "the order names no supplier: expected E1EDKA1 with PARVW LF, or a RCVPRN",
                field_path="E1EDKA1[LF]",
            )
        idoc.flags.append(SUPPLIER_FROM_CONTROL_FLAG)

    lines = [_line(idoc, node) for node in idoc.tree.find("E1EDP01")]
    cancelled = read_field(header.record, "ACTION") == ACTION_DELETE
    order_id = f"{idoc.sender}:{number}"
    references = [
        Reference(qualifier=f"E1EDK02:{read_field(node.record, 'QUALF')}", value=value)
        for node in idoc.tree.find("E1EDK02")
        if (value := read_field(node.record, "BELNR"))
    ]
    with model_errors("purchase order"):
        payload = PurchaseOrder(
            purchase_order_id=order_id,
            purchase_order_number=number,
            status=PurchaseOrderStatus.CANCELLED if cancelled else PurchaseOrderStatus.ISSUED,
            supplier_id=supplier,
            ship_to_location_id=_partner_id(partners.get("WE")) or None,
            ordered_at=ordered_at,
            requested_delivery_at=requested_at,
            confirmed_delivery_at=None,
            supplier_order_number=None,
            lines=lines,
            references=references,
        )
    event = idoc.event(
        entity_type="purchase-order",
        event_type="purchase-order.cancelled" if cancelled else "purchase-order.issued",
        entity_id=order_id,
        payload=payload,
        occurred_at=ordered_at,
        occurred_at_source=ordered_source,
    )
    return [event]


def _partner_id(node: Node | None) -> str:
    if node is None:
        return ""
    return read_field(node.record, "PARTN") or read_field(node.record, "LIFNR")


def _line(idoc: Idoc, node: Node) -> OrderLine:
    line_number = read_field(node.record, "POSEX") or str(node.record.number)
    product_ids = []
    for child in node.children_named("E1EDP19"):
        qualifier = read_field(child.record, "QUALF")
        value = read_field(child.record, "IDTNR")
        if value:
            product_ids.append(
                ProductId(
                    qualifier=PRODUCT_QUALIFIERS.get(qualifier, f"E1EDP19:{qualifier}"), value=value
                )
            )
    requested = None
    schedule = node.child("E1EDP20")
    if schedule is not None:
        requested, _ = idoc.datetime_of(schedule, "EDATU", "EZEIT")
    with model_errors("order line"):
        return OrderLine(
            line_number=line_number,
            product_id=None,
            product_ids=product_ids,
            quantity_ordered=idoc.quantity(node, "MENGE", "MENEE"),
            requested_delivery_at=requested,
        )
