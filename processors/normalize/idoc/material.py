"""MATMAS03 and MATMAS05 IDocs mapped to one product master event.

The product id is ``{SNDPRN}:{MATNR}`` and the SKU is MATNR as SAP writes
it, leading zeros included. The description is the E1MAKTM text in English
(SPRAS_ISO EN or SPRAS E), else the first one; without any, MATNR with the
flag ``idoc.description_missing``. The base unit is MEINS mapped through
config/mappings/sap-units.yaml. The GTIN is EAN11 of the E1MARMM unit that
equals MEINS, when it has 8, 12, 13 or 14 digits. BRGEW and NTGEW in GEWEI
give the weights when not zero. LVORM X (flagged for deletion) or MSGFN 003
(delete) gives the status ``discontinued`` and the event
``product.discontinued``; otherwise ``product.updated`` with status ``active``.
"""

from adapters.idoc import read_field
from canonical.common import ProductId
from canonical.events import CanonicalEvent
from canonical.product import Product, ProductStatus
from processors.normalize.idoc.context import Idoc, Tables, field_path, model_errors
from processors.normalize.idoc.values import to_quantity
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "idoc-matmas@1"
DESCRIPTION_MISSING_FLAG = "idoc.description_missing"
FUNCTION_DELETE = "003"
GTIN_LENGTHS = (8, 12, 13, 14)


def normalize_matmas(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one MATMAS IDoc to a product event; raise RecordError for every defect."""
    idoc = Idoc.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    material = idoc.required("E1MARAM")
    number = idoc.business_number
    base_unit_code = read_field(material.record, "MEINS")
    base_unit = to_quantity(
        "1",
        base_unit_code,
        table=idoc.tables.units,
        value_path=field_path(material, "MEINS"),
        unit_path=field_path(material, "MEINS"),
    ).unit

    texts = material.children_named("E1MAKTM")
    english = [
        node
        for node in texts
        if read_field(node.record, "SPRAS_ISO") == "EN" or read_field(node.record, "SPRAS") == "E"
    ]
    chosen = (english or texts or [None])[0]
    description = read_field(chosen.record, "MAKTX") if chosen is not None else ""
    if not description:
        idoc.flags.append(DESCRIPTION_MISSING_FLAG)
        description = number

    gtin = None
    for unit in material.children_named("E1MARMM"):
        ean = read_field(unit.record, "EAN11")
        if read_field(unit.record, "MEINH") == base_unit_code and ean.isdigit():
            gtin = ean if len(ean) in GTIN_LENGTHS else None
            break
    weights = {}
    for name in ("BRGEW", "NTGEW"):
        if read_field(material.record, name).strip("0. "):
            weights[name] = idoc.quantity(material, name, "GEWEI")
    identifiers = [
        ProductId(qualifier="BISMT", value=value)
        for value in [read_field(material.record, "BISMT")]
        if value
    ]
    deleted = (
        read_field(material.record, "LVORM") == "X"
        or read_field(material.record, "MSGFN") == FUNCTION_DELETE
    )
    occurred_at, occurred_source = idoc.occurred_at(None, None)
    product_id = f"{idoc.sender}:{number}"
    with model_errors("product"):
        payload = Product(
            product_id=product_id,
            status=ProductStatus.DISCONTINUED if deleted else ProductStatus.ACTIVE,
            sku=number,
            gtin=gtin,
            identifiers=identifiers,
            description=description,
            brand=None,
            category=read_field(material.record, "MATKL") or None,
            base_unit=base_unit,
            net_weight=weights.get("NTGEW"),
            gross_weight=weights.get("BRGEW"),
            hazmat_class=None,
            country_of_origin=None,
        )
    event = idoc.event(
        entity_type="product",
        event_type="product.discontinued" if deleted else "product.updated",
        entity_id=product_id,
        payload=payload,
        occurred_at=occurred_at,
        occurred_at_source=occurred_source,
    )
    return [event]
