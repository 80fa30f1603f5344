"""The webhook ingress: carrier tracking and commerce webhooks, verified and published raw.

``POST /webhooks/<provider>`` (easypost, ups, shippo, shopify, woocommerce)
checks the provider's HMAC signature on the raw body, publishes the body
unchanged to the raw webhook topic and responds 2xx only after Kafka
acknowledged it. docs/webhooks.md describes the secrets file and each
provider's signature scheme.
"""

from adapters.webhooks.headers import PROVIDERS, WEBHOOK_SOURCE
from adapters.webhooks.ingress import IngressSettings, Reply, WebhookIngress
from adapters.webhooks.ledger import DeliveryLedger
from adapters.webhooks.producer import AcknowledgedPublisher, PublishFailed
from adapters.webhooks.secrets_file import SecretsFileError, load_secrets
from adapters.webhooks.server import WebhookHTTPServer

__all__ = [
    "PROVIDERS",
    "WEBHOOK_SOURCE",
    "AcknowledgedPublisher",
    "DeliveryLedger",
    "IngressSettings",
    "PublishFailed",
    "Reply",
    "SecretsFileError",
    "WebhookHTTPServer",
    "WebhookIngress",
    "load_secrets",
]
