"""One filled-in event per canonical entity type, for round-trip and registry tests."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from canonical import (
    CanonicalEvent,
    CustomerOrder,
    CustomerOrderStatus,
    Envelope,
    ExceptionReport,
    ExceptionSeverity,
    ExceptionStatus,
    InventoryMovement,
    InventorySnapshot,
    Location,
    LocationStatus,
    MovementStatus,
    MovementType,
    OrderLine,
    Party,
    Product,
    ProductId,
    ProductStatus,
    Provenance,
    PurchaseOrder,
    PurchaseOrderStatus,
    Quantity,
    QuantityDiscrepancy,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    Reference,
    Return,
    ReturnDisposition,
    ReturnLine,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentPack,
    ShipmentStatus,
    StockStatus,
    event_class,
)

OCCURRED = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=UTC)


def quantity(value: str, unit: str = "C62") -> Quantity:
    return Quantity(
        value=Decimal(value),
        unit=unit,
        source_value=value,
        source_unit="EA" if unit == "C62" else unit,
        conversion_rule=f"x12-units@1:EA->{unit}",
    )


def envelope(entity_type: str, entity_id: str, version: int = 1, **changes) -> Envelope:
    fields = {
        "event_id": UUID(int=hash((entity_type, entity_id, version)) & (2**128 - 1)),
        "event_type": f"{entity_type}.updated",
        "schema_version": 1,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_version": version,
        "producer_system": "erp:sap-prod",
        "occurred_at": OCCURRED,
        "occurred_at_source": None,
        "ingested_at": OCCURRED + timedelta(seconds=3),
        "correlation_id": f"corr-{entity_id}",
        "causation_id": None,
        "idempotency_key": f"{entity_type}:{entity_id}:{version}",
        "quality_flags": [],
        "provenance": Provenance(
            source_document_ids=[f"DOC-{entity_id}"],
            raw_topic="raw.webhook",
            raw_partition=0,
            raw_offset=7,
            payload_sha256="c" * 64,
            adapter_version="1",
            transform_version=f"{entity_type}@1",
            mapping_versions={"units": "1"},
        ),
    }
    fields.update(changes)
    return Envelope(**fields)


def _line(number: str) -> OrderLine:
    return OrderLine(
        line_number=number,
        product_id="ACME:SKU-1",
        product_ids=[ProductId(qualifier="VP", value="SKU-1")],
        quantity_ordered=quantity("12"),
        requested_delivery_at=OCCURRED + timedelta(days=3),
    )


def payloads() -> dict[str, object]:
    """Return one payload per entity type, with optional parts filled in."""
    return {
        "product": Product(
            product_id="ACME:SKU-1", status=ProductStatus.ACTIVE, sku="SKU-1",
            gtin="00012345678905", identifiers=[ProductId(qualifier="UP", value="012345678905")],
            description="Widget, blue", brand="Acme", category="widgets", base_unit="C62",
            net_weight=quantity("0.25", "KGM"), gross_weight=None, hazmat_class=None,
            country_of_origin="DE",
        ),
        "location": Location(
            location_id="DC-EAST", status=LocationStatus.ACTIVE, name="East DC", kind="warehouse",
            gln="4012345000009", parent_location_id=None, address_lines=["1 Dock Rd"],
            city="Newark", region="NJ", postal_code="07114", country="US",
            time_zone="America/New_York",
        ),
        "inventory-snapshot": InventorySnapshot(
            location_id="DC-EAST", product_id="ACME:SKU-1", lot_number="L42",
            stock_status=StockStatus.UNRESTRICTED, as_of=OCCURRED,
            on_hand=quantity("100"), reserved=quantity("30"), available=quantity("65"),
        ),
        "inventory-movement": InventoryMovement(
            movement_id="MV-1", movement_type=MovementType.TRANSFER, status=MovementStatus.POSTED,
            product_id="ACME:SKU-1", lot_number=None, quantity=quantity("5"),
            from_location_id="DC-EAST", to_location_id="STORE-9",
            from_stock_status=StockStatus.UNRESTRICTED, to_stock_status=StockStatus.IN_TRANSIT,
            reason_code=None, moved_at=OCCURRED, references=[Reference(qualifier="PO", value="1")],
        ),
        "customer-order": CustomerOrder(
            order_id="SO-1", status=CustomerOrderStatus.CONFIRMED, customer_id="C-7",
            channel="web", ordered_at=OCCURRED, requested_delivery_at=None,
            ship_from_location_id="DC-EAST", ship_to=Party(role="ST", name="Jane", city="Austin"),
            carrier_scac="ABCD", lines=[_line("1"), _line("2")],
        ),
        "purchase-order": PurchaseOrder(
            purchase_order_id="ACME:4500012345", purchase_order_number="4500012345",
            status=PurchaseOrderStatus.ACKNOWLEDGED, supplier_id="SUP-3",
            ship_to_location_id="DC-EAST", ordered_at=OCCURRED, requested_delivery_at=None,
            confirmed_delivery_at=OCCURRED + timedelta(days=10), supplier_order_number="SO-99",
            lines=[_line("10")],
        ),
        "shipment": Shipment(
            shipment_id="SH-1", status=ShipmentStatus.IN_TRANSIT, purpose_code="00",
            structure_code="0001", shipped_at=OCCURRED, shipped_at_local="20260301 1430",
            carrier_scac="ABCD", transport_method="M", gross_weight=quantity("120.5", "LBR"),
            packs=[ShipmentPack(hl_id="3", parent_hl_id="2", level_code="P",
                                sscc="00012345600000000017")],
            lines=[ShipmentLine(hl_id="4", parent_hl_id="3", order_hl_id="2", pack_hl_id="3",
                                line_number="1", product_ids=[ProductId(qualifier="UP", value="1")],
                                quantity_shipped=quantity("24"))],
        ),
        "receipt": Receipt(
            receipt_id="RC-1", status=ReceiptStatus.RECEIVED, location_id="DC-EAST",
            shipment_id="ACME:SH-1", purchase_order_id="ACME:4500012345", received_at=OCCURRED,
            lines=[ReceiptLine(line_number="1", product_id="ACME:SKU-1", product_ids=[],
                               lot_number="L42", sscc=None, quantity_received=quantity("22"),
                               quantity_damaged=quantity("2"))],
        ),
        "return": Return(
            return_id="RMA-5", status=ReturnStatus.INSPECTED, customer_id="C-7", order_id="SO-1",
            return_location_id="DC-EAST", requested_at=OCCURRED, received_at=OCCURRED,
            lines=[ReturnLine(line_number="1", product_id="ACME:SKU-1", product_ids=[],
                              quantity=quantity("1"), reason_code="DAMAGED",
                              disposition=ReturnDisposition.SCRAP)],
        ),
        "exception-event": ExceptionReport(
            exception_id="EX-1", status=ExceptionStatus.OPEN, severity=ExceptionSeverity.WARNING,
            kind="receipt.short", subject_entity_type="receipt", subject_entity_id="RC-1",
            detected_at=OCCURRED, description="2 cases short",
            # Only reason_code is set, so these fields would also fit DelayDetails,
            # the union's first record branch.
            details=QuantityDiscrepancy(reason_code="SHORT"),
            resolution=None, resolved_at=None,
        ),
    }


def sample_events() -> dict[str, CanonicalEvent]:
    """Return one typed event per entity type, keyed by entity type."""
    events = {}
    for entity_type, payload in payloads().items():
        key = next(iter(type(payload).ownership.keys))
        events[entity_type] = event_class(entity_type)(
            envelope=envelope(entity_type, str(getattr(payload, key))), payload=payload
        )
    return events
