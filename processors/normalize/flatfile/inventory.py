"""Flat-file rows mapped to inventory snapshots, one event per row.

Layout fields: ``location_id``, ``product_id``, ``on_hand``, ``unit`` and
``as_of`` are required. ``lot_number``, ``stock_status``, ``reserved`` and
``available`` are optional. The stock status defaults to unrestricted, and
its code table must yield a canonical status such as ``blocked``. A missing
reserved quantity is zero with the flag ``flatfile.reserved_missing``; a
missing available quantity is the on-hand quantity with the flag
``flatfile.available_missing``, because the export did not say what it
subtracts. The entity id is ``{source}:{location}:{product}:{lot}:{status}``.
"""

from decimal import Decimal

from adapters.flatfile import Layout
from canonical.common import Quantity
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.inventory import InventorySnapshot, StockStatus
from processors.normalize.flatfile.document import Document, model_errors
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "flatfile-inventory@1"
RESERVED_MISSING_FLAG = "flatfile.reserved_missing"
AVAILABLE_MISSING_FLAG = "flatfile.available_missing"


def normalize_inventory(record: RawRecord, *, layout: Layout | None = None) -> list[CanonicalEvent]:
    """Map every row of the record to an inventory snapshot event."""
    document = Document.open(record, layout, TRANSFORM_VERSION)
    return [_snapshot(document, position) for position in range(len(document.rows))]


def quantity(document: Document, position: int, canonical_field: str, value: Decimal) -> Quantity:
    """Build a Quantity of ``value`` in the row's unit, keeping the export's texts."""
    row = document.rows[position]
    layout = document.layout
    unit = document.required(position, "unit")
    value_column = layout.fields.get(canonical_field, "")
    source_unit = row.values.get(layout.fields["unit"], "").strip()
    table = layout.column(layout.fields["unit"]).code_table
    rule = f"layout:{layout.name}@{layout.version}"
    return Quantity(
        value=value,
        unit=unit,
        source_value=row.values.get(value_column, "").strip() or str(value),
        source_unit=source_unit,
        conversion_rule=f"{rule}:{table}:{source_unit}->{unit}" if table else rule,
    )


def _snapshot(document: Document, position: int) -> CanonicalEvent:
    flags = []
    on_hand = document.required(position, "on_hand")
    reserved = document.value(position, "reserved")
    if reserved is None:
        reserved = Decimal(0)
        flags.append(RESERVED_MISSING_FLAG)
    available = document.value(position, "available")
    if available is None:
        available = on_hand
        flags.append(AVAILABLE_MISSING_FLAG)
    status_text = document.value(position, "stock_status") or StockStatus.UNRESTRICTED.value
    try:
        status = StockStatus(status_text)
    except ValueError as exc:
        column = document.layout.fields.get("stock_status", "stock_status")
        raise RecordError(
            ErrorCode.FLATFILE_FIELD_INVALID,
            f"stock status {status_text!r} is not one of: "
            f"{', '.join(status.value for status in StockStatus)}; map it in the code table",
            field_path=f"line {document.rows[position].line_number}.{column}",
        ) from exc
    location = str(document.required(position, "location_id"))
    product = str(document.required(position, "product_id"))
    lot = document.value(position, "lot_number")
    as_of = document.required(position, "as_of")
    entity_id = f"{document.layout.source}:{location}:{product}:{lot or ''}:{status.value}"
    with model_errors("inventory snapshot"):
        payload = InventorySnapshot(
            location_id=location,
            product_id=product,
            lot_number=str(lot) if lot is not None else None,
            stock_status=status,
            as_of=as_of,
            on_hand=quantity(document, position, "on_hand", on_hand),
            reserved=quantity(document, position, "reserved", reserved),
            available=quantity(document, position, "available", available),
        )
    return document.event(
        entity_type="inventory-snapshot",
        event_type="inventory-snapshot.reported",
        entity_id=entity_id,
        payload=payload,
        occurred_at=as_of,
        positions=[position],
        flags=flags,
    )
