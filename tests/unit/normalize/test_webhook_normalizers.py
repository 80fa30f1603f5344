"""Webhook normalizers: carrier tracking, Shopify and WooCommerce bodies to canonical events."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest

from canonical.avro import decode, encode
from canonical.errors import ErrorCode, RecordError
from canonical.exception_event import ExceptionReport
from canonical.inventory import InventorySnapshot, StockStatus
from canonical.orders import CustomerOrder, CustomerOrderStatus
from canonical.returns import Return, ReturnDisposition, ReturnStatus
from canonical.shipment import Shipment, ShipmentStatus
from processors.normalize import RawRecord, normalize
from processors.normalize.reference_data import ReferenceDataError
from processors.normalize.webhooks import normalize_webhook
from processors.normalize.webhooks.mappings import load_carrier_status_table

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples"
RECEIVED_AT = "2024-05-01T12:00:00.000000+00:00"
_offsets = count()


def raw(
    provider: str,
    document_type: str,
    body: dict | list | bytes,
    *,
    event_id: str | None = None,
    origin: str | None = None,
) -> RawRecord:
    headers = {
        "scmflow.source": "webhook",
        "scmflow.partner": provider,
        "scmflow.document_type": f"{provider}.{document_type}",
        "scmflow.received_at": RECEIVED_AT,
        "scmflow.adapter_version": "1",
    }
    if event_id:
        headers["scmflow.webhook.event_id"] = event_id
    if origin:
        headers["scmflow.webhook.origin"] = origin
    value = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    return RawRecord("raw.webhook", 0, next(_offsets), None, value, headers, None)


def reject(record: RawRecord) -> RecordError:
    with pytest.raises(RecordError) as caught:
        normalize_webhook(record)
    return caught.value


def references(payload) -> dict[str, str]:
    return {reference.qualifier: reference.value for reference in payload.references}


def assert_encodes(events) -> None:
    for event in events:
        assert decode(encode(event)) == event


def ups_body(status_type="I", code="OT", description_code="021", gmt_time="131519"):
    return {
        "trackingNumber": "1Z204W4R0308071865",
        "localActivityDate": "20240423",
        "localActivityTime": "091519",
        "activityLocation": {"city": "Charlotte", "stateProvince": "NC", "country": "US"},
        "activityStatus": {
            "type": status_type,
            "code": code,
            "description": "Out for Delivery",
            "descriptionCode": description_code,
        },
        "gmtActivityDate": "20240423",
        "gmtActivityTime": gmt_time,
    }


# Carriers --------------------------------------------------------------------------------


def test_ups_scan_becomes_status_event():
    (event,) = normalize_webhook(raw("ups", "track_alert", ups_body(description_code="011")))

    assert isinstance(event.payload, Shipment)
    assert event.payload.status is ShipmentStatus.IN_TRANSIT
    assert event.payload.shipment_id == "1Z204W4R0308071865"
    assert event.envelope.entity_id == "ups:1Z204W4R0308071865"
    assert event.envelope.event_type == "shipment.status_updated"
    assert event.envelope.occurred_at == datetime(2024, 4, 23, 13, 15, 19, tzinfo=UTC)
    assert "local 20240423 091519" in event.envelope.occurred_at_source
    assert references(event.payload)["ups.activity_status.descriptionCode"] == "011"
    assert event.payload.carrier_scac == "UPSN"
    assert event.payload.parties[0].city == "Charlotte"
    assert event.envelope.producer_system == "carrier:ups"
    assert event.envelope.provenance.mapping_versions == {"carrier-status": "1"}
    assert_encodes([event])


def test_ups_exception_raises_exception_event():
    events = normalize_webhook(raw("ups", "track_alert", ups_body(status_type="X", code="RF")))

    assert [type(event.payload) for event in events] == [Shipment, ExceptionReport]
    shipment, exception = events
    assert shipment.payload.status is ShipmentStatus.IN_EXCEPTION
    assert exception.payload.kind == "shipment.carrier_exception"
    assert exception.payload.subject_entity_id == shipment.envelope.entity_id
    assert exception.envelope.entity_type == "exception-event"
    assert exception.envelope.idempotency_key != shipment.envelope.idempotency_key
    assert_encodes(events)


def test_ups_unmapped_status_is_mapping_missing():
    error = reject(raw("ups", "track_alert", ups_body(status_type="NA")))

    assert error.code is ErrorCode.MAPPING_MISSING
    assert error.field_path == "activityStatus.type"
    assert "'NA'" in error.message


def test_ups_numeric_status_code_is_flagged():
    body = ups_body()
    body["activityStatus"]["descriptionCode"] = 21

    (event,) = normalize_webhook(raw("ups", "track_alert", body))

    assert "ups.status_code_not_string" in event.envelope.quality_flags
    assert references(event.payload)["ups.activity_status.descriptionCode"] == "21"


def test_ups_missing_gmt_time_uses_ingestion_time():
    body = ups_body()
    del body["gmtActivityTime"]

    (event,) = normalize_webhook(raw("ups", "track_alert", body))

    assert event.envelope.occurred_at == datetime.fromisoformat(RECEIVED_AT)
    assert "ups.gmt_time_missing" in event.envelope.quality_flags


def easypost_event(event_id: str, details: list[dict]) -> dict:
    return {
        "id": event_id,
        "object": "Event",
        "description": "tracker.updated",
        "result": {
            "id": "trk_1",
            "object": "Tracker",
            "tracking_code": "9400100000000000000000",
            "carrier": "USPS",
            "status": details[-1]["status"] if details else "unknown",
            "updated_at": "2024-08-02T19:26:51Z",
            "tracking_details": details,
        },
    }


def detail(status: str, when: str) -> dict:
    return {
        "object": "TrackingDetail",
        "status": status,
        "status_detail": "arrived_at_facility",
        "message": f"{status} scan",
        "datetime": when,
        "carrier_code": "AR",
        "tracking_location": {"city": "ORLANDO", "state": "FL", "zip": "32809", "country": "US"},
    }


def test_easypost_scans_ordered_by_carrier_time():
    details = [
        detail("in_transit", "2024-08-01T14:42:13Z"),
        detail("pre_transit", "2024-07-31T15:00:00Z"),
        detail("delivered", "2024-08-02T18:50:00Z"),
    ]

    events = normalize_webhook(raw("easypost", "tracker.updated", easypost_event("evt_1", details)))

    assert [event.payload.status for event in events] == [
        ShipmentStatus.MANIFESTED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELIVERED,
    ]
    assert [event.envelope.occurred_at.day for event in events] == [31, 1, 2]
    assert all(event.envelope.entity_id == "usps:9400100000000000000000" for event in events)
    assert events[0].payload.carrier_scac == "USPS"
    assert references(events[0].payload)["easypost.carrier_code"] == "AR"
    assert len({event.envelope.event_id for event in events}) == 3
    assert_encodes(events)


def test_easypost_resent_history_keeps_idempotency_keys():
    first = [detail("pre_transit", "2024-07-31T15:00:00Z")]
    second = [*first, detail("in_transit", "2024-07-31T19:27:00Z")]

    earlier = normalize_webhook(raw("easypost", "tracker.updated", easypost_event("evt_1", first)))
    later = normalize_webhook(raw("easypost", "tracker.updated", easypost_event("evt_2", second)))

    earlier_keys = {event.envelope.idempotency_key for event in earlier}
    later_keys = {event.envelope.idempotency_key for event in later}
    assert earlier_keys < later_keys
    assert len(later_keys) == 2


def test_easypost_tracker_without_details_uses_tracker_status():
    (event,) = normalize_webhook(raw("easypost", "tracker.created", easypost_event("evt_3", [])))

    assert event.payload.status is ShipmentStatus.CREATED
    assert event.envelope.occurred_at == datetime(2024, 8, 2, 19, 26, 51, tzinfo=UTC)


def test_easypost_batch_event_is_unsupported():
    body = {"id": "evt_9", "object": "Event", "description": "batch.updated", "result": {}}

    error = reject(raw("easypost", "batch.updated", body))

    assert error.code is ErrorCode.WEBHOOK_UNSUPPORTED_EVENT
    assert error.field_path == "description"


def shippo_status(status: str, when: str, object_id: str) -> dict:
    return {
        "object_id": object_id,
        "status": status,
        "status_details": f"{status} at the facility",
        "status_date": when,
        "location": {"city": "Berkeley", "state": "CA", "zip": "94705", "country": "US"},
    }


def test_shippo_current_status_repeating_history_is_kept_once():
    track = {
        "carrier": "usps",
        "tracking_number": "9205590164917337534322",
        "tracking_status": shippo_status("DELIVERED", "2016-12-08T15:19:00Z", "b79e"),
        "tracking_history": [
            shippo_status("TRANSIT", "2016-12-07T19:04:00Z", "d079"),
            shippo_status("DELIVERED", "2016-12-08T15:19:00Z", "a940"),
        ],
    }
    body = {"event": "track_updated", "test": True, "data": track}

    events = normalize_webhook(raw("shippo", "track_updated", body))

    assert [event.payload.status for event in events] == [
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELIVERED,
    ]
    assert events[0].envelope.entity_id == "usps:9205590164917337534322"
    assert references(events[1].payload)["shippo.object_id"] == "a940"
    assert_encodes(events)


def test_shippo_failure_status_raises_exception_event():
    track = {
        "carrier": "usps",
        "tracking_number": "9205",
        "tracking_status": shippo_status("FAILURE", "2016-12-08T15:19:00Z", "f1"),
    }

    events = normalize_webhook(raw("shippo", "track_updated", track))

    assert isinstance(events[1].payload, ExceptionReport)
    assert events[1].payload.description == "FAILURE at the facility"


# Shopify ---------------------------------------------------------------------------------


def shopify_order(**changes) -> dict:
    order = {
        "id": 450789469,
        "name": "#1001",
        "order_number": 1001,
        "created_at": "2008-01-10T11:00:00-05:00",
        "updated_at": "2008-01-10T11:30:00-05:00",
        "cancelled_at": None,
        "confirmed": True,
        "fulfillment_status": None,
        "financial_status": "authorized",
        "currency": "USD",
        "total_price": "409.94",
        "subtotal_price": "398.00",
        "total_tax": "11.94",
        "total_discounts": "0.00",
        "source_name": "web",
        "location_id": None,
        "customer": {"id": 207119551},
        "shipping_address": {
            "name": "Bob Norman",
            "address1": "Chestnut Street 92",
            "address2": "",
            "city": "Louisville",
            "province_code": "KY",
            "zip": "40202",
            "country_code": "US",
        },
        "line_items": [
            {
                "id": 466157049,
                "sku": "IPOD2008GREEN",
                "quantity": 2,
                "variant_id": 39072856,
                "product_id": 632910392,
                "price": "199.00",
            },
        ],
    }
    order.update(changes)
    return order


def test_shopify_order_becomes_customer_order():
    record = raw(
        "shopify", "orders/create", shopify_order(), event_id="evt-1", origin="shop.myshopify.com"
    )

    (event,) = normalize_webhook(record)

    order = event.payload
    assert isinstance(order, CustomerOrder)
    assert order.order_id == "450789469"
    assert order.status is CustomerOrderStatus.CONFIRMED
    assert order.customer_id == "207119551"
    assert order.ordered_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert event.envelope.occurred_at == datetime(2008, 1, 10, 16, 30, tzinfo=UTC)
    assert event.envelope.occurred_at_source == "2008-01-10T11:30:00-05:00"
    assert event.envelope.entity_id == "shopify:shop.myshopify.com:450789469"
    assert event.envelope.event_type == "customer-order.created"
    assert event.envelope.producer_system == "shopify:shop.myshopify.com"
    assert event.envelope.correlation_id == "webhook:shopify:evt-1"
    assert order.ship_to.address_lines == ["Chestnut Street 92"]
    assert order.ship_to.region == "KY"
    line = order.lines[0]
    assert line.quantity_ordered.value == Decimal(2)
    assert line.quantity_ordered.unit == "EA"
    assert [(pid.qualifier, pid.value) for pid in line.product_ids][0] == ("SK", "IPOD2008GREEN")
    assert_encodes([event])


def test_shopify_money_kept_as_decimal_strings():
    (event,) = normalize_webhook(raw("shopify", "orders/create", shopify_order(total_price=409.1)))

    values = references(event.payload)
    assert values["total_price"] == "409.1"
    assert values["subtotal_price"] == "398.00"
    assert values["currency"] == "USD"
    assert values["name"] == "#1001"


def test_shopify_type_drift_is_flagged():
    order = shopify_order(location_id="NULL", confirmed="TRUE", taxes_included="FALSE")

    (event,) = normalize_webhook(raw("shopify", "orders/updated", order))

    flags = event.envelope.quality_flags
    assert "webhook.type_drift.null_string" in flags
    assert "webhook.type_drift.boolean_string" in flags
    assert event.payload.ship_from_location_id is None
    assert event.payload.status is CustomerOrderStatus.CONFIRMED


def test_shopify_status_from_fulfillment_and_cancellation():
    cases = {
        "fulfilled": CustomerOrderStatus.SHIPPED,
        "partial": CustomerOrderStatus.PARTIALLY_SHIPPED,
    }
    for fulfillment, expected in cases.items():
        order = shopify_order(fulfillment_status=fulfillment)
        (event,) = normalize_webhook(raw("shopify", "orders/updated", order))
        assert event.payload.status is expected, fulfillment

    cancelled = shopify_order(cancelled_at="2008-01-11T09:00:00-05:00")
    (event,) = normalize_webhook(raw("shopify", "orders/cancelled", cancelled))
    assert event.payload.status is CustomerOrderStatus.CANCELLED
    assert event.envelope.event_type == "customer-order.cancelled"


def test_shopify_unknown_fulfillment_status_is_mapping_missing():
    error = reject(raw("shopify", "orders/updated", shopify_order(fulfillment_status="on_mars")))

    assert error.code is ErrorCode.MAPPING_MISSING
    assert "on_mars" in error.message


def test_shopify_order_idempotency_uses_event_id():
    order = shopify_order()
    first = normalize_webhook(raw("shopify", "orders/updated", order, event_id="e-1"))[0]
    resent = normalize_webhook(raw("shopify", "orders/updated", order, event_id="e-1"))[0]
    other = normalize_webhook(raw("shopify", "orders/updated", order, event_id="e-2"))[0]

    assert first.envelope.idempotency_key == resent.envelope.idempotency_key
    assert first.envelope.idempotency_key != other.envelope.idempotency_key
    assert first.envelope.event_id != resent.envelope.event_id


def test_shopify_refund_becomes_return():
    refund = {
        "id": 509562969,
        "order_id": 450789469,
        "created_at": "2024-03-01T10:00:00-05:00",
        "refund_line_items": [
            {
                "id": 104689539,
                "line_item_id": 703073504,
                "location_id": 487838322,
                "quantity": 1,
                "restock_type": "return",
                "line_item": {"sku": "IPOD2008BLACK", "variant_id": 457924702},
            },
            {
                "id": 104689540,
                "line_item_id": 703073505,
                "quantity": 2,
                "restock_type": "no_restock",
                "line_item": {"sku": "IPOD2008RED"},
            },
        ],
        "transactions": [
            {"amount": "41.94", "currency": "USD", "kind": "refund", "status": "success"},
            {"amount": "5.00", "currency": "USD", "kind": "refund", "status": "failure"},
        ],
    }

    (event,) = normalize_webhook(raw("shopify", "refunds/create", refund, origin="s.myshopify.com"))

    returned = event.payload
    assert isinstance(returned, Return)
    assert returned.status is ReturnStatus.REFUNDED
    assert returned.order_id == "450789469"
    assert returned.return_location_id == "shopify:487838322"
    assert [line.disposition for line in returned.lines] == [ReturnDisposition.RESTOCK, None]
    assert [line.reason_code for line in returned.lines] == ["return", "no_restock"]
    assert returned.lines[1].quantity.value == Decimal(2)
    assert references(returned) == {"refund_amount": "41.94", "currency": "USD"}
    assert event.envelope.entity_id == "shopify:s.myshopify.com:refund:509562969"
    assert_encodes([event])


def test_shopify_inventory_level_becomes_snapshot():
    level = {
        "inventory_item_id": 808950810,
        "location_id": 905684977,
        "available": -3,
        "updated_at": "2018-05-07T15:51:26-04:00",
    }

    (event,) = normalize_webhook(raw("shopify", "inventory_levels/update", level))

    snapshot = event.payload
    assert isinstance(snapshot, InventorySnapshot)
    assert snapshot.available.value == Decimal(-3)
    assert snapshot.reserved.value == Decimal(0)
    assert snapshot.stock_status is StockStatus.UNRESTRICTED
    assert snapshot.product_id == "shopify:808950810"
    assert snapshot.as_of == datetime(2018, 5, 7, 19, 51, 26, tzinfo=UTC)
    assert "inventory.only_available_reported" in event.envelope.quality_flags
    assert "webhook.origin_missing" in event.envelope.quality_flags
    assert_encodes([event])


def test_shopify_unsupported_topic_is_rejected():
    error = reject(raw("shopify", "products/update", {"id": 1}))

    assert error.code is ErrorCode.WEBHOOK_UNSUPPORTED_EVENT


# WooCommerce -----------------------------------------------------------------------------


def woocommerce_order(**changes) -> dict:
    order = {
        "id": 727,
        "number": "727",
        "status": "processing",
        "currency": "USD",
        "created_via": "checkout",
        "date_created": "2017-03-22T16:28:02",
        "date_created_gmt": "2017-03-22T19:28:02",
        "date_modified": "2017-03-22T16:28:08",
        "date_modified_gmt": "2017-03-22T19:28:08",
        "total": "29.35",
        "total_tax": "1.35",
        "customer_id": 0,
        "shipping": {
            "first_name": "John",
            "last_name": "Doe",
            "address_1": "969 Market",
            "address_2": "",
            "city": "San Francisco",
            "state": "CA",
            "postcode": "94103",
            "country": "US",
        },
        "line_items": [
            {"id": 315, "product_id": 93, "variation_id": 0, "quantity": 2, "sku": "", "price": 3}
        ],
        "refunds": [],
    }
    order.update(changes)
    return order


def test_woocommerce_gmt_time_without_z_is_utc():
    record = raw(
        "woocommerce", "order.created", woocommerce_order(), origin="https://shop.example/"
    )

    (event,) = normalize_webhook(record)

    order = event.payload
    assert order.ordered_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert "webhook.time_without_offset" not in event.envelope.quality_flags
    assert order.status is CustomerOrderStatus.CONFIRMED
    assert order.customer_id == "guest"
    assert order.ship_to.name == "John Doe"
    assert order.ship_to.postal_code == "94103"
    assert event.envelope.entity_id == "woocommerce:shop.example:727"
    assert [(pid.qualifier, pid.value) for pid in order.lines[0].product_ids] == [
        ("woocommerce.product_id", "93")
    ]
    assert_encodes([event])


def test_woocommerce_local_time_only_is_flagged():
    order = woocommerce_order()
    del order["date_created_gmt"]
    del order["date_modified_gmt"]

    (event,) = normalize_webhook(raw("woocommerce", "order.updated", order))

    assert "webhook.time_without_offset" in event.envelope.quality_flags
    assert event.payload.ordered_at == datetime(2017, 3, 22, 16, 28, 2, tzinfo=UTC)


def test_woocommerce_refunds_become_returns():
    order = woocommerce_order(
        status="refunded",
        customer_id=12,
        refunds=[{"id": 726, "reason": "damaged", "total": "-10.00"}],
    )

    events = normalize_webhook(raw("woocommerce", "order.updated", order))

    assert [type(event.payload) for event in events] == [CustomerOrder, Return]
    assert events[0].payload.status is CustomerOrderStatus.CANCELLED
    returned = events[1].payload
    assert returned.return_id == "726"
    assert returned.customer_id == "12"
    assert references(returned)["refund_amount"] == "-10.00"
    assert "woocommerce.refund_time_from_order" in events[1].envelope.quality_flags
    assert_encodes(events)


def test_woocommerce_unknown_status_is_mapping_missing():
    error = reject(raw("woocommerce", "order.updated", woocommerce_order(status="wc-custom")))

    assert error.code is ErrorCode.MAPPING_MISSING
    assert error.field_path == "status"


def test_woocommerce_managed_product_becomes_snapshot():
    product = {
        "id": 93,
        "sku": "WOO-1",
        "manage_stock": True,
        "stock_quantity": 17,
        "date_modified_gmt": "2024-02-01T08:00:00",
    }

    record = raw("woocommerce", "product.updated", product, origin="shop.example")

    (event,) = normalize_webhook(record)

    assert event.payload.on_hand.value == Decimal(17)
    assert event.payload.location_id == "woocommerce:shop.example"
    assert event.payload.as_of == datetime(2024, 2, 1, 8, 0, tzinfo=UTC)


def test_woocommerce_unmanaged_product_is_unsupported():
    product = {"id": 94, "manage_stock": False, "stock_quantity": None}

    error = reject(raw("woocommerce", "product.updated", product))

    assert error.code is ErrorCode.WEBHOOK_UNSUPPORTED_EVENT
    assert error.field_path == "manage_stock"


# Errors and dispatch ---------------------------------------------------------------------


def test_body_not_json_is_body_invalid():
    error = reject(raw("ups", "track_alert", b"<xml/>"))

    assert error.code is ErrorCode.WEBHOOK_BODY_INVALID


def test_body_json_array_is_body_invalid():
    error = reject(raw("shopify", "orders/create", [shopify_order()]))

    assert error.code is ErrorCode.WEBHOOK_BODY_INVALID
    assert error.field_path == "$"


def test_missing_required_field_names_its_path():
    order = shopify_order()
    order["line_items"][0]["quantity"] = "many"

    error = reject(raw("shopify", "orders/create", order))

    assert error.code is ErrorCode.WEBHOOK_BODY_INVALID
    assert error.field_path == "line_items[0].quantity"


def test_unknown_provider_is_unsupported():
    error = reject(raw("fedex", "track", {}))

    assert error.code is ErrorCode.WEBHOOK_UNSUPPORTED_EVENT
    assert error.field_path == "scmflow.partner"


def test_normalize_dispatches_webhook_source():
    events = normalize(raw("ups", "track_alert", ups_body()))

    assert events[0].envelope.entity_type == "shipment"


def test_carrier_table_rejects_unknown_target(tmp_path):
    table = tmp_path / "carrier-status.yaml"
    table.write_text(
        'version: "9"\nname: carrier-status\nstatuses:\n  ups:\n    D: teleported\n'
        "carrier_scac: {}\n"
    )

    with pytest.raises(ReferenceDataError, match="teleported"):
        load_carrier_status_table(table)


# Public samples --------------------------------------------------------------------------

SAMPLE_TYPES = {
    "ups": "track_alert",
    "shippo": "track_updated",
    "order.json": "orders/create",
    "orders.json": "orders/updated",
    "inventory_level.json": "inventory_levels/update",
    "inventory_item.json": "inventory_items/update",
    "location.json": "locations/update",
    "product.json": "products/update",
    "fulfillment.json": "fulfillments/create",
    "fulfillment_event.json": "fulfillment_events/create",
    "woocommerce": "order.created",
}
EXPECTED_EVENTS = {
    "UPSTrackAlert.webhook.TrackingEvent.example1.json",
    "UPSTrackAlert.webhook.TrackingEvent.example2.json",
    "track_test_get.response.json",
    "order.json",
    "inventory_level.json",
    "order_v3_example_from_docs.json",
}


def sample_files() -> list[Path]:
    folders = [SAMPLES / "carrier_webhooks", SAMPLES / "ecommerce_webhooks"]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.json"))


@pytest.mark.skipif(not sample_files(), reason="public webhook samples are not available")
def test_public_samples_end_as_events_or_coded_rejections():
    outcomes = {}
    for path in sample_files():
        provider = path.parent.name
        document_type = SAMPLE_TYPES.get(path.name) or SAMPLE_TYPES[provider]
        record = raw(provider, document_type, path.read_bytes(), origin="sample.example")
        try:
            events = normalize_webhook(record)
        except RecordError as exc:
            assert exc.code in ErrorCode, path.name
            outcomes[path.name] = exc.code
            continue
        assert events, f"{path.name} produced no events and no rejection"
        assert_encodes(events)
        outcomes[path.name] = len(events)

    produced = {name for name, outcome in outcomes.items() if isinstance(outcome, int)}
    assert EXPECTED_EVENTS <= produced
    assert outcomes["track_test_get.response.json"] == 11
    assert outcomes["product.json"] is ErrorCode.WEBHOOK_UNSUPPORTED_EVENT
