"""DELVRY03 and DELVRY05 IDocs (outbound deliveries) mapped to one shipment event.

The shipment id is E1EDL20 VBELN and the entity id ``{SNDPRN}:{VBELN}``. Each
E1EDL24 item gives a line (LFIMG in VRKME, MATNR as vendor part VP, KDMAT as
buyer part BP). Each handling unit E1EDL37 gives a pack, with EXIDV as its
SSCC when it has 18 digits (20 digits with the application identifier 00 are
shortened to 18); a handling unit nested in another points to it as parent.
An E1EDL44 under a handling unit packs the delivery item with its POSNR, so
that line's ``pack_hl_id`` is the handling unit. Purchase order numbers from
E1EDL41 (QUALI 001) become the orders. Hierarchy ids are segment numbers.

``shipped_at`` is E1EDT13 QUALF 006 (goods issue): the actual date ISDD/ISDZ,
else the planned NTANF/NTANZ. ``occurred_at`` is the goods issue time, else
the IDoc's creation time. E1EDL18 QUALF DEL gives ``shipment.cancelled``.
"""

from adapters.idoc import Node, read_field
from canonical.common import Party, ProductId, Reference
from canonical.events import CanonicalEvent
from canonical.shipment import (
    Shipment,
    ShipmentLine,
    ShipmentOrder,
    ShipmentPack,
    ShipmentStatus,
)
from processors.normalize.idoc.context import Idoc, Tables, model_errors
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "idoc-delvry@1"
GOODS_ISSUE_QUALIFIER = "006"
PURCHASE_ORDER_QUALIFIER = "001"
FUNCTION_DELETE = "DEL"
FUNCTION_ORIGINAL = "ORI"
HANDLING_UNIT_LEVEL = "HU"
SSCC_LENGTH = 18


def normalize_delvry(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one DELVRY IDoc to a shipment event; raise RecordError for every defect."""
    idoc = Idoc.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    delivery = idoc.required("E1EDL20")
    shipment_id = idoc.business_number
    function = FUNCTION_ORIGINAL
    control = delivery.child("E1EDL18")
    if control is not None:
        function = read_field(control.record, "QUALF") or FUNCTION_ORIGINAL

    shipped_at, shipped_source = None, None
    for node in idoc.tree.find("E1EDT13"):
        if read_field(node.record, "QUALF") == GOODS_ISSUE_QUALIFIER:
            shipped_at, shipped_source = idoc.datetime_of(node, "ISDD", "ISDZ")
            if shipped_at is None:
                shipped_at, shipped_source = idoc.datetime_of(node, "NTANF", "NTANZ")
            break
    occurred_at, occurred_source = idoc.occurred_at(shipped_at, shipped_source)

    packs, packed_items = _packs(idoc)
    orders, item_orders = _orders(idoc, delivery)
    lines = [_line(idoc, node, packed_items, item_orders) for node in idoc.tree.find("E1EDL24")]
    gross_weight = None
    if read_field(delivery.record, "BTGEW").strip("0. "):
        gross_weight = idoc.quantity(delivery, "BTGEW", "GEWEI")
    references = [
        Reference(qualifier=qualifier, value=value)
        for qualifier, name in (("BM", "BOLNR"), ("TRAID", "TRAID"))
        if (value := read_field(delivery.record, name))
    ]
    parties = [
        Party(
            role=read_field(node.record, "PARTNER_Q"),
            id=read_field(node.record, "PARTNER_ID") or None,
        )
        for node in idoc.tree.find("E1ADRM1")
        if read_field(node.record, "PARTNER_Q")
    ]
    cancelled = function == FUNCTION_DELETE
    entity_id = f"{idoc.sender}:{shipment_id}"
    with model_errors("shipment"):
        payload = Shipment(
            shipment_id=shipment_id,
            status=ShipmentStatus.CANCELLED if cancelled else ShipmentStatus.HANDED_OFF,
            purpose_code=function,
            structure_code=None,
            shipped_at=shipped_at,
            shipped_at_local=shipped_source,
            carrier_scac=None,
            transport_method=None,
            gross_weight=gross_weight,
            references=references,
            parties=parties,
            orders=orders,
            packs=packs,
            lines=lines,
        )
    event = idoc.event(
        entity_type="shipment",
        event_type="shipment.cancelled" if cancelled else "shipment.notified",
        entity_id=entity_id,
        payload=payload,
        occurred_at=occurred_at,
        occurred_at_source=occurred_source,
    )
    return [event]


def _sscc(exidv: str) -> str | None:
    digits = exidv.strip()
    if len(digits) == SSCC_LENGTH + 2 and digits.startswith("00"):
        digits = digits[2:]
    return digits if len(digits) == SSCC_LENGTH and digits.isdigit() else None


def _packs(idoc: Idoc) -> tuple[list[ShipmentPack], dict[str, str]]:
    """Return the packs and a map from delivery item POSNR to the segment number packing it."""
    packs = []
    packed_items: dict[str, str] = {}
    numbers = {node.record.number for node in idoc.tree.find("E1EDL37")}
    for node in idoc.tree.find("E1EDL37"):
        exidv = read_field(node.record, "EXIDV")
        parent = node.record.parent_number
        with model_errors("shipment pack"):
            packs.append(
                ShipmentPack(
                    hl_id=str(node.record.number),
                    parent_hl_id=str(parent) if parent in numbers else None,
                    level_code=HANDLING_UNIT_LEVEL,
                    sscc=_sscc(exidv),
                    marks=[Reference(qualifier="EXIDV", value=exidv)] if exidv else [],
                )
            )
        for content in node.children_named("E1EDL44"):
            item = read_field(content.record, "POSNR")
            if item:
                packed_items.setdefault(item, str(node.record.number))
    return packs, packed_items


def _orders(idoc: Idoc, delivery: Node) -> tuple[list[ShipmentOrder], dict[int, str]]:
    """Return one order per purchase order number, and item segment number to order id."""
    orders: dict[str, ShipmentOrder] = {}
    item_orders: dict[int, str] = {}
    for item in idoc.tree.find("E1EDL24"):
        for reference in item.children_named("E1EDL41"):
            if read_field(reference.record, "QUALI") != PURCHASE_ORDER_QUALIFIER:
                continue
            number = read_field(reference.record, "BSTNR")
            if not number:
                continue
            if number not in orders:
                orders[number] = ShipmentOrder(
                    hl_id=str(reference.record.number),
                    parent_hl_id=str(delivery.record.number),
                    purchase_order_number=number,
                    purchase_order_date=read_field(reference.record, "BSTDT") or None,
                )
            item_orders.setdefault(item.record.number, orders[number].hl_id)
    return list(orders.values()), item_orders


def _line(
    idoc: Idoc, node: Node, packed_items: dict[str, str], item_orders: dict[int, str]
) -> ShipmentLine:
    item = read_field(node.record, "POSNR")
    product_ids = [
        ProductId(qualifier=qualifier, value=value)
        for qualifier, name in (("VP", "MATNR"), ("BP", "KDMAT"))
        if (value := read_field(node.record, name))
    ]
    parent = node.record.parent_number
    with model_errors("shipment line"):
        return ShipmentLine(
            hl_id=str(node.record.number),
            parent_hl_id=str(parent) if parent else None,
            order_hl_id=item_orders.get(node.record.number),
            pack_hl_id=packed_items.get(item),
            line_number=item or None,
            product_ids=product_ids,
            quantity_shipped=idoc.quantity(node, "LFIMG", "VRKME"),
        )
