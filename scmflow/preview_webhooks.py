"""Webhook bodies in `scmflow normalize`: a file contains one body, the format names the sender.

The raw record is built exactly as the ingress builds it after a verified
request, minus the signature check: the provider's rules pick the event id,
the key and the document type. Shopify and WooCommerce name the event in a
request header, which ``--webhook-topic`` gives here (such as orders/create
or order.created).
"""

from functools import partial

from adapters.raw import (
    H_SPLIT_ERROR_CODE,
    H_SPLIT_ERROR_MESSAGE,
    RawDocument,
)
from adapters.webhooks.ingress import parse_body, raw_document
from adapters.webhooks.providers import PROVIDER_SPECS, BodyRejected
from canonical.errors import ErrorCode

WEBHOOK_FORMATS = tuple(sorted(PROVIDER_SPECS))
_TOPIC_HEADERS = {"shopify": "x-shopify-topic", "woocommerce": "x-wc-webhook-topic"}


def _split_webhook(
    data: bytes, *, filename: str, received_at: str | None, provider: str, topic: str | None
) -> list[RawDocument]:
    headers = {_TOPIC_HEADERS[provider]: topic} if topic and provider in _TOPIC_HEADERS else {}
    try:
        body = parse_body(data)
        delivery = PROVIDER_SPECS[provider].describe(headers, body, data)
    except BodyRejected as exc:
        return [
            RawDocument(
                key=f"{filename}:0",
                value=data,
                headers={
                    H_SPLIT_ERROR_CODE: ErrorCode.WEBHOOK_BODY_INVALID.value,
                    H_SPLIT_ERROR_MESSAGE: str(exc),
                },
            )
        ]
    return [raw_document(provider, delivery, data)]


def webhook_splitter(provider: str, topic: str | None):
    """Return a splitter with the signature of the file splitters, for ``provider``."""
    return partial(_split_webhook, provider=provider, topic=topic)
