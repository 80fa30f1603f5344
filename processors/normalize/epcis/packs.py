"""Aggregation and association events mapped to the pack hierarchy of a shipment.

The shipment is keyed by the desadv reference when the event has one, else by
``epcis:{parentID}``. The parent is a pack of level T, child SSCCs are packs
of level P under it, and other children and child quantities are lines in the
parent pack. ADD and OBSERVE give ``shipment.packed``. DELETE gives
``shipment.unpacked`` with status created, and an error declaration gives
``shipment.corrected`` with status cancelled.
"""

from pydantic import ValidationError

from adapters.epcis import digital_link_parts
from canonical.common import ProductId, Reference
from canonical.events import CanonicalEvent
from canonical.shipment import Shipment, ShipmentLine, ShipmentPack, ShipmentStatus
from processors.normalize.epcis.context import EventContext, invalid_model
from processors.normalize.epcis.values import count_quantity, product_groups, references


def pack_entities(context: EventContext) -> list[CanonicalEvent]:
    """Map an aggregation or association event to the pack hierarchy of a shipment."""
    event = context.event
    transactions = {entry.type: entry.value for entry in event.typed("bizTransactionList")}
    parent = event.parent_id
    shipment_id = transactions.get("desadv") or (
        f"epcis:{parent.value}" if parent else f"epcis:{context.key}"
    )
    packs, lines = _hierarchy(context)
    if context.correction:
        status, verb = ShipmentStatus.CANCELLED, "corrected"
    elif event.action == "DELETE":
        status, verb = ShipmentStatus.CREATED, "unpacked"
    else:
        status, verb = ShipmentStatus.PACKED, "packed"

    try:
        shipment = Shipment(
            shipment_id=shipment_id,
            status=status,
            purpose_code=event.action or "",
            structure_code=event.event_type,
            shipped_at=None,
            shipped_at_local=None,
            carrier_scac=None,
            transport_method=None,
            gross_weight=None,
            references=references(event),
            packs=packs,
            lines=lines,
        )
    except ValidationError as exc:
        raise invalid_model("shipment", exc) from exc
    return [context.wrap("shipment", verb, shipment_id, shipment)]


def _hierarchy(context: EventContext) -> tuple[list[ShipmentPack], list[ShipmentLine]]:
    """Build the packs and lines: the parent first, then the children sorted by id.

    Sorting keeps hierarchy ids equal for the same event in either syntax.
    """
    event = context.event
    parent = event.parent_id
    packs: list[ShipmentPack] = []
    lines: list[ShipmentLine] = []
    if parent is not None:
        packs.append(
            ShipmentPack(
                hl_id="1",
                parent_hl_id=None,
                level_code="T",
                sscc=digital_link_parts(parent.value).get("00"),
                marks=[Reference(qualifier="parentID", value=parent.value)],
            )
        )
    parent_hl = "1" if parent is not None else None
    for epc in sorted(event.epcs("childEPCs"), key=lambda child: child.value):
        hl_id = str(len(packs) + len(lines) + 1)
        sscc = digital_link_parts(epc.value).get("00")
        if sscc:
            packs.append(
                ShipmentPack(hl_id=hl_id, parent_hl_id=parent_hl, level_code="P", sscc=sscc)
            )
        else:
            lines.append(
                ShipmentLine(
                    hl_id=hl_id,
                    parent_hl_id=parent_hl,
                    order_hl_id=None,
                    pack_hl_id=parent_hl,
                    line_number=None,
                    product_ids=[ProductId(qualifier="EPC", value=epc.value)],
                    quantity_shipped=count_quantity(1),
                )
            )
    for product, lot, quantity in product_groups(
        context, [], event.quantities("childQuantityList")
    ):
        hl_id = str(len(packs) + len(lines) + 1)
        ids = [ProductId(qualifier="GS1", value=product)]
        if lot:
            ids.append(ProductId(qualifier="LOT", value=lot))
        lines.append(
            ShipmentLine(
                hl_id=hl_id,
                parent_hl_id=parent_hl,
                order_hl_id=None,
                pack_hl_id=parent_hl,
                line_number=None,
                product_ids=ids,
                quantity_shipped=quantity,
            )
        )
    return packs, lines
