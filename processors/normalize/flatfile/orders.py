"""Flat-file rows grouped by document key mapped to one purchase order event.

Layout fields: ``purchase_order_number``, ``supplier_id``, ``ordered_at``,
``product_id``, ``quantity`` and ``unit`` are required;
``ship_to_location_id``, ``line_number`` (default: the row's position) and
``requested_delivery_at`` are optional. Header fields are read from the
first row. A later row with another supplier or order date is rejected,
because the rows would not describe one order. The order id is
``{source}:{purchase order number}``.
"""

from adapters.flatfile import Layout
from canonical.common import ProductId
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.orders import OrderLine, PurchaseOrder, PurchaseOrderStatus
from processors.normalize.flatfile.document import Document, model_errors
from processors.normalize.flatfile.inventory import quantity
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "flatfile-orders@1"
HEADER_FIELDS = ("purchase_order_number", "supplier_id", "ordered_at")


def normalize_orders(record: RawRecord, *, layout: Layout | None = None) -> list[CanonicalEvent]:
    """Map the record's rows to one purchase order event."""
    document = Document.open(record, layout, TRANSFORM_VERSION)
    header = {name: document.required(0, name) for name in HEADER_FIELDS}
    for position in range(1, len(document.rows)):
        for name in HEADER_FIELDS:
            if document.required(position, name) != header[name]:
                column = document.layout.fields[name]
                raise RecordError(
                    ErrorCode.FLATFILE_FIELD_INVALID,
                    f"line {document.rows[position].line_number} has {name} "
                    f"{document.value(position, name)!r}, but the first row of the order has "
                    f"{header[name]!r}",
                    field_path=f"line {document.rows[position].line_number}.{column}",
                )
    lines = []
    for position in range(len(document.rows)):
        line_number = document.value(position, "line_number")
        with model_errors("order line"):
            lines.append(
                OrderLine(
                    line_number=str(line_number if line_number is not None else position + 1),
                    product_id=None,
                    product_ids=[
                        ProductId(
                            qualifier="VP", value=str(document.required(position, "product_id"))
                        )
                    ],
                    quantity_ordered=quantity(
                        document, position, "quantity", document.required(position, "quantity")
                    ),
                    requested_delivery_at=document.value(position, "requested_delivery_at"),
                )
            )
    number = str(header["purchase_order_number"])
    order_id = f"{document.layout.source}:{number}"
    ship_to = document.value(0, "ship_to_location_id")
    with model_errors("purchase order"):
        payload = PurchaseOrder(
            purchase_order_id=order_id,
            purchase_order_number=number,
            status=PurchaseOrderStatus.ISSUED,
            supplier_id=str(header["supplier_id"]),
            ship_to_location_id=str(ship_to) if ship_to is not None else None,
            ordered_at=header["ordered_at"],
            requested_delivery_at=None,
            confirmed_delivery_at=None,
            supplier_order_number=None,
            lines=lines,
        )
    event = document.event(
        entity_type="purchase-order",
        event_type="purchase-order.issued",
        entity_id=order_id,
        payload=payload,
        occurred_at=header["ordered_at"],
        positions=list(range(len(document.rows))),
    )
    return [event]
