"""Parts shared by the EPCIS mappings: references, locations and quantities per product."""

from collections import OrderedDict
from decimal import Decimal

from adapters.epcis import EpcisEvent, Identifier, QuantityElement, digital_link_parts
from canonical.common import Quantity, Reference
from processors.normalize.epcis.context import EventContext

COUNT_UNIT = "C62"
FLAG_QUANTITY_UNSPECIFIED = "epcis.quantity_unspecified"


def references(event: EpcisEvent) -> list[Reference]:
    found = [
        Reference(qualifier=entry.type or "bizTransaction", value=entry.value)
        for entry in event.typed("bizTransactionList")
    ]
    found.append(Reference(qualifier="eventTimeZoneOffset", value=event.time_zone_offset))
    if event.event_id:
        found.append(Reference(qualifier="eventID", value=event.event_id))
    return found


def event_location(event: EpcisEvent) -> str | None:
    location = event.biz_location or event.read_point
    return location.value if location else None


def typed_location(event: EpcisEvent, name: str) -> str | None:
    for entry in event.typed(name):
        if entry.type == "location":
            return entry.value
    return None


def count_quantity(value: int) -> Quantity:
    return Quantity(
        value=Decimal(value),
        unit=COUNT_UNIT,
        source_value=str(value),
        source_unit="",
        conversion_rule="epcis:count",
    )


def product_groups(
    context: EventContext, epcs: list[Identifier], quantities: list[QuantityElement]
) -> list[tuple[str, str | None, Quantity]]:
    """Return (product id, lot, quantity) per product of EPC and quantity lists.

    SGTINs count per GTIN in unit C62, other instance ids 1 each. A quantity
    element without a quantity is left out and flagged.
    """
    counts: OrderedDict[str, int] = OrderedDict()
    for epc in epcs:
        parts = digital_link_parts(epc.value)
        product = (
            f"https://id.gs1.org/01/{parts['01']}" if "01" in parts and "21" in parts else epc.value
        )
        counts[product] = counts.get(product, 0) + 1
    groups = [(product, None, count_quantity(count)) for product, count in counts.items()]
    for element in quantities:
        if element.quantity is None:
            context.flags.append(FLAG_QUANTITY_UNSPECIFIED)
            continue
        parts = digital_link_parts(element.epc_class.value)
        product = (
            f"https://id.gs1.org/01/{parts['01']}" if "01" in parts else element.epc_class.value
        )
        unit = element.uom or COUNT_UNIT
        quantity = Quantity(
            value=element.quantity,
            unit=unit,
            source_value=str(element.quantity),
            source_unit=element.uom or "",
            conversion_rule="epcis:rec20" if element.uom else "epcis:count",
        )
        groups.append((product, parts.get("10"), quantity))
    # Sorted so that the same event in another syntax or list order numbers its
    # movements, and so their entity ids, the same way.
    return sorted(
        groups, key=lambda group: (group[0], group[1] or "", group[2].unit, group[2].value)
    )
