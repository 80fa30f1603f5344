"""Shopify order webhooks as raw scmflow records: generation, topic setup and produce.

Each event is one ``orders/updated`` body of about 1 KB for one of ``entities``
order ids. Every 20th record is a resend: the same body and event id as a record
shortly before it, with a new ``received_at``, as a sender's retry looks.
"""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

H_PRODUCED_AT_NS = "bench.produced_at_ns"
"""Wall-clock produce time of the raw record, nanoseconds since the Unix epoch."""
RESEND_EVERY = 20
SHOP = "bench-shop.myshopify.com"
_BASE_TIME = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RawEvent:
    event_id: str
    key: bytes
    value: bytes
    resend: bool


def _order_body(order_id: int, sequence: int) -> bytes:
    updated = _BASE_TIME + timedelta(minutes=sequence)
    quantity = 1 + sequence % 5
    order = {
        "id": order_id,
        "name": f"#{order_id}",
        "order_number": order_id,
        "email": f"customer{order_id % 977}@example.com",
        "created_at": "2024-05-01T08:00:00-05:00",
        "updated_at": updated.isoformat(),
        "cancelled_at": None,
        "confirmed": True,
        "fulfillment_status": None,
        "financial_status": "paid",
        "currency": "USD",
        "total_price": f"{quantity * 199 + 11.94:.2f}",
        "subtotal_price": f"{quantity * 199:.2f}",
        "total_tax": "11.94",
        "total_discounts": "0.00",
        "source_name": "web",
        "location_id": None,
        "note": "Leave the parcel at the back door",
        "tags": "bench, repeat-customer",
        "customer": {"id": 200000000 + order_id % 5000},
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
                "id": 466157049 + line,
                "sku": f"SKU-{(order_id + line) % 1000:04d}",
                "quantity": quantity,
                "variant_id": 39072856 + line,
                "product_id": 632910392 + line,
                "price": "199.00",
            }
            for line in range(2)
        ],
    }
    return json.dumps(order, separators=(",", ":")).encode("utf-8")


def generate(count: int, entities: int, start: int = 0) -> list[RawEvent]:
    """Return ``count`` records, 1 in ``RESEND_EVERY`` of them a resend of a recent record."""
    events: list[RawEvent] = []
    unique = start
    for position in range(count):
        if position % RESEND_EVERY == RESEND_EVERY - 1 and position >= 8:
            original = events[position - 7]
            events.append(RawEvent(original.event_id, original.key, original.value, True))
            continue
        order_id = 1_000_000 + unique % entities
        sequence = unique // entities
        events.append(
            RawEvent(
                event_id=f"bench-{unique}",
                key=str(order_id).encode(),
                value=_order_body(order_id, sequence),
                resend=False,
            )
        )
        unique += 1
    return events


def raw_headers(event: RawEvent) -> list[tuple[str, bytes]]:
    """Headers the webhook ingress writes on a Shopify ``orders/updated`` delivery."""
    received_at = datetime.now(UTC).isoformat(timespec="microseconds")
    return [
        ("scmflow.source", b"webhook"),
        ("scmflow.partner", b"shopify"),
        ("scmflow.document_type", b"shopify.orders/updated"),
        ("scmflow.received_at", received_at.encode()),
        ("scmflow.adapter_version", b"1"),
        ("scmflow.webhook.event_id", event.event_id.encode()),
        ("scmflow.webhook.event_id_origin", b"header"),
        ("scmflow.webhook.topic", b"orders/updated"),
        ("scmflow.webhook.origin", SHOP.encode()),
        ("scmflow.webhook.api_version", b"2024-04"),
    ]


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in names]
    )
    for future in futures.values():
        future.result(30)


def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic whose name starts with ``prefix`` (this run's topics only)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [name for name in admin.list_topics(timeout=10).topics if name.startswith(prefix)]
    if names:
        for future in admin.delete_topics(names).values():
            try:
                future.result(30)
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass


class RawProducer:
    """Idempotent producer that stamps each record with its produce time."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "enable.idempotence": True,
                "linger.ms": 5,
                "compression.type": "none",
            }
        )
        self.first_produced_ns: dict[str, int] = {}

    def send(self, topic: str, event: RawEvent) -> None:
        now = time.time_ns()
        self.first_produced_ns.setdefault(event.event_id, now)
        headers = raw_headers(event)
        headers.append((H_PRODUCED_AT_NS, str(now).encode()))
        while True:
            try:
                self.producer.produce(topic, event.value, event.key, headers=headers)
                return
            except BufferError:
                self.producer.poll(0.05)

    def produce_all(self, topic: str, events: list[RawEvent]) -> None:
        for event in events:
            self.send(topic, event)
        self.flush()

    def produce_paced(self, topic: str, events: list[RawEvent], rate_per_s: float) -> None:
        started = time.monotonic()
        for index, event in enumerate(events):
            due = started + index / rate_per_s
            delay = due - time.monotonic()
            if delay > 0:
                self.producer.poll(min(delay, 0.01))
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self.send(topic, event)
            self.producer.poll(0)
        self.flush()

    def flush(self) -> None:
        remaining = self.producer.flush(60)
        if remaining:
            raise RuntimeError(f"{remaining} raw records were not acknowledged within 60 s")
