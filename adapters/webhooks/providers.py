"""Per-provider parts of the ingress: the signature check and the description of a delivery.

A delivery is described after its signature has been verified: the event id
used for idempotency, the business key the raw record is keyed by, and the
document type the normalizer dispatches on.

Event ids, per provider:

- Shopify: ``X-Shopify-Event-Id`` qualified by the topic, because one event can
  trigger several topics; else ``X-Shopify-Webhook-Id`` (equal on retries).
- WooCommerce: ``X-WC-Webhook-Delivery-ID``. WooCommerce computes it from the
  webhook id and the current second, so it identifies one request: it catches
  a replayed request but not a second delivery of the same change.
- EasyPost: the Event's ``id`` in the body.
- UPS and Shippo send no event id. It is derived as
  ``<tracking number>|<event time>|<status>`` from the body (UPS: GMT date and
  time, status type and code; Shippo: ``tracking_status.status_date`` and
  ``status``), so a repeated status report gets the same id.

When the expected id is absent, the id is ``sha256:<hex of the body>``.
"""

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.webhooks import signatures
from adapters.webhooks.headers import EVENT_ID_DERIVED, EVENT_ID_FROM_BODY, EVENT_ID_FROM_HEADER

SCMFLOW_SIGNATURE_HEADER = "X-Scmflow-Signature"
WOOCOMMERCE_PING = re.compile(rb"webhook_id=\d+")


class BodyRejected(Exception):
    """A signed body that is not JSON or not the shape the provider sends."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One verified webhook request, described for publishing."""

    event_id: str
    event_id_origin: str
    dedupe_id: str
    """The id the ingress remembers in Redis: ``event_id``, qualified where one id can
    legitimately arrive more than once (Shopify: by topic)."""
    key: str
    """Kafka key of the raw record: order id, tracking number or inventory item and location."""
    document_type: str
    topic: str | None = None
    origin: str | None = None
    api_version: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyContext:
    headers: Mapping[str, str]
    """Request headers with lower-case names."""
    body: bytes
    secrets: tuple[str, ...]
    now: float
    tolerance_s: float


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    verify: Callable[[VerifyContext], None]
    describe: Callable[[Mapping[str, str], dict[str, Any], bytes], Delivery]
    signature_header: str


def _body_digest_id(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _text(value: Any) -> str | None:
    """Return an id or code as text: strings stripped, integers in decimal, anything else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _required_text(document: dict[str, Any], name: str, where: str) -> str:
    value = _text(document.get(name))
    if value is None:
        raise BodyRejected(f"{where} has no {name}; expected a non-empty string or number")
    return value


# Shopify ---------------------------------------------------------------------------------


def _verify_shopify(context: VerifyContext) -> None:
    # Shopify's Events deliveries name the header without the X- prefix.
    header = context.headers.get("x-shopify-hmac-sha256") or context.headers.get(
        "shopify-hmac-sha256"
    )
    signatures.verify_base64_body(header, context.body, context.secrets, "X-Shopify-Hmac-Sha256")
    # NOTE: Shopify signs no timestamp. X-Shopify-Triggered-At is unsigned and keeps the
    # original trigger time on retries, so it cannot bound replays. The ledger of event
    # ids, kept for its TTL, is the only replay defence for Shopify.


def _describe_shopify(headers: Mapping[str, str], body: dict[str, Any], raw: bytes) -> Delivery:
    topic = headers.get("x-shopify-topic", "").strip()
    if not topic:
        raise BodyRejected(
            "header X-Shopify-Topic is missing; it names the event, such as orders/create"
        )
    event_id = headers.get("x-shopify-event-id", "").strip()
    if event_id:
        origin, dedupe_id = EVENT_ID_FROM_HEADER, f"{topic}:{event_id}"
    else:
        event_id = headers.get("x-shopify-webhook-id", "").strip()
        origin, dedupe_id = EVENT_ID_FROM_HEADER, event_id
    if not event_id:
        event_id = dedupe_id = _body_digest_id(raw)
        origin = EVENT_ID_DERIVED
    return Delivery(
        event_id=event_id,
        event_id_origin=origin,
        dedupe_id=dedupe_id,
        key=_shopify_key(topic, body) or event_id,
        document_type=f"shopify.{topic}",
        topic=topic,
        origin=headers.get("x-shopify-shop-domain", "").strip() or None,
        api_version=headers.get("x-shopify-api-version", "").strip() or None,
    )


def _shopify_key(topic: str, body: dict[str, Any]) -> str | None:
    resource = topic.partition("/")[0]
    if resource == "refunds":
        return _text(body.get("order_id"))
    if resource == "inventory_levels":
        item, location = _text(body.get("inventory_item_id")), _text(body.get("location_id"))
        return f"{item}:{location}" if item and location else None
    return _text(body.get("id"))


# WooCommerce -----------------------------------------------------------------------------


def _verify_woocommerce(context: VerifyContext) -> None:
    signatures.verify_base64_body(
        context.headers.get("x-wc-webhook-signature"),
        context.body,
        context.secrets,
        "X-WC-Webhook-Signature",
    )
    # NOTE: WooCommerce signs no timestamp and sends no time header, so replays are only
    # caught by the delivery id ledger, for as long as the ledger keeps the id.


def is_woocommerce_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """Return whether the request is the unsigned ping WooCommerce sends when a webhook is saved.

    WooCommerce posts ``webhook_id=<n>`` without a signature and rejects the
    webhook unless the response status is 200. Nothing is published for it.
    """
    return "x-wc-webhook-signature" not in headers and WOOCOMMERCE_PING.fullmatch(body) is not None


def _describe_woocommerce(headers: Mapping[str, str], body: dict[str, Any], raw: bytes) -> Delivery:
    topic = headers.get("x-wc-webhook-topic", "").strip()
    if not topic:
        raise BodyRejected(
            "header X-WC-Webhook-Topic is missing; it names the event, such as order.created"
        )
    event_id = headers.get("x-wc-webhook-delivery-id", "").strip()
    origin = EVENT_ID_FROM_HEADER
    if not event_id:
        event_id, origin = _body_digest_id(raw), EVENT_ID_DERIVED
    resource_id = _text(body.get("id")) or _text(body.get("arg"))
    return Delivery(
        event_id=event_id,
        event_id_origin=origin,
        dedupe_id=event_id,
        key=resource_id or event_id,
        document_type=f"woocommerce.{topic}",
        topic=topic,
        origin=headers.get("x-wc-webhook-source", "").strip() or None,
    )


# EasyPost --------------------------------------------------------------------------------


def _verify_easypost(context: VerifyContext) -> None:
    signatures.verify_easypost(
        context.headers.get("x-hmac-signature"), context.body, context.secrets, "X-Hmac-Signature"
    )
    # NOTE: X-Hmac-Signature signs no timestamp. EasyPost also documents X-Hmac-Signature-V2
    # over a timestamp, method and path. Its exact construction could not be verified
    # against EasyPost's client libraries, so it is not checked, and only the event id
    # ledger catches replays.


def _describe_easypost(headers: Mapping[str, str], body: dict[str, Any], raw: bytes) -> Delivery:
    event_id = _required_text(body, "id", "the EasyPost event")
    description = _required_text(body, "description", "the EasyPost event")
    result = body.get("result")
    key = None
    if isinstance(result, dict):
        key = _text(result.get("tracking_code")) or _text(result.get("id"))
    return Delivery(
        event_id=event_id,
        event_id_origin=EVENT_ID_FROM_BODY,
        dedupe_id=event_id,
        key=key or event_id,
        document_type=f"easypost.{description}",
        topic=description,
    )


# UPS and Shippo --------------------------------------------------------------------------


def _verify_scmflow_timestamped(context: VerifyContext, header_names: tuple[str, ...]) -> None:
    """Check the first of ``header_names`` present; the last one is named when none is."""
    name = next(
        (name for name in header_names if name.lower() in context.headers), header_names[-1]
    )
    signatures.verify_timestamped(
        context.headers.get(name.lower()),
        context.body,
        context.secrets,
        name,
        now=context.now,
        tolerance_s=context.tolerance_s,
    )


def _verify_ups(context: VerifyContext) -> None:
    _verify_scmflow_timestamped(context, (SCMFLOW_SIGNATURE_HEADER,))


def _verify_shippo(context: VerifyContext) -> None:
    # NOTE: Shippo's HMAC option (enabled on request) is described by third-party
    # integrations as Shippo-Auth-Signature: t=<unix>,v1=<hex HMAC of "t.body">, the same
    # construction as X-Scmflow-Signature; Shippo's own documentation of it could not be read.
    _verify_scmflow_timestamped(context, ("Shippo-Auth-Signature", SCMFLOW_SIGNATURE_HEADER))


def _describe_ups(headers: Mapping[str, str], body: dict[str, Any], raw: bytes) -> Delivery:
    tracking_number = _required_text(body, "trackingNumber", "the UPS tracking event")
    status = body.get("activityStatus")
    if not isinstance(status, dict):
        raise BodyRejected("the UPS tracking event has no activityStatus object")
    when = f"{_text(body.get('gmtActivityDate')) or ''}{_text(body.get('gmtActivityTime')) or ''}"
    code = f"{_text(status.get('type')) or ''}/{_text(status.get('code')) or ''}"
    event_id = f"{tracking_number}|{when}|{code}"
    return Delivery(
        event_id=event_id,
        event_id_origin=EVENT_ID_DERIVED,
        dedupe_id=event_id,
        key=tracking_number,
        document_type="ups.track_alert",
    )


def shippo_track(body: dict[str, Any]) -> dict[str, Any]:
    """Return the track object: ``data`` of a track_updated event, or the body itself."""
    data = body.get("data")
    return data if isinstance(data, dict) else body


def _describe_shippo(headers: Mapping[str, str], body: dict[str, Any], raw: bytes) -> Delivery:
    track = shippo_track(body)
    tracking_number = _required_text(track, "tracking_number", "the Shippo track")
    status = track.get("tracking_status")
    if isinstance(status, dict):
        when = _text(status.get("status_date")) or ""
        event_id = f"{tracking_number}|{when}|{_text(status.get('status')) or ''}"
        origin = EVENT_ID_DERIVED
    else:
        event_id, origin = _body_digest_id(raw), EVENT_ID_DERIVED
    event = _text(body.get("event")) or "track_updated"
    return Delivery(
        event_id=event_id,
        event_id_origin=origin,
        dedupe_id=event_id,
        key=tracking_number,
        document_type=f"shippo.{event}",
        topic=event,
    )


PROVIDER_SPECS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec("shopify", _verify_shopify, _describe_shopify, "X-Shopify-Hmac-Sha256"),
        ProviderSpec(
            "woocommerce", _verify_woocommerce, _describe_woocommerce, "X-WC-Webhook-Signature"
        ),
        ProviderSpec("easypost", _verify_easypost, _describe_easypost, "X-Hmac-Signature"),
        ProviderSpec("ups", _verify_ups, _describe_ups, "X-Scmflow-Signature"),
        ProviderSpec("shippo", _verify_shippo, _describe_shippo, "X-Scmflow-Signature"),
    )
}
