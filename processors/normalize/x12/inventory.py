"""The 846 inventory inquiry/advice mapped to one inventory snapshot per LIN loop.

Each LIN loop gives an ``inventory-snapshot.reported`` event. Which QTY01
qualifiers (element 673) carry on-hand, reserved and available stock is the
sender's ``inventory_quantities`` setting in the ``x12`` section of
config/partners.yaml: by default 17 (quantity on hand) and 33 (quantity
available for sale), with no qualifier for reserved stock. A kind whose
qualifier is null or absent from the loop is reported as zero with the flag
``x12.{kind}_not_reported``. A loop with none of the configured qualifiers is
rejected.

The location is an N1 inside the loop (WH warehouse, ST ship-to, SN store),
else the same roles in the heading, else the ISA06 sender with the flag
``x12.location_from_envelope``. The product is the loop's GTIN or UPC (LIN
qualifiers EN, UK, UP), else its first product id. The lot is LIN qualifier LT.
Stock is reported as unrestricted. ``as_of`` is BIA04/BIA05.
"""

from decimal import Decimal

from adapters.x12 import Segment
from canonical.common import Quantity
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.inventory import InventorySnapshot, StockStatus
from processors.normalize.record import RawRecord
from processors.normalize.units import to_quantity
from processors.normalize.x12.profile import INVENTORY_QUANTITY_KINDS
from processors.normalize.x12.readers import lin_product_ids, party_id
from processors.normalize.x12.transaction import Tables, Transaction, model_errors, required

TRANSFORM_VERSION = "x12-846@1"
GTIN_QUALIFIERS = ("EN", "UK", "UP")
LOT_QUALIFIER = "LT"
LOCATION_ROLES = ("WH", "ST", "SN")
LOCATION_FROM_ENVELOPE_FLAG = "x12.location_from_envelope"


def normalize_846(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one 846 to inventory snapshot events, one per LIN loop.

    Raises RecordError for every defect of the input, including a set
    without LIN loops.
    """
    tx = Transaction.open(record, "846", tables or Tables.load(), TRANSFORM_VERSION)
    bia = tx.require("BIA")
    purpose = required(bia, 1)
    report_number = required(bia, 3)
    as_of_instant, as_of_source = tx.date_time(bia.element(4), bia.element(5), "BIA04")
    as_of = tx.occurred_at(as_of_instant)
    header, loops = _lin_loops(tx.body())
    if not loops:
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            "the inventory advice has no item (LIN segment)",
            field_path="LIN",
        )
    header_location = party_id(header, *LOCATION_ROLES)
    events = []
    for ordinal, loop in enumerate(loops, 1):
        lin = loop[0]
        line = lin.element(1).strip() or str(ordinal)
        where = f"LIN[{line}]"
        flags: list[str] = []
        location = party_id(loop, *LOCATION_ROLES) or header_location
        if location is None:
            location = tx.context.sender
            flags.append(LOCATION_FROM_ENVELOPE_FLAG)
        ids = lin_product_ids(lin)
        if not ids:
            raise RecordError(
                ErrorCode.X12_ELEMENT_INVALID,
                f"item {line} identifies no product: LIN02 and LIN03 are empty",
                field_path=f"{where}.LIN03",
            )
        product = next((item.value for item in ids if item.qualifier in GTIN_QUALIFIERS), None)
        product = product or ids[0].value
        lot = next((item.value for item in ids if item.qualifier == LOT_QUALIFIER), None)
        quantities, missing = _quantities(tx, loop, where)
        flags += [f"x12.{kind}_not_reported" for kind in missing]
        status = StockStatus.UNRESTRICTED
        entity_id = f"{location}:{product}:{lot or ''}:{status.value}"
        with model_errors("inventory snapshot"):
            snapshot = InventorySnapshot(
                location_id=location,
                product_id=product,
                lot_number=lot,
                stock_status=status,
                as_of=as_of,
                **quantities,
            )
        events.append(
            tx.event(
                entity_type="inventory-snapshot",
                event_type="inventory-snapshot.reported",
                entity_id=entity_id,
                payload=snapshot,
                occurred_at=as_of,
                occurred_at_source=as_of_source,
                business_key=[purpose, report_number, entity_id],
                flags=flags,
            )
        )
    return events


def _lin_loops(body: list[Segment]) -> tuple[list[Segment], list[list[Segment]]]:
    header: list[Segment] = []
    loops: list[list[Segment]] = []
    for segment in body:
        if segment.tag == "CTT":
            break
        if segment.tag == "LIN":
            loops.append([segment])
        elif loops:
            loops[-1].append(segment)
        else:
            header.append(segment)
    return header, loops


def _quantities(
    tx: Transaction, loop: list[Segment], where: str
) -> tuple[dict[str, Quantity], list[str]]:
    found: dict[str, Quantity] = {}
    missing: list[str] = []
    for kind in INVENTORY_QUANTITY_KINDS:
        qualifier = tx.profile.inventory_quantities.get(kind)
        segment = _qty(loop, qualifier) if qualifier is not None else None
        if segment is None:
            missing.append(kind)
            continue
        path = f"{where}.QTY[{qualifier}]"
        found[kind] = to_quantity(
            segment.element(2),
            segment.component(3, 1),
            table=tx.tables.units,
            value_path=f"{path}02",
            unit_path=f"{path}03",
        )
    if not found:
        configured = [q for q in tx.profile.inventory_quantities.values() if q is not None]
        present = [s.element(1).strip() for s in loop if s.tag == "QTY"]
        raise RecordError(
            ErrorCode.X12_SEGMENT_MISSING,
            f"item {where} has no QTY with a configured qualifier "
            f"({', '.join(configured) or 'none configured'}); found: "
            f"{', '.join(present) or 'no QTY'}",
            field_path=f"{where}.QTY",
        )
    unit = next(iter(found.values())).unit
    for kind in missing:
        found[kind] = Quantity(
            value=Decimal(0),
            unit=unit,
            source_value="",
            source_unit="",
            conversion_rule="not-reported",
        )
    return found, missing


def _qty(loop: list[Segment], qualifier: str) -> Segment | None:
    for segment in loop:
        if segment.tag == "QTY" and segment.element(1).strip() == qualifier:
            return segment
    return None
