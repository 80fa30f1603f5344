"""The INVRPT inventory report mapped to one inventory snapshot per line item.

Each LIN group gives an ``inventory-snapshot.reported`` event. Which QTY
qualifiers carry on-hand, reserved and available stock is the sender's
``inventory_quantities`` setting in config/partners.yaml (by default 145,
actual stock, for both on-hand and available). A kind whose qualifier is null
is reported as zero with the flag ``edifact.{kind}_not_reported``; a configured
qualifier missing from a line rejects the message.

The location is the line's LOC (C517 id), else the heading's LOC, else the
NAD of the warehouse (WH), delivery party (DP) or ship-to (ST), else the UNB
sender. The product is the line's GTIN (item type SRV or EN), else its first
item number. The lot is GIN+BX, else a PIA item number of type NB. Stock is
reported as unrestricted. ``as_of`` is the document date (DTM 137).
"""

from decimal import Decimal

from adapters.edifact import Segment
from canonical.common import Quantity
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.inventory import InventorySnapshot, StockStatus
from processors.normalize.edifact.message import Message, Tables, model_errors
from processors.normalize.edifact.profile import INVENTORY_QUANTITY_KINDS
from processors.normalize.edifact.readers import (
    first,
    groups,
    header_segments,
    party_id,
    product_ids,
)
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "edifact-invrpt@1"
GTIN_TYPES = ("SRV", "EN")
BATCH_NUMBER_TYPE = "NB"


def normalize_invrpt(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one INVRPT message to inventory snapshot events, one per line item.

    ``tables`` default to the files under config/. Raises RecordError for
    every defect of the input, including a message without line items.
    """
    message = Message.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    body = message.body()
    header = header_segments(body, ("LIN",))
    as_of, as_of_source = message.document_time()
    header_location = _location_id(header) or party_id(header, "WH", "DP", "ST")
    lines = groups(body, "LIN")
    if not lines:
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            "the inventory report has no line item (LIN segment)",
            field_path="LIN",
        )
    events = []
    for ordinal, group in enumerate(lines, 1):
        line_number = group[0].component(1) or str(ordinal)
        path = f"LIN[{line_number}]."
        location = _location_id(group) or header_location or message.context.sender
        if not location:
            raise RecordError(
                ErrorCode.EDIFACT_SEGMENT_MISSING,
                f"line {line_number} has no location: expected LOC or NAD+WH, or a UNB sender",
                field_path=f"{path}LOC",
            )
        product = _product_id(group)
        if product is None:
            raise RecordError(
                ErrorCode.EDIFACT_ELEMENT_INVALID,
                f"line {line_number} identifies no product: LIN03 and PIA are empty",
                field_path=f"{path}LIN03",
            )
        quantities, flags = _quantities(message, group, path)
        lot = _lot_number(group)
        status = StockStatus.UNRESTRICTED
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
            message.event(
                entity_type="inventory-snapshot",
                event_type="inventory-snapshot.reported",
                entity_id=f"{location}:{product}:{lot or ''}:{status.value}",
                payload=snapshot,
                occurred_at=as_of,
                occurred_at_source=as_of_source,
                flags=flags,
            )
        )
    return events


def _location_id(segments: list[Segment]) -> str | None:
    loc = first(segments, "LOC")
    return (loc.component(2) or None) if loc is not None else None


def _product_id(group: list[Segment]) -> str | None:
    ids = product_ids(group)
    gtin = next((item.value for item in ids if item.qualifier in GTIN_TYPES), None)
    return gtin or (ids[0].value if ids else None)


def _lot_number(group: list[Segment]) -> str | None:
    for segment in group:
        if segment.tag == "GIN" and segment.component(1) == "BX" and segment.component(2):
            return segment.component(2)
    return next(
        (item.value for item in product_ids(group) if item.qualifier == BATCH_NUMBER_TYPE), None
    )


def _quantities(
    message: Message, group: list[Segment], path: str
) -> tuple[dict[str, Quantity], list[str]]:
    found: dict[str, Quantity] = {}
    missing: list[str] = []
    for kind in INVENTORY_QUANTITY_KINDS:
        qualifier = message.profile.inventory_quantities.get(kind)
        if qualifier is None:
            missing.append(kind)
            continue
        segment = first(group, "QTY", qualifier)
        if segment is None:
            raise RecordError(
                ErrorCode.EDIFACT_SEGMENT_MISSING,
                f"{path.rstrip('.')} has no QTY+{qualifier}, which gives the {kind} quantity",
                field_path=f"{path}QTY[{qualifier}]",
            )
        found[kind] = message.quantity(segment, path)
    if not found:
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            f"{path.rstrip('.')}: the partner profile maps no QTY qualifier to a stock quantity",
            field_path=f"{path}QTY",
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
    return found, [f"edifact.{kind}_not_reported" for kind in missing]
