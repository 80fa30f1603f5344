"""The ledger of delivered webhook event ids in Redis, so a repeated delivery is published once.

A key ``<prefix><provider>:<event id>`` is written with SET NX and a TTL, and
only after Kafka acknowledged the raw record: a delivery whose publish failed
leaves no key, so the sender's retry is published. Two copies of one event
that arrive at the same moment can both pass the check and both be published.
The dedupe stage drops the second one downstream.

Redis errors never block a delivery: the lookup returns "not seen" and the
mark is skipped. Each instance logs the outage at most once per minute, with
the number of failures since its last line.
"""

import hashlib
import threading
import time

import redis
import structlog

log = structlog.get_logger("scmflow.webhooks")

KEY_PREFIX = "scmflow:webhook:"
DEFAULT_TTL_S = 3 * 24 * 3600
MAX_ID_LENGTH = 200
"""Longer event ids are replaced by their SHA-256 in the Redis key."""
_SOCKET_TIMEOUT_S = 0.5
_LOG_INTERVAL_S = 60.0


class DeliveryLedger:
    """Event ids of published deliveries, per provider, kept for ``ttl_s`` seconds."""

    def __init__(
        self, client: redis.Redis, *, key_prefix: str = KEY_PREFIX, ttl_s: int = DEFAULT_TTL_S
    ) -> None:
        self.client = client
        self.key_prefix = key_prefix
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._failures_since_log = 0
        self._last_log = float("-inf")

    @classmethod
    def from_url(cls, url: str, **options: object) -> "DeliveryLedger":
        client = redis.Redis.from_url(
            url, socket_timeout=_SOCKET_TIMEOUT_S, socket_connect_timeout=_SOCKET_TIMEOUT_S
        )
        return cls(client, **options)  # type: ignore[arg-type]

    def key(self, provider: str, event_id: str) -> str:
        if len(event_id) > MAX_ID_LENGTH:
            event_id = "sha256:" + hashlib.sha256(event_id.encode("utf-8")).hexdigest()
        return f"{self.key_prefix}{provider}:{event_id}"

    def seen(self, provider: str, event_id: str) -> bool:
        """Return whether the event was published before, or False when Redis is unreachable."""
        try:
            return bool(self.client.exists(self.key(provider, event_id)))
        except redis.RedisError as exc:
            self._log_unavailable("lookup", provider, event_id, exc)
            return False

    def mark(self, provider: str, event_id: str) -> None:
        """Remember a published event; a Redis failure is logged, not raised."""
        try:
            self.client.set(self.key(provider, event_id), b"1", nx=True, ex=self.ttl_s)
        except redis.RedisError as exc:
            self._log_unavailable("mark", provider, event_id, exc)

    def close(self) -> None:
        self.client.close()

    def _log_unavailable(
        self, operation: str, provider: str, event_id: str, exc: redis.RedisError
    ) -> None:
        with self._lock:
            self._failures_since_log += 1
            now = time.monotonic()
            if now - self._last_log < _LOG_INTERVAL_S:
                return
            failures, self._failures_since_log = self._failures_since_log, 0
            self._last_log = now
        log.warning(
            "webhook_ledger_unavailable",
            operation=operation,
            provider=provider,
            event_id=event_id,
            error=f"{type(exc).__name__}: {exc}",
            failures=failures,
            consequence="published without the repeat check; the dedupe stage drops repeats",
        )
