"""The dedupe stage's Redis keys: seen idempotency keys, entity versions and ledger checkpoints.

Key layout under the stage's prefix (``scmflow:dedupe:`` by default):

- ``<prefix><source>:<idempotency key>``: present while the key's dedupe window lasts;
- ``<prefix>version:<entity id>``: the highest entity version forwarded;
- ``<prefix>checkpoint:<ledger topic>:<partition>``: the ledger offset up to
  which Redis contains every entry. It is written in the same MULTI/EXEC as the
  keys, so when Redis loses keys (a restart without persistence, a failover to
  a replica that missed writes) the checkpoint moves back with them. The stage
  detects that by comparing it with the offset it last wrote.
"""

import time
from collections.abc import Iterable

import redis

from canonical.errors import RetriableError
from processors.stages.dedupe.ledger import LedgerEntry


class DedupeState:
    """Batched reads and atomic writes of the dedupe keys in Redis.

    Every method raises RetriableError when Redis cannot be reached, so the
    runtime pauses the stage instead of dead-lettering records.
    """

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        # Registered once: calls send EVALSHA with the script's hash, not its text.
        self._raise_version = client.register_script(_RAISE_VERSION)

    def version_key(self, entity_id: str) -> str:
        return f"{self.prefix}version:{entity_id}"

    def checkpoint_key(self, ledger_topic: str, partition: int) -> str:
        return f"{self.prefix}checkpoint:{ledger_topic}:{partition}"

    def lookup(
        self,
        keys: list[str],
        entity_ids: list[str],
        checkpoints: list[tuple[str, int]],
    ) -> tuple[set[str], dict[str, int], dict[tuple[str, int], int]]:
        """Return the keys present, the stored versions, and the stored checkpoints (-1 if none)."""
        try:
            pipeline = self.client.pipeline(transaction=False)
            for key in keys:
                pipeline.exists(key)
            for entity_id in entity_ids:
                pipeline.get(self.version_key(entity_id))
            for topic, partition in checkpoints:
                pipeline.get(self.checkpoint_key(topic, partition))
            replies = pipeline.execute()
        except redis.RedisError as exc:
            raise RetriableError("redis_unavailable", str(exc)) from exc

        present = {key for key, count in zip(keys, replies, strict=False) if count}
        version_replies = replies[len(keys) : len(keys) + len(entity_ids)]
        versions = {
            entity_id: int(raw)
            for entity_id, raw in zip(entity_ids, version_replies, strict=True)
            if raw is not None
        }
        checkpoint_replies = replies[len(keys) + len(entity_ids) :]
        stored = {
            tp: (int(raw) if raw is not None else -1)
            for tp, raw in zip(checkpoints, checkpoint_replies, strict=True)
        }
        return present, versions, stored

    def checkpoint(self, ledger_topic: str, partition: int) -> int:
        """Return the stored checkpoint, or 0 when Redis has none."""
        try:
            raw = self.client.get(self.checkpoint_key(ledger_topic, partition))
        except redis.RedisError as exc:
            raise RetriableError("redis_unavailable", str(exc)) from exc
        return int(raw) if raw is not None else 0

    def apply(
        self,
        entries: Iterable[LedgerEntry],
        checkpoints: dict[tuple[str, int], int],
    ) -> None:
        """Write keys, versions and checkpoints in one MULTI/EXEC.

        Entries whose window has ended are skipped. A version is only raised,
        never lowered, because a replayed older event must not hide a newer one.
        """
        now = int(time.time())
        try:
            pipeline = self.client.pipeline(transaction=True)
            for entry in entries:
                ttl = entry.expires_at - now
                if ttl <= 0:
                    continue
                pipeline.set(entry.redis_key, b"1", ex=ttl)
                if entry.entity_version is not None:
                    self._raise_version(
                        keys=[self.version_key(entry.entity_id)],
                        args=[entry.entity_version, ttl],
                        client=pipeline,
                    )
            for (topic, partition), offset in checkpoints.items():
                pipeline.set(self.checkpoint_key(topic, partition), offset)
            pipeline.execute()
        except redis.RedisError as exc:
            raise RetriableError("redis_unavailable", str(exc)) from exc


# Set the version key to ARGV[1] unless it already contains a higher one; refresh its TTL.
_RAISE_VERSION = """
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 0
"""
