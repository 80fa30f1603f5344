"""`scmflow normalize --format <webhook provider>` on webhook bodies written here."""

import io
import json

from scmflow.preview import EXIT_OK, EXIT_REJECTED, run_preview

SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#9999",
    "created_at": "2026-03-01T09:30:00-05:00",
    "updated_at": "2026-03-01T09:31:00-05:00",
    "currency": "USD",
    "total_price": "39.98",
    "financial_status": "paid",
    "fulfillment_status": None,
    "customer": {"id": 115310627314723954, "email": "buyer@example.com"},
    "line_items": [
        {"id": 1, "sku": "SKU-RED", "quantity": 2, "price": "19.99", "title": "Red widget"}
    ],
}


def preview(tmp_path, body: bytes, fmt: str, topic: str | None = None):
    path = tmp_path / "body.json"
    path.write_bytes(body)
    out, err = io.StringIO(), io.StringIO()
    code = run_preview([str(path)], fmt, out, err, webhook_topic=topic)
    return code, out.getvalue(), err.getvalue()


def test_shopify_order_becomes_customer_order(tmp_path):
    code, out, err = preview(
        tmp_path, json.dumps(SHOPIFY_ORDER).encode(), "shopify", "orders/create"
    )
    assert code == EXIT_OK, err
    [line] = out.splitlines()
    event = json.loads(line)
    assert event["envelope"]["entity_type"] == "customer-order"
    assert event["envelope"]["entity_id"].endswith("820982911946154508")


def test_shopify_without_topic_rejected(tmp_path):
    code, out, err = preview(tmp_path, json.dumps(SHOPIFY_ORDER).encode(), "shopify")
    assert code == EXIT_REJECTED
    assert out == ""
    assert "code=WEBHOOK_BODY_INVALID" in err
    assert "X-Shopify-Topic" in err


def test_non_json_body_rejected(tmp_path):
    code, _, err = preview(tmp_path, b"<xml/>", "easypost")
    assert code == EXIT_REJECTED
    assert "code=WEBHOOK_BODY_INVALID" in err
    assert "not JSON" in err
