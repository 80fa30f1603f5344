"""Names shared by the webhook ingress and the webhook normalizers.

Raw webhook records carry the provenance headers of ``adapters.raw`` (source
``webhook``, partner = the provider) plus the headers below. Values are UTF-8
strings.
"""

WEBHOOK_SOURCE = "webhook"
"""Value of the ``scmflow.source`` header on every raw webhook record."""

PROVIDERS = ("easypost", "ups", "shippo", "shopify", "woocommerce")
"""Webhook providers, as they appear in the route ``/webhooks/<provider>`` and in the
``scmflow.partner`` header."""

H_EVENT_ID = "scmflow.webhook.event_id"
"""The sender's event id, or the documented derivation for senders without one."""
H_EVENT_ID_ORIGIN = "scmflow.webhook.event_id_origin"
"""Origin of the event id: ``header``, ``body`` or ``derived``."""
H_TOPIC = "scmflow.webhook.topic"
"""The request's topic header as sent, such as Shopify's ``orders/create``."""
H_ORIGIN = "scmflow.webhook.origin"
"""The sending shop or site: Shopify's shop domain, WooCommerce's site URL."""
H_API_VERSION = "scmflow.webhook.api_version"
"""The sender's API version header, when it sends one (Shopify)."""

EVENT_ID_FROM_HEADER = "header"
EVENT_ID_FROM_BODY = "body"
EVENT_ID_DERIVED = "derived"
