"""The DESADV despatch advice mapped to one canonical shipment event.

One message gives one event: ``shipment.notified``, or ``shipment.cancelled``
when BGM03 is 1 (cancellation), the same event types as an X12 856. The entity
id is ``{UNB sender}:{BGM document number}``.

The packing tree comes from CPS (see processors.normalize.edifact.packing).
Packs keep their CPS id as ``hl_id``. Lines get the id ``LIN-{n}``, numbered
in message order, because partners restart LIN01 in every CPS group; their
parent is the CPS they follow. Orders come from ``RFF+ON`` (order number) in
the heading or a line, with the id ``ON-{number}``.

Times: ``occurred_at`` is the document date (DTM 137), else the ingestion time
with ``edifact.occurred_at_missing``. ``shipped_at`` is the despatch date
(DTM 11). ``entity_version`` is ``occurred_at`` in microseconds since the Unix
epoch, so a later replace of the same despatch advice has a higher version.
"""

from adapters.edifact import Segment
from canonical.common import Quantity, Reference
from canonical.events import CanonicalEvent
from canonical.shipment import (
    Shipment,
    ShipmentLine,
    ShipmentOrder,
    ShipmentPack,
    ShipmentStatus,
)
from processors.normalize.edifact.message import Message, Tables, model_errors
from processors.normalize.edifact.packing import CpsNode, Packing, build_packing, sscc_values
from processors.normalize.edifact.readers import first, groups, parties, product_ids, references
from processors.normalize.record import RawRecord
from processors.normalize.x12_856_levels import is_valid_sscc

TRANSFORM_VERSION = "edifact-desadv@1"
DESPATCH_DATE_QUALIFIER = "11"
DESPATCHED_QUANTITY = "12"
ORDER_REFERENCE = "ON"
SCAC_AGENCY = "182"
"""Code list responsible agency (3055) of the US Standard Carrier Alpha Code."""
GROSS_WEIGHT_PROPERTIES = ("AAD", "G", "AAB")
"""MEA measured attributes (6313) read as gross weight: consignment gross weight, gross
weight and unit gross weight, in this order of preference."""
SSCC_FLAG_PREFIX = "edifact.sscc_invalid:"


def normalize_desadv(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one DESADV message to a shipment event.

    ``tables`` default to the files under config/. Raises RecordError for
    every defect of the input.
    """
    message = Message.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    packing = build_packing(message.body())
    message.flags.extend(packing.flags())
    header = packing.header
    shipment_id = message.document_number()
    function = message.message_function()
    occurred_at, occurred_source = message.document_time()
    shipped_at, shipped_source = message.date(header, (DESPATCH_DATE_QUALIFIER,), "")
    carrier_scac, transport_method = _transport(header)
    reader = _TreeReader(message, packing)
    cancelled = message.is_cancellation()

    with model_errors("shipment"):
        shipment = Shipment(
            shipment_id=shipment_id,
            status=ShipmentStatus.CANCELLED if cancelled else ShipmentStatus.HANDED_OFF,
            purpose_code=function or "9",
            structure_code=None,
            shipped_at=shipped_at,
            shipped_at_local=shipped_source,
            carrier_scac=carrier_scac,
            transport_method=transport_method,
            gross_weight=_gross_weight(message, header),
            references=references(header),
            parties=parties(header),
            orders=reader.orders(),
            packs=reader.packs(),
            lines=reader.lines(),
        )
    event = message.event(
        entity_type="shipment",
        event_type="shipment.cancelled" if cancelled else "shipment.notified",
        entity_id=f"{message.context.sender}:{shipment_id}",
        payload=shipment,
        occurred_at=occurred_at,
        occurred_at_source=occurred_source,
        flags=reader.flags,
    )
    return [event]


def _transport(header: list[Segment]) -> tuple[str | None, str | None]:
    """Read TDT: the carrier (C040) when its agency is SCAC, and the mode of transport (C220)."""
    tdt = first(header, "TDT")
    if tdt is None:
        return None, None
    carrier = tdt.component(5) if tdt.component(5, 3) == SCAC_AGENCY else ""
    return carrier or None, tdt.component(3) or None


def _gross_weight(message: Message, header: list[Segment]) -> Quantity | None:
    measures = [item for item in header if item.tag == "MEA"]
    for prop in GROSS_WEIGHT_PROPERTIES:
        for segment in measures:
            if segment.component(2) == prop and segment.component(3, 2):
                return message.quantity_from(
                    segment.component(3, 2), segment.component(3, 1), f"MEA[{prop}].C174"
                )
    return None


class _TreeReader:
    """Read orders, packs and lines from the packing tree; ``flags`` collects SSCC defects."""

    def __init__(self, message: Message, packing: Packing) -> None:
        self.message = message
        self.packing = packing
        self.flags: list[str] = []
        self._order_dates: dict[str, str | None] = {}
        self.header_orders = _order_numbers(packing.header, self._order_dates)
        self._lines: list[ShipmentLine] | None = None

    def packs(self) -> list[ShipmentPack]:
        packs = []
        for node in self.packing.nodes.values():
            if not node.is_pack:
                continue
            own = node.package_segments()
            ssccs = sscc_values(own)
            for value in ssccs:
                if not is_valid_sscc(value):
                    self.flags.append(f"{SSCC_FLAG_PREFIX}{node.cps_id}")
            marks = [Reference(qualifier="BJ", value=value) for value in ssccs[1:]]
            marks += [
                Reference(qualifier=segment.component(1), value=segment.component(2))
                for segment in own
                if segment.tag == "GIN" and segment.component(1) != "BJ" and segment.component(2)
            ]
            packs.append(
                ShipmentPack(
                    hl_id=node.cps_id,
                    parent_hl_id=node.parent_id,
                    level_code=node.level_code or _package_type(own),
                    sscc=ssccs[0] if ssccs else None,
                    marks=marks,
                )
            )
        return packs

    def lines(self) -> list[ShipmentLine]:
        if self._lines is None:
            self._lines = []
            for group in groups(self.packing.loose, "LIN"):
                self._lines.append(self._line(group, None))
            for node in self.packing.nodes.values():
                for group in groups(node.segments, "LIN"):
                    self._lines.append(self._line(group, node))
        return self._lines

    def orders(self) -> list[ShipmentOrder]:
        numbers = list(dict.fromkeys([*self.header_orders, *self._line_orders()]))
        root = self.packing.root_id()
        return [
            ShipmentOrder(
                hl_id=f"ON-{number}",
                parent_hl_id=root,
                purchase_order_number=number,
                purchase_order_date=self._order_dates.get(number),
            )
            for number in numbers
        ]

    def _line_orders(self) -> list[str]:
        found = []
        for line in self.lines():
            if line.order_hl_id is not None:
                found.append(line.order_hl_id.removeprefix("ON-"))
        return found

    def _line(self, group: list[Segment], node: CpsNode | None) -> ShipmentLine:
        ordinal = len(self._lines or []) + 1
        lin = group[0]
        path = f"LIN[{lin.component(1) or ordinal}]."
        quantity = None
        despatched = next(
            (
                item
                for item in group
                if item.tag == "QTY" and item.component(1) == DESPATCHED_QUANTITY
            ),
            None,
        )
        if despatched is not None:
            quantity = self.message.quantity(despatched, path)
        order = self._order_of(group)
        pack = self.packing.nearest_pack(node) if node is not None else None
        return ShipmentLine(
            hl_id=f"LIN-{ordinal}",
            parent_hl_id=node.cps_id if node is not None else None,
            order_hl_id=f"ON-{order}" if order else None,
            pack_hl_id=pack.cps_id if pack is not None else None,
            line_number=lin.component(1) or None,
            product_ids=product_ids(group),
            quantity_shipped=quantity,
        )

    def _order_of(self, group: list[Segment]) -> str | None:
        numbers = _order_numbers(group, self._order_dates)
        if numbers:
            return numbers[0]
        return self.header_orders[0] if len(self.header_orders) == 1 else None


def _order_numbers(segments: list[Segment], dates: dict[str, str | None]) -> list[str]:
    """Return the ``RFF+ON`` order numbers, recording the DTM that follows each as its date."""
    numbers = []
    for index, segment in enumerate(segments):
        if segment.tag != "RFF" or segment.component(1) != ORDER_REFERENCE:
            continue
        number = segment.component(1, 2)
        if not number:
            continue
        numbers.append(number)
        following = segments[index + 1] if index + 1 < len(segments) else None
        if following is not None and following.tag == "DTM":
            dates.setdefault(number, following.component(1, 2) or None)
    return numbers


def _package_type(segments: list[Segment]) -> str:
    pac = first(segments, "PAC")
    return pac.component(3) if pac is not None else ""
