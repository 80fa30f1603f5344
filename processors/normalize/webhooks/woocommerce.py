"""WooCommerce webhooks: orders to customer orders and returns, products to inventory snapshots.

Topics (the ``X-WC-Webhook-Topic`` header, kept in the document type):

- ``order.created``, ``order.updated``, ``order.restored``: one customer order,
  ``entity_id`` ``woocommerce:<site>:<order id>``, plus one return
  (``return.refunded``) per entry of the order's ``refunds`` list. That list
  gives only id, reason and total, so a return has no lines, and its
  ``requested_at`` is the order's modification time, flagged
  ``woocommerce.refund_time_from_order``.
- ``product.created``, ``product.updated``, ``product.restored``: one inventory
  snapshot when the product manages its stock (``manage_stock`` true and a
  ``stock_quantity``), at location ``woocommerce:<site>``, the site's single
  stock pool. Other products are WEBHOOK_UNSUPPORTED_EVENT.
- Every other topic (deletions, coupons, customers, actions) is
  WEBHOOK_UNSUPPORTED_EVENT.

Times: ``*_gmt`` fields carry no offset and no ``Z`` but are UTC by
definition. Without them the site-local ``date_created`` is read as UTC and
flagged ``webhook.time_without_offset``.

Idempotency: WooCommerce computes the delivery id from the webhook id and the
current second, so it differs between two deliveries of one change. The
discriminator is therefore the modification time and the status of the
order (the modification time of the product), and the refund id for returns.
"""

from typing import Any

from pydantic import ValidationError

from canonical.common import Reference
from canonical.envelope import CanonicalEvent
from canonical.errors import ErrorCode, RecordError
from canonical.inventory import InventorySnapshot, StockStatus
from canonical.orders import CustomerOrder, OrderLine
from canonical.returns import Return, ReturnStatus
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

PROVIDER = "woocommerce"
TRANSFORM_VERSION = "webhook-woocommerce@1"
ORDER_EVENT_TYPES = {
    "order.created": "customer-order.created",
    "order.updated": "customer-order.updated",
    "order.restored": "customer-order.updated",
}
PRODUCT_TOPICS = ("product.created", "product.updated", "product.restored")
ORDER_MONEY_FIELDS = ("total", "total_tax", "shipping_total", "discount_total")
ORDER_TEXT_FIELDS = ("number",)
LINE_ID_FIELDS = ("product_id", "variation_id")
REFUND_TIME_FLAG = "woocommerce.refund_time_from_order"


def normalize_woocommerce(
    record: RawRecord, context: WebhookContext, *, table: CommerceStatusTable | None = None
) -> list[CanonicalEvent]:
    table = table or default_commerce_status_table()
    topic = context.topic
    try:
        if topic in ORDER_EVENT_TYPES:
            return _order_events(record, context, table, topic)
        if topic in PRODUCT_TOPICS:
            return [_inventory_event(record, context, table)]
    except ValidationError as exc:
        raise validation_error(exc, f"WooCommerce {topic} entity") from exc
    supported = [*ORDER_EVENT_TYPES, *PRODUCT_TOPICS]
    raise RecordError(
        ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
        f"WooCommerce topic {topic!r} is not normalized; supported: {', '.join(supported)}",
        field_path="X-WC-Webhook-Topic",
    )


def _spec(
    context: WebhookContext,
    reader: FieldReader,
    table: CommerceStatusTable,
    site: str,
    occurred: tuple,
    **fields: Any,
) -> EventSpec:
    return EventSpec(
        occurred_at=occurred[0],
        occurred_at_source=occurred[1],
        producer_system=f"{PROVIDER}:{site}",
        transform_version=TRANSFORM_VERSION,
        mapping_versions={table.name: table.version},
        flags=reader.flags,
        **fields,
    )


def _time(reader: FieldReader, resource: dict[str, Any], name: str) -> tuple | None:
    """Read ``<name>_gmt`` as UTC, else the site-local ``<name>`` (flagged)."""
    return reader.instant(resource, f"{name}_gmt", f"{name}_gmt", naive_is_utc=True) or (
        reader.instant(resource, name, name)
    )


def _order_events(
    record: RawRecord, context: WebhookContext, table: CommerceStatusTable, topic: str
) -> list[CanonicalEvent]:
    reader = FieldReader()
    order = unwrap(context.body, "order", reader)
    site = origin_name(context.origin, reader)
    order_id = reader.required_text(order, "id", "id")
    created = _time(reader, order, "date_created")
    if created is None:
        raise body_error("the order has no date_created_gmt or date_created", "date_created_gmt")
    occurred = _time(reader, order, "date_modified") or created
    state = reader.required_text(order, "status", "status")
    customer = reader.text(order, "customer_id", "customer_id")
    customer_id = customer if customer and customer != "0" else GUEST_CUSTOMER

    lines = []
    for index, line in enumerate(reader.items(order, "line_items", "line_items")):
        path = f"line_items[{index}]"
        if not isinstance(line, dict):
            raise body_error("expected a line item object", path)
        quantity = reader.count(line, "quantity", f"{path}.quantity")
        lines.append(
            OrderLine(
                line_number=reader.text(line, "id", f"{path}.id") or str(index + 1),
                product_id=None,
                product_ids=product_ids(line, reader, path, PROVIDER, LINE_ID_FIELDS),
                quantity_ordered=count_quantity(quantity, str(line.get("quantity")), table),
                requested_delivery_at=None,
            )
        )

    payload = CustomerOrder(
        order_id=order_id,
        status=table.customer_order_status(PROVIDER, state, "status"),
        customer_id=customer_id,
        channel=reader.text(order, "created_via", "created_via"),
        ordered_at=created[0],
        requested_delivery_at=None,
        ship_from_location_id=None,
        ship_to=address_party(reader.obj(order, "shipping", "shipping"), reader, "shipping"),
        carrier_scac=None,
        lines=lines,
        references=[
            *text_references(order, reader, ORDER_TEXT_FIELDS, ""),
            *money_references(order, reader, ORDER_MONEY_FIELDS, ""),
        ],
    )

    events = [
        build_event(
            record,
            context,
            _spec(
                context,
                reader,
                table,
                site,
                occurred,
                entity_type="customer-order",
                event_type=ORDER_EVENT_TYPES[topic],
                entity_id=f"{PROVIDER}:{site}:{order_id}",
                payload=payload,
                discriminator=["modified", occurred[0].isoformat(), state],
            ),
        )
    ]

    refunds = reader.items(order, "refunds", "refunds")
    for index, refund in enumerate(refunds):
        events.append(
            _refund_event(record, context, table, site, order, customer_id, occurred, refund, index)
        )
    return events


def _refund_event(
    record: RawRecord,
    context: WebhookContext,
    table: CommerceStatusTable,
    site: str,
    order: dict[str, Any],
    customer_id: str,
    occurred: tuple,
    refund: object,
    index: int,
) -> CanonicalEvent:
    path = f"refunds[{index}]"
    if not isinstance(refund, dict):
        raise body_error("expected a refund object", path)
    reader = FieldReader()
    reader.flag(REFUND_TIME_FLAG)
    refund_id = reader.required_text(refund, "id", f"{path}.id")

    references = []
    amount = reader.money(refund, "total", f"{path}.total")
    if amount is not None:
        references.append(Reference(qualifier="refund_amount", value=amount))
    currency = reader.text(order, "currency", "currency")
    if currency:
        references.append(Reference(qualifier="currency", value=currency))
    reason = reader.text(refund, "reason", f"{path}.reason")
    if reason:
        references.append(Reference(qualifier="reason", value=reason))

    payload = Return(
        return_id=refund_id,
        status=ReturnStatus.REFUNDED,
        customer_id=None if customer_id == GUEST_CUSTOMER else customer_id,
        order_id=reader.text(order, "id", "id"),
        return_location_id=None,
        requested_at=occurred[0],
        received_at=None,
        lines=[],
        references=references,
    )

    spec = _spec(
        context,
        reader,
        table,
        site,
        occurred,
        entity_type="return",
        event_type="return.refunded",
        entity_id=f"{PROVIDER}:{site}:refund:{refund_id}",
        payload=payload,
        discriminator=["refund", refund_id],
    )
    return build_event(record, context, spec)


def _inventory_event(
    record: RawRecord, context: WebhookContext, table: CommerceStatusTable
) -> CanonicalEvent:
    reader = FieldReader()
    product = unwrap(context.body, "product", reader)
    site = origin_name(context.origin, reader)
    product_number = reader.required_text(product, "id", "id")
    managed = reader.boolean(product, "manage_stock", "manage_stock")
    if not managed or product.get("stock_quantity") is None:
        raise RecordError(
            ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
            f"product {product_number} does not manage its stock (manage_stock is "
            f"{product.get('manage_stock')!r}), so it has no inventory level",
            field_path="manage_stock",
        )

    stock = reader.signed_number(product, "stock_quantity", "stock_quantity")
    modified = _time(reader, product, "date_modified")
    if modified is None:
        raise body_error("the product has no date_modified_gmt or date_modified", "date_modified")

    on_hand, reserved, available = single_stock_quantity(
        stock, str(product.get("stock_quantity")), table, reader
    )
    location_id, product_id = f"{PROVIDER}:{site}", f"{PROVIDER}:{product_number}"
    status = StockStatus.UNRESTRICTED

    payload = InventorySnapshot(
        location_id=location_id,
        product_id=product_id,
        lot_number=None,
        stock_status=status,
        as_of=modified[0],
        on_hand=on_hand,
        reserved=reserved,
        available=available,
    )

    spec = _spec(
        context,
        reader,
        table,
        site,
        modified,
        entity_type="inventory-snapshot",
        event_type="inventory-snapshot.reported",
        entity_id=f"{location_id}:{product_id}::{status.value}",
        payload=payload,
        discriminator=["modified", modified[0].isoformat(), format(stock, "f")],
    )
    return build_event(record, context, spec)
