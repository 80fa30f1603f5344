"""Pieces shared by the Shopify and WooCommerce normalizers: parties, lines, money and ids.

Money: the canonical order and return carry no amount fields, so amounts are
kept as references whose value is a decimal string exactly as the platform
sent it (``total_price`` = ``"409.94"``), next to a ``currency`` reference.

Quantities: platforms count items without a unit code, so a line quantity is
a count in the ``count_unit`` of config/mappings/commerce-status.yaml, with
``source_unit`` ``count``.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from canonical.common import Party, ProductId, Quantity, Reference
from processors.normalize.webhooks._fields import FieldReader
from processors.normalize.webhooks.mappings import CommerceStatusTable

BODY_WRAPPED_FLAG = "webhook.body_wrapped"
"""The resource came wrapped in an object named after it, as the platform's REST API
returns it, instead of bare as webhooks send it."""
ORIGIN_MISSING_FLAG = "webhook.origin_missing"
"""The raw record named no shop or site, so the ids use ``unknown`` in its place."""
SKU_QUALIFIER = "SK"
"""X12 product id qualifier SK: stock keeping unit."""
SHIP_TO_ROLE = "ST"
"""X12 entity identifier code ST: ship to."""
UNKNOWN_ORIGIN = "unknown"
GUEST_CUSTOMER = "guest"
"""Customer id of an order placed without a customer account."""
ONLY_AVAILABLE_FLAG = "inventory.only_available_reported"
"""The platform reports one stock quantity; on_hand and available both carry it and
reserved is zero."""


def unwrap(body: dict[str, Any], name: str, reader: FieldReader) -> dict[str, Any]:
    """Return the resource of a body, unwrapping and flagging a body ``{name: {...}}``."""
    inner = body.get(name)
    if len(body) == 1 and isinstance(inner, dict):
        reader.flag(BODY_WRAPPED_FLAG)
        return inner
    return body


def origin_name(origin: str | None, reader: FieldReader) -> str:
    """Return the shop or site as an id part: the host of a URL, or the domain as sent."""
    if not origin:
        reader.flag(ORIGIN_MISSING_FLAG)
        return UNKNOWN_ORIGIN
    host = origin.split("://", 1)[-1]
    return host.split("/", 1)[0].lower() or UNKNOWN_ORIGIN


def address_party(address: dict[str, Any] | None, reader: FieldReader, path: str) -> Party | None:
    """Map a Shopify or WooCommerce address to a ship-to party; None when there is no address."""
    if not address:
        return None
    name = reader.text(address, "name", f"{path}.name")
    if name is None:
        first = reader.text(address, "first_name", f"{path}.first_name")
        last = reader.text(address, "last_name", f"{path}.last_name")
        name = " ".join(part for part in (first, last) if part) or None
    lines = [
        line
        for key in ("address1", "address2", "address_1", "address_2")
        if (line := reader.text(address, key, f"{path}.{key}"))
    ]
    return Party(
        role=SHIP_TO_ROLE,
        name=name or reader.text(address, "company", f"{path}.company"),
        address_lines=lines,
        city=reader.text(address, "city", f"{path}.city"),
        region=reader.text(address, "province_code", f"{path}.province_code")
        or reader.text(address, "province", f"{path}.province")
        or reader.text(address, "state", f"{path}.state"),
        postal_code=reader.text(address, "zip", f"{path}.zip")
        or reader.text(address, "postcode", f"{path}.postcode"),
        country=reader.text(address, "country_code", f"{path}.country_code")
        or reader.text(address, "country", f"{path}.country"),
    )


def product_ids(
    line: dict[str, Any], reader: FieldReader, path: str, platform: str, id_fields: Iterable[str]
) -> list[ProductId]:
    """Return the line's SKU (qualifier SK) and the platform's own product ids."""
    ids = []
    sku = reader.text(line, "sku", f"{path}.sku")
    if sku:
        ids.append(ProductId(qualifier=SKU_QUALIFIER, value=sku))
    for name in id_fields:
        value = reader.text(line, name, f"{path}.{name}")
        if value and value != "0":
            ids.append(ProductId(qualifier=f"{platform}.{name}", value=value))
    return ids


def count_quantity(value: Decimal, source_text: str, table: CommerceStatusTable) -> Quantity:
    return Quantity(
        value=value,
        unit=table.count_unit,
        source_value=source_text,
        source_unit="count",
        conversion_rule=f"{table.name}@{table.version}:count->{table.count_unit}",
    )


def single_stock_quantity(
    value: Decimal, source_text: str, table: CommerceStatusTable, reader: FieldReader
) -> tuple[Quantity, Quantity, Quantity]:
    """Return (on_hand, reserved, available) for a platform that reports one stock number.

    NOTE: InventorySnapshot requires on_hand and reserved, which the platforms do
    not report. So on_hand repeats the reported number, reserved is zero, and
    every such event carries ONLY_AVAILABLE_FLAG.
    """
    reader.flag(ONLY_AVAILABLE_FLAG)
    reported = count_quantity(value, source_text, table)
    zero = count_quantity(Decimal(0), "0", table)
    return reported, zero, reported


def money_references(
    resource: dict[str, Any], reader: FieldReader, fields: Iterable[str], path: str
) -> list[Reference]:
    """Return ``currency`` and one reference per money field present, as decimal strings."""
    references = []
    currency = reader.text(resource, "currency", f"{path}currency")
    if currency:
        references.append(Reference(qualifier="currency", value=currency))
    for name in fields:
        amount = reader.money(resource, name, f"{path}{name}")
        if amount is not None:
            references.append(Reference(qualifier=name, value=amount))
    return references


def text_references(
    resource: dict[str, Any], reader: FieldReader, fields: Iterable[str], path: str
) -> list[Reference]:
    references = []
    for name in fields:
        value = reader.text(resource, name, f"{path}{name}")
        if value is not None:
            references.append(Reference(qualifier=name, value=value))
    return references
