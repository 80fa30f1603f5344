"""The webhook ingress without HTTP: verify, describe, deduplicate and publish one request.

``WebhookIngress.handle`` takes a provider name, the request headers and the
raw body, and returns the reply. The order of the steps is the contract:

1. the provider must be known (404) and have a secret (404);
2. the signature, and the signed timestamp where the provider has one, is
   checked on the raw bytes before anything parses them (401);
3. the body must be a JSON object of the provider's shape (400);
4. a request whose event id is already in the ledger gets 200
   ``{"duplicate": true}`` and is not published again;
5. the body is published unchanged to the raw topic and the reply is 2xx only
   after Kafka acknowledged it; otherwise 503 with Retry-After;
6. the event id is added to the ledger, only after the acknowledgement.
"""

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.raw import (
    ADAPTER_VERSION,
    H_ADAPTER_VERSION,
    H_DOCUMENT_TYPE,
    H_PARTNER,
    H_PAYLOAD_SHA256,
    H_RECEIVED_AT,
    H_SOURCE,
    RawDocument,
    sha256_hex,
    utc_now_iso,
)
from adapters.webhooks.headers import (
    H_API_VERSION,
    H_EVENT_ID,
    H_EVENT_ID_ORIGIN,
    H_ORIGIN,
    H_TOPIC,
    WEBHOOK_SOURCE,
)
from adapters.webhooks.ledger import DeliveryLedger
from adapters.webhooks.producer import AcknowledgedPublisher, PublishFailed
from adapters.webhooks.providers import (
    PROVIDER_SPECS,
    BodyRejected,
    Delivery,
    VerifyContext,
    is_woocommerce_ping,
)
from adapters.webhooks.signatures import DEFAULT_TOLERANCE_S, SignatureRejected

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_RETRY_AFTER_S = 30


@dataclass(frozen=True, slots=True)
class IngressSettings:
    topic: str
    """The raw topic, ``sources.webhook.topic`` of topology.yaml."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    timestamp_tolerance_s: float = DEFAULT_TOLERANCE_S
    """Largest distance, in seconds, between a signed timestamp and the server's clock."""
    retry_after_s: int = DEFAULT_RETRY_AFTER_S
    """Retry-After value, in seconds, on a 503 reply."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    event_id: str | None = None

    @property
    def reason(self) -> str | None:
        error = self.body.get("error")
        return error if isinstance(error, str) else None


def error_reply(status: int, reason: str, message: str, **headers: str) -> Reply:
    return Reply(status, {"error": reason, "message": message}, dict(headers))


class WebhookIngress:
    """Verify and publish webhook requests; thread-safe, one instance per server."""

    def __init__(
        self,
        *,
        secrets: Mapping[str, tuple[str, ...]],
        publisher: AcknowledgedPublisher,
        settings: IngressSettings,
        ledger: DeliveryLedger | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secrets = dict(secrets)
        self.publisher = publisher
        self.settings = settings
        self.ledger = ledger
        self._clock = clock
        self._counts: Counter[tuple[str, int]] = Counter()
        self._counts_lock = threading.Lock()

    def handle(self, provider: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Return the reply to one POST to ``/webhooks/<provider>``.

        ``headers`` maps lower-case header names to values.
        """
        spec = PROVIDER_SPECS.get(provider)
        if spec is None:
            return error_reply(
                404,
                "source_unknown",
                f"unknown webhook source {provider!r}; expected one of: "
                f"{', '.join(PROVIDER_SPECS)}",
            )
        secrets = self.secrets.get(provider)
        if not secrets:
            return error_reply(
                404,
                "source_not_configured",
                f"webhook source {provider} has no secret in the secrets file, so it is not served",
            )
        if provider == "woocommerce" and is_woocommerce_ping(headers, body):
            return Reply(200, {"ping": True})

        try:
            spec.verify(
                VerifyContext(
                    headers=headers,
                    body=body,
                    secrets=secrets,
                    now=self._clock(),
                    tolerance_s=self.settings.timestamp_tolerance_s,
                )
            )
        except SignatureRejected as exc:
            return error_reply(401, exc.reason.value, exc.message)

        try:
            delivery = spec.describe(headers, parse_body(body), body)
        except BodyRejected as exc:
            return error_reply(400, "body_invalid", exc.message)

        if self.ledger is not None and self.ledger.seen(provider, delivery.dedupe_id):
            return Reply(
                200,
                {"accepted": True, "duplicate": True, "event_id": delivery.event_id},
                event_id=delivery.event_id,
            )

        try:
            self.publisher.publish(self.settings.topic, raw_document(provider, delivery, body))
        except PublishFailed as exc:
            reply = error_reply(
                503,
                exc.reason,
                f"the event was not stored: {exc.message}; retry later",
                **{"Retry-After": str(self.settings.retry_after_s)},
            )
            return Reply(reply.status, reply.body, reply.headers, event_id=delivery.event_id)

        if self.ledger is not None:
            self.ledger.mark(provider, delivery.dedupe_id)
        return Reply(
            200,
            {"accepted": True, "duplicate": False, "event_id": delivery.event_id},
            event_id=delivery.event_id,
        )

    def record(self, source: str, status: int) -> None:
        """Count one request by its reply status; the HTTP layer calls it for every reply."""
        with self._counts_lock:
            self._counts[(source, status)] += 1

    def request_counts(self) -> dict[tuple[str, int], int]:
        """Return the request count per (source, HTTP status) so far, for metrics exporters."""
        with self._counts_lock:
            return dict(self._counts)

    def close(self) -> None:
        self.publisher.close()
        if self.ledger is not None:
            self.ledger.close()


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BodyRejected(f"the body is not UTF-8 text: byte {exc.start} is invalid") from exc
    except json.JSONDecodeError as exc:
        raise BodyRejected(
            f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise BodyRejected("the body is not usable JSON: it is nested too deeply") from exc
    if not isinstance(document, dict):
        raise BodyRejected(f"the body is a JSON {type(document).__name__}; expected an object")
    return document


def raw_document(provider: str, delivery: Delivery, body: bytes) -> RawDocument:
    """Build the raw record: the body unchanged, keyed by the business key, with provenance."""
    headers = {
        H_SOURCE: WEBHOOK_SOURCE,
        H_PARTNER: provider,
        H_RECEIVED_AT: utc_now_iso(),
        H_PAYLOAD_SHA256: sha256_hex(body),
        H_ADAPTER_VERSION: ADAPTER_VERSION,
        H_DOCUMENT_TYPE: delivery.document_type,
        H_EVENT_ID: delivery.event_id,
        H_EVENT_ID_ORIGIN: delivery.event_id_origin,
    }
    optional = {
        H_TOPIC: delivery.topic,
        H_ORIGIN: delivery.origin,
        H_API_VERSION: delivery.api_version,
    }
    headers.update({name: value for name, value in optional.items() if value})
    return RawDocument(key=delivery.key, value=body, headers=headers)
