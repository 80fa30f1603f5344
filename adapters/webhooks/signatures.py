"""HMAC signature schemes of the webhook providers, checked over the raw body before parsing.

Every comparison uses ``hmac.compare_digest``. A provider may have several
secrets (rotation); a signature made with any of them is accepted.

- ``base64_body``: base64 of HMAC-SHA256 over the raw body. Shopify sends it in
  ``X-Shopify-Hmac-Sha256`` and WooCommerce in ``X-WC-Webhook-Signature``.
- ``easypost``: ``hmac-sha256-hex=<hex>`` of HMAC-SHA256 over the raw body, with
  the secret NFKD-normalized and UTF-8 encoded, as EasyPost's client libraries
  compute it (easypost-python ``validate_webhook``).
- ``timestamped``: ``t=<unix seconds>,v1=<hex>`` where v1 is HMAC-SHA256 over
  ``"<t>.<raw body>"``. The timestamp is signed, so a replay outside the window
  is rejected even with a valid signature. scmflow defines this scheme in
  ``X-Scmflow-Signature`` for senders without a body signature of their own.
"""

import base64
import hashlib
import hmac
import unicodedata
from collections.abc import Iterable
from enum import StrEnum

EASYPOST_PREFIX = "hmac-sha256-hex="
DEFAULT_TOLERANCE_S = 300


class Rejection(StrEnum):
    """Reason of a failed signature check, sent to the caller as the JSON ``error`` field."""

    SIGNATURE_MISSING = "signature_missing"
    SIGNATURE_INVALID = "signature_invalid"
    TIMESTAMP_INVALID = "timestamp_invalid"
    TIMESTAMP_STALE = "timestamp_stale"
    """The signature is valid but its signed timestamp is outside the window: a replay."""


class SignatureRejected(Exception):
    """A request whose signature or signed timestamp failed the check."""

    def __init__(self, reason: Rejection, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


def _hmac_sha256(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def _any_matches(candidates: Iterable[bytes], received: bytes) -> bool:
    matched = False
    for candidate in candidates:
        # No early exit, so the time taken does not depend on which secret matched.
        matched |= hmac.compare_digest(candidate, received)
    return matched


def verify_base64_body(header: str | None, body: bytes, secrets: Iterable[str], name: str) -> None:
    """Check a base64 HMAC-SHA256 of the body; raise SignatureRejected when it does not match."""
    if not header or not header.strip():
        raise SignatureRejected(Rejection.SIGNATURE_MISSING, f"header {name} is missing")
    received = header.strip().encode("utf-8")
    expected = (base64.b64encode(_hmac_sha256(secret.encode("utf-8"), body)) for secret in secrets)
    if not _any_matches(expected, received):
        raise SignatureRejected(
            Rejection.SIGNATURE_INVALID, f"header {name} does not match the body"
        )


def sign_base64_body(secret: str, body: bytes) -> str:
    return base64.b64encode(_hmac_sha256(secret.encode("utf-8"), body)).decode("ascii")


def verify_easypost(header: str | None, body: bytes, secrets: Iterable[str], name: str) -> None:
    """Check EasyPost's ``hmac-sha256-hex=<hex>`` signature of the body."""
    if not header or not header.strip():
        raise SignatureRejected(Rejection.SIGNATURE_MISSING, f"header {name} is missing")
    received = header.strip().encode("utf-8")
    expected = (sign_easypost(secret, body).encode("ascii") for secret in secrets)
    if not _any_matches(expected, received):
        raise SignatureRejected(
            Rejection.SIGNATURE_INVALID,
            f"header {name} does not match the body (expected {EASYPOST_PREFIX}<hex>)",
        )


def sign_easypost(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return EASYPOST_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_timestamped(
    header: str | None,
    body: bytes,
    secrets: Iterable[str],
    name: str,
    *,
    now: float,
    tolerance_s: float,
) -> int:
    """Check a ``t=<unix>,v1=<hex>`` signature and its timestamp window; return t.

    The signature is checked first, so TIMESTAMP_STALE is only reported for an
    authentic request whose timestamp is more than ``tolerance_s`` seconds away
    from ``now`` in either direction.
    """
    if not header or not header.strip():
        raise SignatureRejected(Rejection.SIGNATURE_MISSING, f"header {name} is missing")
    timestamp_text, signatures = _parse_timestamped(header, name)
    try:
        timestamp = int(timestamp_text)
    except ValueError:
        raise SignatureRejected(
            Rejection.TIMESTAMP_INVALID,
            f"header {name} has t={timestamp_text!r}; expected Unix seconds",
        ) from None

    signed = timestamp_text.encode("ascii") + b"." + body
    secret_list = list(secrets)
    matched = False
    for received in signatures:
        expected = (
            _hmac_sha256(secret.encode("utf-8"), signed).hex().encode("ascii")
            for secret in secret_list
        )
        matched |= _any_matches(expected, received.lower().encode("utf-8"))
    if not matched:
        raise SignatureRejected(
            Rejection.SIGNATURE_INVALID, f"header {name} does not match the timestamp and body"
        )
    if abs(now - timestamp) > tolerance_s:
        raise SignatureRejected(
            Rejection.TIMESTAMP_STALE,
            f"header {name} was signed at t={timestamp}, {abs(now - timestamp):.0f} s from "
            f"the server's clock; the window is {tolerance_s:.0f} s",
        )
    return timestamp


def _parse_timestamped(header: str, name: str) -> tuple[str, list[str]]:
    timestamp = None
    signatures = []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            continue
        if key == "t":
            timestamp = value.strip()
        elif key == "v1":
            signatures.append(value.strip())
    if timestamp is None:
        raise SignatureRejected(
            Rejection.TIMESTAMP_INVALID, f"header {name} has no t=<unix seconds> part"
        )
    if not signatures:
        raise SignatureRejected(Rejection.SIGNATURE_MISSING, f"header {name} has no v1= part")
    return timestamp, signatures


def sign_timestamped(secret: str, body: bytes, timestamp: int) -> str:
    """Return the ``t=...,v1=...`` header value a sender or signing relay sends."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return f"t={timestamp},v1={_hmac_sha256(secret.encode('utf-8'), signed).hex()}"
