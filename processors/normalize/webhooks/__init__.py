"""Normalizers of raw webhook records, one module per provider, picked by the partner header.

Carrier tracking (easypost, ups, shippo) becomes shipment status events, plus
exception events for carrier exceptions. Commerce webhooks (shopify,
woocommerce) become customer orders, returns and inventory snapshots. Every
defect of the input raises RecordError: WEBHOOK_BODY_INVALID for a body that
is not JSON or lacks a needed field, WEBHOOK_UNSUPPORTED_EVENT for a topic
without a normalizer, MAPPING_MISSING for a status the mapping tables lack.
"""

from collections.abc import Callable

from adapters.raw import H_PARTNER
from canonical.envelope import CanonicalEvent
from canonical.errors import ErrorCode, RecordError
from processors.normalize.record import RawRecord, require_header
from processors.normalize.webhooks._context import WebhookContext
from processors.normalize.webhooks.easypost import normalize_easypost
from processors.normalize.webhooks.shippo import normalize_shippo
from processors.normalize.webhooks.shopify import normalize_shopify
from processors.normalize.webhooks.ups import normalize_ups
from processors.normalize.webhooks.woocommerce import normalize_woocommerce

__all__ = ["NORMALIZERS", "normalize_webhook"]

NORMALIZERS: dict[str, Callable[[RawRecord, WebhookContext], list[CanonicalEvent]]] = {
    "easypost": normalize_easypost,
    "ups": normalize_ups,
    "shippo": normalize_shippo,
    "shopify": normalize_shopify,
    "woocommerce": normalize_woocommerce,
}


def normalize_webhook(record: RawRecord) -> list[CanonicalEvent]:
    """Turn one raw webhook record into canonical events, or raise RecordError."""
    provider = require_header(record, H_PARTNER)
    normalizer = NORMALIZERS.get(provider)
    if normalizer is None:
        raise RecordError(
            ErrorCode.WEBHOOK_UNSUPPORTED_EVENT,
            f"raw record {record.position} comes from the webhook provider {provider!r}, "
            f"which has no normalizer; expected one of: {', '.join(NORMALIZERS)}",
            field_path=H_PARTNER,
        )
    return normalizer(record, WebhookContext.from_record(record))
