"""WMMBID01 and WMMBID02 IDocs (message type WMMBXY, goods movements) mapped to inventory movements.

Each E1MBXYI item gives one ``inventory-movement`` event with the movement id
``{SNDPRN}:{MBLNR}:{item ordinal}``; MBLNR is E1MBXYH MBLNR, else its XBLNR
(the adapter's business number). The movement type BWART selects the kind
of movement in ``MOVEMENT_TYPES``. A reversal movement type (102 reverses
101) gives the kind of the type it reverses, with status ``reversed``. A BWART
missing from the table is rejected with MAPPING_MISSING.

Locations are ``{WERKS}/{LGORT}`` (plant and storage location), or the
plant alone. A receipt goes to the item's location, an issue or scrap
leaves it, a transfer goes from it to UMWRK/UMLGO. The stock status is
read from INSMK: empty or F unrestricted, 2 or X quality inspection, 3 or S
blocked. ``moved_at`` is the posting date BUDAT (start of day in the
sender's time zone), else the document date BLDAT, else the IDoc's creation
time. The quantity is ERFMG in ERFME, always positive.
"""

from adapters.idoc import Node, read_field
from canonical.common import Reference
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.inventory import InventoryMovement, MovementStatus, MovementType, StockStatus
from processors.normalize.idoc.context import Idoc, Tables, field_path, model_errors
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "idoc-wmmbid@1"

MOVEMENT_TYPES: dict[str, MovementType] = {
    "101": MovementType.RECEIPT,  # goods receipt for a purchase order
    "103": MovementType.RECEIPT,  # goods receipt into blocked stock
    "105": MovementType.STATUS_CHANGE,  # release from blocked stock
    "201": MovementType.ISSUE,  # issue to a cost center
    "221": MovementType.ISSUE,  # issue to a project
    "261": MovementType.ISSUE,  # issue to a production order
    "301": MovementType.TRANSFER,  # plant to plant, one step
    "311": MovementType.TRANSFER,  # storage location to storage location
    "321": MovementType.STATUS_CHANGE,  # quality inspection to unrestricted
    "343": MovementType.STATUS_CHANGE,  # blocked to unrestricted
    "344": MovementType.STATUS_CHANGE,  # unrestricted to blocked
    "501": MovementType.RECEIPT,  # receipt without a purchase order
    "551": MovementType.SCRAP,  # scrapping
    "561": MovementType.ADJUSTMENT,  # initial stock entry
    "601": MovementType.ISSUE,  # goods issue for a delivery
    "701": MovementType.ADJUSTMENT,  # physical inventory difference, gain
    "702": MovementType.ADJUSTMENT,  # physical inventory difference, loss
}
"""SAP movement type (BWART) to movement kind, for the types in SAP's standard table T156."""
REVERSALS = {"102": "101", "104": "103", "106": "105", "202": "201", "222": "221", "262": "261",
             "302": "301", "312": "311", "322": "321", "502": "501", "552": "551", "562": "561",
             "602": "601"}  # fmt: skip
"""Reversal movement type to the movement type it reverses."""
STATUS_CHANGES = {
    "105": (StockStatus.BLOCKED, StockStatus.UNRESTRICTED),
    "321": (StockStatus.QUALITY_INSPECTION, StockStatus.UNRESTRICTED),
    "343": (StockStatus.BLOCKED, StockStatus.UNRESTRICTED),
    "344": (StockStatus.UNRESTRICTED, StockStatus.BLOCKED),
}
STOCK_STATUSES = {
    "": StockStatus.UNRESTRICTED,
    "F": StockStatus.UNRESTRICTED,
    "2": StockStatus.QUALITY_INSPECTION,
    "X": StockStatus.QUALITY_INSPECTION,
    "3": StockStatus.BLOCKED,
    "S": StockStatus.BLOCKED,
}
"""INSMK (stock type) to stock status."""


def normalize_wmmbid(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one WMMBID IDoc to one inventory movement event per item."""
    idoc = Idoc.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    header = idoc.required("E1MBXYH")
    moved_at, moved_source = idoc.datetime_of(header, "BUDAT")
    if moved_at is None:
        moved_at, moved_source = idoc.datetime_of(header, "BLDAT")
    moved_at, moved_source = idoc.occurred_at(moved_at, moved_source)
    items = idoc.tree.find("E1MBXYI")
    if not items:
        raise RecordError(
            ErrorCode.IDOC_SEGMENT_MISSING,
            f"the goods movement IDoc {idoc.docnum} has no E1MBXYI item",
            field_path="E1MBXYI",
        )
    references = [
        Reference(qualifier=name, value=value)
        for name in ("XBLNR", "FRBNR")
        if (value := read_field(header.record, name))
    ]
    events = []
    for ordinal, item in enumerate(items, 1):
        movement_id = f"{idoc.sender}:{idoc.business_number}:{ordinal}"
        payload = _movement(idoc, item, movement_id, moved_at, references)
        reversed_ = payload.status == MovementStatus.REVERSED
        events.append(
            idoc.event(
                entity_type="inventory-movement",
                event_type="inventory-movement.reversed"
                if reversed_
                else "inventory-movement.posted",
                entity_id=movement_id,
                payload=payload,
                occurred_at=moved_at,
                occurred_at_source=moved_source,
            )
        )
    return events


def _location(plant: str, storage_location: str) -> str | None:
    if not plant:
        return None
    return f"{plant}/{storage_location}" if storage_location else plant


def _stock_status(item: Node) -> StockStatus:
    code = read_field(item.record, "INSMK")
    status = STOCK_STATUSES.get(code)
    if status is None:
        raise RecordError(
            ErrorCode.IDOC_FIELD_INVALID,
            f"stock type INSMK {code!r} is not one of: "
            f"{', '.join(repr(known) for known in STOCK_STATUSES)}",
            field_path=field_path(item, "INSMK"),
        )
    return status


def _movement(
    idoc: Idoc, item: Node, movement_id: str, moved_at, references: list[Reference]
) -> InventoryMovement:
    code = read_field(item.record, "BWART")
    reversed_ = code in REVERSALS
    original = REVERSALS.get(code, code)
    kind = MOVEMENT_TYPES.get(original)
    if kind is None:
        raise RecordError(
            ErrorCode.MAPPING_MISSING,
            f"movement type BWART {code!r} has no mapping in "
            f"processors.normalize.idoc.movement.MOVEMENT_TYPES",
            field_path=field_path(item, "BWART"),
        )
    item_location = _location(read_field(item.record, "WERKS"), read_field(item.record, "LGORT"))
    status = _stock_status(item)
    from_location = to_location = None
    from_status = to_status = None
    if kind == MovementType.RECEIPT:
        to_location, to_status = item_location, status
    elif kind in (MovementType.ISSUE, MovementType.SCRAP):
        from_location, from_status = item_location, status
    elif kind == MovementType.TRANSFER:
        from_location, from_status = item_location, status
        to_location = _location(
            read_field(item.record, "UMWRK") or read_field(item.record, "WERKS"),
            read_field(item.record, "UMLGO"),
        )
        to_status = status
    elif kind == MovementType.STATUS_CHANGE:
        from_location = to_location = item_location
        from_status, to_status = STATUS_CHANGES.get(original, (status, StockStatus.UNRESTRICTED))
    else:
        to_location, to_status = item_location, status
    quantity = idoc.quantity(item, "ERFMG", "ERFME")
    if quantity.value < 0:
        quantity = quantity.model_copy(update={"value": -quantity.value})
    item_references = list(references)
    purchase_order = read_field(item.record, "EBELN")
    if purchase_order:
        line = read_field(item.record, "EBELP")
        value = f"{purchase_order}/{line}" if line else purchase_order
        item_references.append(Reference(qualifier="PO", value=value))
    with model_errors("inventory movement"):
        return InventoryMovement(
            movement_id=movement_id,
            movement_type=kind,
            status=MovementStatus.REVERSED if reversed_ else MovementStatus.POSTED,
            product_id=f"{idoc.sender}:{read_field(item.record, 'MATNR')}",
            lot_number=read_field(item.record, "CHARG") or None,
            quantity=quantity,
            from_location_id=from_location,
            to_location_id=to_location,
            from_stock_status=from_status,
            to_stock_status=to_status,
            reason_code=read_field(item.record, "GRUND") or code,
            moved_at=moved_at,
            references=item_references,
        )
