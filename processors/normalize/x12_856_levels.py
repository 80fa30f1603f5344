"""Reading the levels of an 856 HL tree into the shipment's fields.

Field paths in errors name the level by id, such as ``HL[3].SN103``. Segments
before the first HL have plain paths such as ``DTM02``.
"""

from datetime import datetime, time, tzinfo
from typing import Any

from adapters.x12 import Segment
from canonical.errors import ErrorCode, RecordError
from canonical.shipment import (
    Party,
    ProductId,
    Quantity,
    Reference,
    ShipmentLine,
    ShipmentOrder,
    ShipmentPack,
)
from processors.normalize import x12_dates
from processors.normalize.hierarchy import ITEM, ORDER, PACK_LEVELS, Hierarchy, HlNode
from processors.normalize.reference_data import UnitTable
from processors.normalize.units import to_quantity

SHIPPED_DATE_QUALIFIER = "011"
GROSS_WEIGHT_QUALIFIER = "G"
SCAC_QUALIFIER = "2"
SSCC_QUALIFIER = "GM"
SSCC_LENGTH = 18
SSCC_FLAG_PREFIX = "x12.sscc_invalid:"
TIME_CODE_FLAG_PREFIX = "x12.time_code_unknown:"
LOCAL_TIME_CODE = "LT"


def field_path(hl_id: str | None, segment: Segment, position: int) -> str:
    name = f"{segment.tag}{position:02d}"
    return f"HL[{hl_id}].{name}" if hl_id is not None else name


def is_valid_sscc(value: str) -> bool:
    """Check an 18-digit SSCC and its GS1 modulo-10 check digit."""
    if len(value) != SSCC_LENGTH or not value.isdigit():
        return False
    body = value[:-1]
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body))
    )
    return (10 - total % 10) % 10 == int(value[-1])


class ShipmentReader:
    """Read the shipment-level fields, orders, packs and lines from a Hierarchy.

    ``flags`` collects quality flags found while reading, such as an SSCC
    whose check digit is wrong.
    """

    def __init__(self, hierarchy: Hierarchy, *, units: UnitTable, zone: tzinfo) -> None:
        self.hierarchy = hierarchy
        self.units = units
        self.zone = zone
        self.flags: list[str] = []

    def shipment_fields(self) -> dict[str, Any]:
        """Return the Shipment keyword arguments other than id, status, purpose and structure."""
        shipment_id = self.hierarchy.shipment.hl_id
        located = [(None, segment) for segment in self.hierarchy.header]
        located += [(shipment_id, segment) for segment in self.hierarchy.shipment.segments]
        shipped_at, shipped_at_local = self._shipped_at(located)
        carrier_scac, transport_method = _carrier(located)
        orders, packs, lines = [], [], []
        for node in self.hierarchy.nodes.values():
            if node.level == ORDER:
                orders.append(_order(node))
            elif node.level in PACK_LEVELS:
                packs.append(self._pack(node))
            elif node.level == ITEM:
                lines.append(self._line(node))
        return {
            "shipped_at": shipped_at,
            "shipped_at_local": shipped_at_local,
            "carrier_scac": carrier_scac,
            "transport_method": transport_method,
            "gross_weight": self._gross_weight(located),
            "references": _references(segment for _, segment in located),
            "parties": _parties(segment for _, segment in located),
            "orders": orders,
            "packs": packs,
            "lines": lines,
        }

    def _shipped_at(
        self, located: list[tuple[str | None, Segment]]
    ) -> tuple[datetime | None, str | None]:
        for hl_id, segment in located:
            if segment.tag != "DTM" or segment.element(1).strip() != SHIPPED_DATE_QUALIFIER:
                continue
            date_text, time_text, code = segment.element(2), segment.element(3), segment.element(4)
            if not date_text.strip():
                return None, None
            day = x12_dates.parse_date(date_text, field_path(hl_id, segment, 2))
            clock = (
                x12_dates.parse_time(time_text, field_path(hl_id, segment, 3))
                if time_text.strip()
                else time(0, 0)
            )
            zone = self._zone_for(code.strip())
            return x12_dates.to_utc(day, clock, zone), x12_dates.source_text(
                date_text, time_text, code
            )
        return None, None

    def _zone_for(self, code: str) -> tzinfo:
        if not code or code == LOCAL_TIME_CODE:
            return self.zone
        zone = x12_dates.TIME_CODES.get(code)
        if zone is None:
            self.flags.append(f"{TIME_CODE_FLAG_PREFIX}{code}")
            return self.zone
        return zone

    def _gross_weight(self, located: list[tuple[str | None, Segment]]) -> Quantity | None:
        for hl_id, segment in located:
            if segment.tag == "TD1" and segment.element(6).strip() == GROSS_WEIGHT_QUALIFIER:
                return self._quantity(hl_id, segment, 7, segment.element(8), 8)
        for hl_id, segment in located:
            if (
                segment.tag == "MEA"
                and segment.element(1).strip() == "PD"
                and segment.element(2).strip() == GROSS_WEIGHT_QUALIFIER
            ):
                return self._quantity(hl_id, segment, 3, segment.component(4, 1), 4)
        return None

    def _quantity(
        self,
        hl_id: str | None,
        segment: Segment,
        value_position: int,
        unit: str,
        unit_position: int,
    ) -> Quantity:
        return to_quantity(
            segment.element(value_position),
            unit,
            table=self.units,
            value_path=field_path(hl_id, segment, value_position),
            unit_path=field_path(hl_id, segment, unit_position),
        )

    def _pack(self, node: HlNode) -> ShipmentPack:
        sscc = None
        marks = []
        for segment in node.segments:
            if segment.tag != "MAN":
                continue
            for qualifier_position in (1, 4):
                qualifier = segment.element(qualifier_position).strip()
                value = segment.element(qualifier_position + 1).strip()
                if not qualifier or not value:
                    continue
                if qualifier == SSCC_QUALIFIER and sscc is None:
                    sscc = self._sscc(node.hl_id, value)
                else:
                    marks.append(Reference(qualifier=qualifier, value=value))
        return ShipmentPack(
            hl_id=node.hl_id,
            parent_hl_id=node.parent_id,
            level_code=node.level,
            sscc=sscc,
            marks=marks,
        )

    def _sscc(self, hl_id: str, value: str) -> str:
        """Return the SSCC as written, and flag it unless its check digit is right.

        Many retailer guides ask for the 20-digit form that keeps the GS1
        application identifier 00 in front of the 18 digits, so both forms pass.
        """
        digits = value[2:] if len(value) == SSCC_LENGTH + 2 and value.startswith("00") else value
        if not is_valid_sscc(digits):
            self.flags.append(f"{SSCC_FLAG_PREFIX}{hl_id}")
        return value

    def _line(self, node: HlNode) -> ShipmentLine:
        line_number = None
        product_ids: list[ProductId] = []
        quantity = None
        for segment in node.segments:
            if segment.tag == "LIN" and not product_ids and line_number is None:
                line_number = segment.element(1).strip() or None
                product_ids = _product_ids(segment)
            elif segment.tag == "SN1" and quantity is None:
                if not segment.element(2).strip():
                    raise RecordError(
                        ErrorCode.X12_ELEMENT_INVALID,
                        "SN1 has no number of units shipped",
                        field_path=field_path(node.hl_id, segment, 2),
                    )
                quantity = self._quantity(node.hl_id, segment, 2, segment.element(3), 3)
        order = self.hierarchy.nearest_ancestor(node, (ORDER,))
        pack = self.hierarchy.nearest_ancestor(node, PACK_LEVELS)
        return ShipmentLine(
            hl_id=node.hl_id,
            parent_hl_id=node.parent_id,
            order_hl_id=order.hl_id if order else None,
            pack_hl_id=pack.hl_id if pack else None,
            line_number=line_number,
            product_ids=product_ids,
            quantity_shipped=quantity,
        )


def _order(node: HlNode) -> ShipmentOrder:
    number = None
    order_date = None
    prf = next((segment for segment in node.segments if segment.tag == "PRF"), None)
    if prf is not None:
        number = prf.element(1).strip() or None
        order_date = prf.element(4).strip() or None
    return ShipmentOrder(
        hl_id=node.hl_id,
        parent_hl_id=node.parent_id,
        purchase_order_number=number,
        purchase_order_date=order_date,
    )


def _product_ids(lin: Segment) -> list[ProductId]:
    """Read LIN02/LIN03, LIN04/LIN05, ... as qualifier and value pairs."""
    product_ids = []
    for position in range(2, len(lin.elements) + 1, 2):
        qualifier = lin.element(position).strip()
        value = lin.element(position + 1).strip()
        if qualifier and value:
            product_ids.append(ProductId(qualifier=qualifier, value=value))
    return product_ids


def _carrier(located: list[tuple[str | None, Segment]]) -> tuple[str | None, str | None]:
    scac = None
    method = None
    for _, segment in located:
        if segment.tag != "TD5":
            continue
        if scac is None and segment.element(2).strip() == SCAC_QUALIFIER:
            scac = segment.element(3).strip() or None
        if method is None:
            method = segment.element(4).strip() or None
    return scac, method


def _references(segments) -> list[Reference]:
    references = []
    for segment in segments:
        if segment.tag != "REF":
            continue
        qualifier = segment.element(1).strip()
        value = segment.element(2).strip() or segment.element(3).strip()
        if qualifier and value:
            references.append(Reference(qualifier=qualifier, value=value))
    return references


def _parties(segments) -> list[Party]:
    """Read N1 loops: N1 names the party, N2 to N4 add name, address and place."""
    parties: list[dict[str, Any]] = []
    for segment in segments:
        if segment.tag == "N1":
            parties.append(
                {
                    "role": segment.element(1).strip(),
                    "name": segment.element(2).strip() or None,
                    "id_qualifier": segment.element(3).strip() or None,
                    "id": segment.element(4).strip() or None,
                    "address_lines": [],
                }
            )
        elif not parties:
            continue
        elif segment.tag == "N2":
            extra = " ".join(part.strip() for part in segment.elements if part.strip())
            current = parties[-1]["name"]
            parties[-1]["name"] = f"{current} {extra}".strip() if current else extra or None
        elif segment.tag == "N3":
            parties[-1]["address_lines"] += [
                part.strip() for part in segment.elements[:2] if part.strip()
            ]
        elif segment.tag == "N4":
            # N403 is read whole: partners that declare "-" as repetition
            # separator still write ZIP+4 codes such as 31139-0020.
            parties[-1].update(
                city=segment.element(1).strip() or None,
                region=segment.element(2).strip() or None,
                postal_code=segment.element(3).strip() or None,
                country=segment.element(4).strip() or None,
            )
    return [Party(**party) for party in parties if party["role"]]
