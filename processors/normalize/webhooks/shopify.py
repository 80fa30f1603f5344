"""Shopify webhooks: orders to customer orders, refunds to returns, inventory levels to snapshots.

Topics (the ``X-Shopify-Topic`` header, kept in the document type):

- ``orders/create``, ``orders/updated``, ``orders/paid``, ``orders/cancelled``,
  ``orders/fulfilled``, ``orders/partially_fulfilled``: one customer order,
  ``entity_id`` ``shopify:<shop>:<order id>``, event type
  ``customer-order.<created|updated|paid|...>``; the status comes from
  config/mappings/commerce-status.yaml.
- ``refunds/create``: one return per refund (``return.refunded``), with a line
  per refunded line item and its restock type as reason and disposition.
- ``inventory_levels/update`` and ``inventory_levels/connect``: one inventory
  snapshot of the inventory item at the location, unrestricted stock.
- Every other topic is WEBHOOK_UNSUPPORTED_EVENT.

Times carry the shop's offset and are converted to UTC; ``occurred_at`` is the
resource's ``updated_at`` (else ``created_at``). The idempotency discriminator
is the topic and the sender's event id, or the topic and ``occurred_at`` for a
record without one.
"""

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from canonical.common import Reference
from canonical.envelope import CanonicalEvent
from canonical.errors import ErrorCode, RecordError
from canonical.inventory import InventorySnapshot, StockStatus
from canonical.orders import CustomerOrder, OrderLine
from canonical.returns import Return, ReturnLine, ReturnStatus
from processors.normalize.record import RawRecord
from processors.normalize.webhooks._commerce import (
    GUEST_CUSTOMER,
    address_party,
    count_quantity,
    money_references,
    origin_name,
    product_ids,
    single_stock_quantity,
    text_references,
    unwrap,
)
from processors.normalize.webhooks._context import (
    EventSpec,
    WebhookContext,
    build_event,
    validation_error,
)
from processors.normalize.webhooks._fields import FieldReader, body_error
from processors.normalize.webhooks.mappings import (
    CommerceStatusTable,
    default_commerce_status_table,
)

PROVIDER = "shopify"
TRANSFORM_VERSION = "webhook-shopify@1"
ORDER_EVENT_TYPES = {
    "orders/create": "customer-order.created",
    "orders/updated": "customer-order.updated",
    "orders/paid": "customer-order.paid",
    "orders/cancelled": "customer-order.cancelled",
    "orders/fulfilled": "customer-order.fulfilled",
    "orders/partially_fulfilled": "customer-order.partially_fulfilled",
}
REFUND_TOPICS = ("refunds/create",)
INVENTORY_TOPICS = ("inventory_levels/update", "inventory_levels/connect")
ORDER_MONEY_FIELDS = ("total_price", "subtotal_price", "total_tax", "total_discounts")
ORDER_TEXT_FIELDS = ("name", "order_number", "financial_status")
LINE_ID_FIELDS = ("variant_id", "product_id")


def normalize_shopify(
    record: RawRecord, context: WebhookContext, *, table: CommerceStatusTable | None = None
) -> list[CanonicalEvent]:
    table = table or default_commerce_status_table()
    topic = context.topic
    try:
        if topic in ORDER_EVENT_TYPES:
            return [_order_event(record, context, table, topic)]
        if topic in REFUND_TOPICS:
            return [_refund_event(record, context, table)]
        if topic in INVENTORY_TOPICS:
            return [_inventory_event(record, context, table)]
    except ValidationError as exc:
        raise validation_error(exc, f"Shopify {topic} entity") from exc
    supported = [*ORDER_EVENT_TYPES, *REFUND_TOPICS, *INVENTORY_TOPICS]
    raise RecordError(
        ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
        f"Shopify topic {topic!r} is not normalized; supported: {', '.join(supported)}",
        field_path="X-Shopify-Topic",
    )


def _spec(
    context: WebhookContext,
    reader: FieldReader,
    table: CommerceStatusTable,
    shop: str,
    occurred: tuple,
    **fields: Any,
) -> EventSpec:
    discriminator = [context.topic, context.event_id or occurred[0].isoformat()]
    return EventSpec(
        occurred_at=occurred[0],
        occurred_at_source=occurred[1],
        producer_system=f"{PROVIDER}:{shop}",
        discriminator=discriminator,
        transform_version=TRANSFORM_VERSION,
        mapping_versions={table.name: table.version},
        flags=reader.flags,
        **fields,
    )


def _order_event(
    record: RawRecord, context: WebhookContext, table: CommerceStatusTable, topic: str
) -> CanonicalEvent:
    reader = FieldReader()
    order = unwrap(context.body, "order", reader)
    shop = origin_name(context.origin, reader)
    order_id = reader.required_text(order, "id", "id")
    created = reader.instant(order, "created_at", "created_at")
    if created is None:
        raise body_error("the order has no created_at", "created_at")
    occurred = reader.instant(order, "updated_at", "updated_at") or created

    if reader.text(order, "cancelled_at", "cancelled_at"):
        state = "cancelled"
    else:
        state = reader.text(order, "fulfillment_status", "fulfillment_status") or (
            "confirmed" if reader.boolean(order, "confirmed", "confirmed") else "unfulfilled"
        )

    customer = reader.obj(order, "customer", "customer")
    lines = [
        _order_line(reader, line, f"line_items[{index}]", index, table)
        for index, line in enumerate(reader.items(order, "line_items", "line_items"))
    ]

    location = reader.text(order, "location_id", "location_id")

    payload = CustomerOrder(
        order_id=order_id,
        status=table.customer_order_status(PROVIDER, state, "fulfillment_status"),
        customer_id=reader.text(customer, "id", "customer.id") or GUEST_CUSTOMER,
        channel=reader.text(order, "source_name", "source_name"),
        ordered_at=created[0],
        requested_delivery_at=None,
        ship_from_location_id=f"{PROVIDER}:{location}" if location else None,
        ship_to=address_party(
            reader.obj(order, "shipping_address", "shipping_address"), reader, "shipping_address"
        ),
        carrier_scac=None,
        lines=lines,
        references=[
            *text_references(order, reader, ORDER_TEXT_FIELDS, ""),
            *money_references(order, reader, ORDER_MONEY_FIELDS, ""),
        ],
    )

    spec = _spec(
        context,
        reader,
        table,
        shop,
        occurred,
        entity_type="customer-order",
        event_type=ORDER_EVENT_TYPES[topic],
        entity_id=f"{PROVIDER}:{shop}:{order_id}",
        payload=payload,
    )
    return build_event(record, context, spec)


def _order_line(
    reader: FieldReader, line: object, path: str, index: int, table: CommerceStatusTable
) -> OrderLine:
    if not isinstance(line, dict):
        raise body_error("expected a line item object", path)
    quantity = reader.count(line, "quantity", f"{path}.quantity")
    return OrderLine(
        line_number=reader.text(line, "id", f"{path}.id") or str(index + 1),
        product_id=None,
        product_ids=product_ids(line, reader, path, PROVIDER, LINE_ID_FIELDS),
        quantity_ordered=count_quantity(quantity, str(line.get("quantity")), table),
        requested_delivery_at=None,
    )


def _refund_event(
    record: RawRecord, context: WebhookContext, table: CommerceStatusTable
) -> CanonicalEvent:
    reader = FieldReader()
    refund = unwrap(context.body, "refund", reader)
    shop = origin_name(context.origin, reader)
    refund_id = reader.required_text(refund, "id", "id")
    created = reader.instant(refund, "created_at", "created_at")
    if created is None:
        raise body_error("the refund has no created_at", "created_at")

    lines = []
    locations = []
    for index, item in enumerate(reader.items(refund, "refund_line_items", "refund_line_items")):
        path = f"refund_line_items[{index}]"
        if not isinstance(item, dict):
            raise body_error("expected a refund line item object", path)
        restock_type = reader.text(item, "restock_type", f"{path}.restock_type")
        quantity = reader.count(item, "quantity", f"{path}.quantity")
        line_item = reader.obj(item, "line_item", f"{path}.line_item") or {}
        lines.append(
            ReturnLine(
                line_number=reader.text(item, "id", f"{path}.id") or str(index + 1),
                product_id=None,
                product_ids=product_ids(
                    line_item, reader, f"{path}.line_item", PROVIDER, LINE_ID_FIELDS
                ),
                quantity=count_quantity(quantity, str(item.get("quantity")), table),
                reason_code=restock_type,
                disposition=table.disposition(PROVIDER, restock_type, f"{path}.restock_type")
                if restock_type
                else None,
            )
        )
        location = reader.text(item, "location_id", f"{path}.location_id")
        if location:
            locations.append(f"{PROVIDER}:{location}")

    payload = Return(
        return_id=refund_id,
        status=ReturnStatus.REFUNDED,
        customer_id=None,
        order_id=reader.text(refund, "order_id", "order_id"),
        return_location_id=locations[0] if locations else None,
        requested_at=created[0],
        received_at=None,
        lines=lines,
        references=_refund_references(refund, reader),
    )

    spec = _spec(
        context,
        reader,
        table,
        shop,
        created,
        entity_type="return",
        event_type="return.refunded",
        entity_id=f"{PROVIDER}:{shop}:refund:{refund_id}",
        payload=payload,
    )
    return build_event(record, context, spec)


def _refund_references(refund: dict[str, Any], reader: FieldReader) -> list[Reference]:
    """Return the refunded amount: the sum of the successful refund transactions."""
    total = Decimal(0)
    currency = None
    found = False
    for index, transaction in enumerate(reader.items(refund, "transactions", "transactions")):
        path = f"transactions[{index}]"
        if not isinstance(transaction, dict):
            raise body_error("expected a transaction object", path)
        kind = reader.text(transaction, "kind", f"{path}.kind")
        status = reader.text(transaction, "status", f"{path}.status")
        amount = reader.money(transaction, "amount", f"{path}.amount")
        if kind != "refund" or status not in (None, "success") or amount is None:
            continue
        total += Decimal(amount)
        currency = currency or reader.text(transaction, "currency", f"{path}.currency")
        found = True

    references = []
    if found:
        references.append(Reference(qualifier="refund_amount", value=format(total, "f")))
    if currency:
        references.append(Reference(qualifier="currency", value=currency))
    return references


def _inventory_event(
    record: RawRecord, context: WebhookContext, table: CommerceStatusTable
) -> CanonicalEvent:
    reader = FieldReader()
    level = unwrap(context.body, "inventory_level", reader)
    shop = origin_name(context.origin, reader)
    item = reader.required_text(level, "inventory_item_id", "inventory_item_id")
    location = reader.required_text(level, "location_id", "location_id")
    if level.get("available") is None:
        raise RecordError(
            ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
            "the inventory level has no available quantity (the item is not stocked here)",
            field_path="available",
        )

    available = reader.signed_number(level, "available", "available")
    updated = reader.instant(level, "updated_at", "updated_at")
    if updated is None:
        raise body_error("the inventory level has no updated_at", "updated_at")

    on_hand, reserved, available_quantity = single_stock_quantity(
        available, str(level.get("available")), table, reader
    )
    location_id, product_id = f"{PROVIDER}:{location}", f"{PROVIDER}:{item}"
    status = StockStatus.UNRESTRICTED

    payload = InventorySnapshot(
        location_id=location_id,
        product_id=product_id,
        lot_number=None,
        stock_status=status,
        as_of=updated[0],
        on_hand=on_hand,
        reserved=reserved,
        available=available_quantity,
    )

    spec = _spec(
        context,
        reader,
        table,
        shop,
        updated,
        entity_type="inventory-snapshot",
        event_type="inventory-snapshot.reported",
        entity_id=f"{location_id}:{product_id}::{status.value}",
        payload=payload,
    )
    return build_event(record, context, spec)
