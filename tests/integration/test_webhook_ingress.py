"""The webhook ingress over real HTTP on 127.0.0.1, against the real broker and Redis.

Each test publishes to a topic of its own, created here and deleted afterwards,
and keeps its Redis ledger keys under a prefix of its own.
"""

import http.client
import json
import socket
import threading
import time
import uuid

import pytest
import redis
from confluent_kafka.admin import AdminClient, NewTopic

from adapters.webhooks import (
    AcknowledgedPublisher,
    DeliveryLedger,
    IngressSettings,
    WebhookHTTPServer,
    WebhookIngress,
)
from adapters.webhooks.signatures import sign_base64_body, sign_easypost, sign_timestamped
from processors.runtime.dlq import decode_headers
from scmflow.inspect import read_committed

pytestmark = pytest.mark.integration

SECRETS = {
    "shopify": ("shopify-secret",),
    "woocommerce": ("woo-secret", "woo-old-secret"),
    "easypost": ("sécret",),
    "ups": ("ups-secret",),
    "shippo": ("shippo-secret",),
}
ORDER = {"id": 450789469, "created_at": "2024-03-01T10:00:00-05:00", "total_price": "409.94"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def encode(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> dict:
        return json.loads(self.body)


class RunningServer:
    """A WebhookHTTPServer on a free port of 127.0.0.1, served by a thread."""

    def __init__(self, server: WebhookHTTPServer) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def ingress(self) -> WebhookIngress:
        return self.server.ingress

    def request(self, method: str, path: str, body: bytes = b"", headers=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            reply = connection.getresponse()
            return Response(reply.status, dict(reply.getheaders()), reply.read())
        finally:
            connection.close()

    def post(self, source: str, body: bytes, headers: dict[str, str]) -> Response:
        return self.request("POST", f"/webhooks/{source}", body, headers)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def topic(kafka_bootstrap):
    name = f"test.webhook.{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(30)
    yield name
    admin.delete_topics([name])[name].result(30)


@pytest.fixture
def key_prefix(redis_url):
    prefix = f"test:webhook:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def start_server(kafka_bootstrap, redis_url, topic, key_prefix):
    running: list[RunningServer] = []

    def start(
        *,
        bootstrap: str | None = None,
        ledger_url: str | None = None,
        delivery_timeout_s: float = 10.0,
        max_body_bytes: int = 1024 * 1024,
    ) -> RunningServer:
        ingress = WebhookIngress(
            secrets=SECRETS,
            publisher=AcknowledgedPublisher(
                bootstrap or kafka_bootstrap, delivery_timeout_s=delivery_timeout_s
            ),
            settings=IngressSettings(topic=topic, max_body_bytes=max_body_bytes),
            ledger=DeliveryLedger.from_url(ledger_url or redis_url, key_prefix=key_prefix),
        )
        server = RunningServer(WebhookHTTPServer(("127.0.0.1", 0), ingress))
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def server(start_server) -> RunningServer:
    return start_server()


def records(bootstrap: str, topic: str) -> list:
    return list(read_committed(bootstrap, {(topic, 0): 0}))


def shopify_headers(body: bytes, webhook_id: str = "wh-1", secret: str = "shopify-secret"):
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "shop.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "2024-07",
        "X-Shopify-Hmac-Sha256": sign_base64_body(secret, body),
    }


def ups_body(tracking_number: str = "1Z204W4R0308071865") -> bytes:
    return encode(
        {
            "trackingNumber": tracking_number,
            "activityStatus": {"type": "D", "code": "FS", "descriptionCode": "011"},
            "gmtActivityDate": "20240423",
            "gmtActivityTime": "135004",
        }
    )


def test_signed_shopify_order_is_published(server, kafka_bootstrap, topic):
    body = encode(ORDER)

    response = server.post("shopify", body, shopify_headers(body))

    assert response.status == 200
    assert response.json() == {"accepted": True, "duplicate": False, "event_id": "wh-1"}
    (record,) = records(kafka_bootstrap, topic)
    assert record.value() == body
    assert record.key() == b"450789469"
    headers = decode_headers(record.headers())
    assert headers["scmflow.source"] == "webhook"
    assert headers["scmflow.partner"] == "shopify"
    assert headers["scmflow.document_type"] == "shopify.orders/create"
    assert headers["scmflow.webhook.event_id"] == "wh-1"
    assert headers["scmflow.webhook.topic"] == "orders/create"
    assert headers["scmflow.webhook.origin"] == "shop.myshopify.com"
    assert headers["scmflow.webhook.api_version"] == "2024-07"
    assert len(headers["scmflow.payload_sha256"]) == 64
    assert headers["scmflow.received_at"].endswith("+00:00")


def test_each_provider_scheme_is_accepted(server, kafka_bootstrap, topic):
    now = int(time.time())
    easypost = encode(
        {
            "id": "evt_1",
            "object": "Event",
            "description": "tracker.updated",
            "result": {"object": "Tracker", "tracking_code": "EZ1000000001"},
        }
    )
    woocommerce = encode({"id": 727, "status": "processing"})
    shippo = encode(
        {
            "event": "track_updated",
            "data": {
                "tracking_number": "9205",
                "tracking_status": {"status": "TRANSIT", "status_date": "2016-12-07T19:04:00Z"},
            },
        }
    )
    deliveries = [
        ("easypost", easypost, {"X-Hmac-Signature": sign_easypost("sécret", easypost)}),
        (
            "woocommerce",
            woocommerce,
            {
                "X-WC-Webhook-Topic": "order.updated",
                "X-WC-Webhook-Delivery-ID": "d-1",
                "X-WC-Webhook-Source": "https://shop.example/",
                # Signed with the second secret: a list of secrets allows rotation.
                "X-WC-Webhook-Signature": sign_base64_body("woo-old-secret", woocommerce),
            },
        ),
        (
            "ups",
            ups_body(),
            {"X-Scmflow-Signature": sign_timestamped("ups-secret", ups_body(), now)},
        ),
        (
            "shippo",
            shippo,
            {"Shippo-Auth-Signature": sign_timestamped("shippo-secret", shippo, now)},
        ),
    ]

    statuses = [server.post(source, body, headers).status for source, body, headers in deliveries]

    assert statuses == [200, 200, 200, 200]
    published = {
        decode_headers(r.headers())["scmflow.partner"]: r for r in records(kafka_bootstrap, topic)
    }
    assert published["easypost"].key() == b"EZ1000000001"
    assert published["woocommerce"].key() == b"727"
    assert published["ups"].key() == b"1Z204W4R0308071865"
    assert published["shippo"].key() == b"9205"
    assert decode_headers(published["ups"].headers())["scmflow.webhook.event_id"] == (
        "1Z204W4R0308071865|20240423135004|D/FS"
    )
    assert decode_headers(published["woocommerce"].headers())["scmflow.document_type"] == (
        "woocommerce.order.updated"
    )


def test_bad_signature_is_rejected_unpublished(server, kafka_bootstrap, topic):
    body = encode(ORDER)
    forged = shopify_headers(body, secret="wrong-secret")

    response = server.post("shopify", body, forged)
    accepted = server.post("shopify", body, shopify_headers(body, webhook_id="after"))

    assert response.status == 401
    assert response.json()["error"] == "signature_invalid"
    assert accepted.status == 200
    published = records(kafka_bootstrap, topic)
    assert [decode_headers(r.headers())["scmflow.webhook.event_id"] for r in published] == ["after"]


def test_missing_signature_is_rejected(server):
    body = encode(ORDER)
    headers = shopify_headers(body)
    del headers["X-Shopify-Hmac-Sha256"]

    response = server.post("shopify", body, headers)

    assert response.status == 401
    assert response.json()["error"] == "signature_missing"


def test_body_changed_after_signing_is_rejected(server):
    body = encode(ORDER)
    headers = shopify_headers(body)

    response = server.post("shopify", body.replace(b"409.94", b"1.00"), headers)

    assert response.status == 401
    assert response.json()["error"] == "signature_invalid"


def test_stale_timestamp_is_rejected(server, kafka_bootstrap, topic):
    body = ups_body()
    old = sign_timestamped("ups-secret", body, int(time.time()) - 1000)
    future = sign_timestamped("ups-secret", body, int(time.time()) + 1000)

    replayed = server.post("ups", body, {"X-Scmflow-Signature": old})
    early = server.post("ups", body, {"X-Scmflow-Signature": future})

    assert replayed.status == 401
    assert replayed.json()["error"] == "timestamp_stale"
    assert early.json()["error"] == "timestamp_stale"
    assert records(kafka_bootstrap, topic) == []


def test_timestamp_is_covered_by_signature(server):
    body = ups_body()
    signed = sign_timestamped("ups-secret", body, int(time.time()) - 1000)
    moved = signed.replace(signed.split(",")[0], f"t={int(time.time())}")

    response = server.post("ups", body, {"X-Scmflow-Signature": moved})

    assert response.status == 401
    assert response.json()["error"] == "signature_invalid"


def test_oversized_body_is_rejected(start_server, kafka_bootstrap, topic):
    small = start_server(max_body_bytes=1024)
    body = encode({**ORDER, "note": "x" * 4000})

    response = small.post("shopify", body, shopify_headers(body))

    assert response.status == 413
    assert response.json()["error"] == "body_too_large"
    assert records(kafka_bootstrap, topic) == []


def test_malformed_bodies_are_rejected(server, kafka_bootstrap, topic):
    cases = {
        "not JSON": b"<order/>",
        "JSON array": b"[1, 2]",
        "not UTF-8": b"\xff\xfe{}",
    }
    for case, body in cases.items():
        response = server.post("shopify", body, shopify_headers(body, webhook_id=case))
        assert response.status == 400, case
        assert response.json()["error"] == "body_invalid", case

    no_id = encode({"object": "Event", "description": "tracker.updated"})
    response = server.post("easypost", no_id, {"X-Hmac-Signature": sign_easypost("sécret", no_id)})
    assert response.status == 400
    assert "id" in response.json()["message"]
    assert records(kafka_bootstrap, topic) == []


def test_unknown_source_and_wrong_method(server):
    unknown = server.post("fedex", b"{}", {})
    wrong_method = server.request("GET", "/webhooks/shopify")
    elsewhere = server.request("POST", "/orders", b"{}")

    assert unknown.status == 404
    assert unknown.json()["error"] == "source_unknown"
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "POST"
    assert elsewhere.status == 404


def test_repeated_delivery_is_published_once(server, kafka_bootstrap, topic):
    body = encode(ORDER)
    headers = shopify_headers(body, webhook_id="wh-repeat")

    first = server.post("shopify", body, headers)
    second = server.post("shopify", body, headers)

    assert first.json()["duplicate"] is False
    assert second.status == 200
    assert second.json() == {"accepted": True, "duplicate": True, "event_id": "wh-repeat"}
    assert len(records(kafka_bootstrap, topic)) == 1
    assert server.ingress.request_counts()[("shopify", 200)] == 2


def test_shopify_event_id_is_qualified_by_topic(server, kafka_bootstrap, topic):
    body = encode(ORDER)
    created = {**shopify_headers(body), "X-Shopify-Event-Id": "ev-1"}
    paid = {**created, "X-Shopify-Topic": "orders/paid"}

    statuses = [
        server.post("shopify", body, headers).json()["duplicate"]
        for headers in (created, paid, paid)
    ]

    assert statuses == [False, False, True]
    assert len(records(kafka_bootstrap, topic)) == 2


def test_woocommerce_ping_is_answered_unpublished(server, kafka_bootstrap, topic):
    response = server.post(
        "woocommerce", b"webhook_id=42", {"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status == 200
    assert response.json() == {"ping": True}
    assert records(kafka_bootstrap, topic) == []


def test_broker_down_is_not_acknowledged(start_server, redis_url, key_prefix):
    unreachable = start_server(bootstrap=f"127.0.0.1:{free_port()}", delivery_timeout_s=2.0)
    body = encode(ORDER)

    started = time.monotonic()
    response = unreachable.post("shopify", body, shopify_headers(body, webhook_id="wh-down"))
    elapsed = time.monotonic() - started

    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json()["error"] in {"delivery_failed", "delivery_timeout"}
    assert elapsed < 10
    ledger_key = unreachable.ingress.ledger.key("shopify", "wh-down")
    assert not redis.Redis.from_url(redis_url).exists(ledger_key)


def test_redis_down_still_publishes(start_server, kafka_bootstrap, topic):
    forgetful = start_server(ledger_url=f"redis://127.0.0.1:{free_port()}/0")
    body = encode(ORDER)
    headers = shopify_headers(body, webhook_id="wh-no-redis")

    first = forgetful.post("shopify", body, headers)
    second = forgetful.post("shopify", body, headers)

    assert first.status == 200
    assert second.status == 200
    assert second.json()["duplicate"] is False
    assert len(records(kafka_bootstrap, topic)) == 2
