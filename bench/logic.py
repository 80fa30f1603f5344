"""The work the peer implementations do per record: scmflow's normalizer and a Redis dedupe.

The peers call the same functions as scmflow's normalize stage
(``processors.normalize.normalize``, ``canonical.avro.encode``,
``canonical.headers.event_headers``), so the transform costs the same. The
dedupe uses the Redis key of scmflow's dedupe stage: source and idempotency key.
"""

import os

from canonical.avro import encode
from canonical.headers import H_IDEMPOTENCY_KEY, event_headers
from processors.normalize import RawRecord, normalize

WEBHOOK_TTL_S = 259200
"""How long a webhook idempotency key is remembered: ``dedupe_ttl_seconds`` of the webhook
source in topology.yaml."""


class Transformed(tuple):
    """One output record: (key, Avro value, headers, Redis dedupe key)."""

    __slots__ = ()


def transform(
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes,
    headers: list[tuple[str, bytes]],
    timestamp_ms: int | None,
    key_prefix: str,
) -> list[Transformed]:
    """Normalize one raw record the way scmflow's normalize stage does."""
    text_headers = {name: data.decode("utf-8") for name, data in headers or ()}
    record = RawRecord(topic, partition, offset, key, value, text_headers, timestamp_ms)
    source = text_headers.get("scmflow.source", "")
    outputs = []
    for event in normalize(record):
        out_headers = event_headers(event, source)
        idempotency_key = dict(out_headers)[H_IDEMPOTENCY_KEY].decode()
        outputs.append(
            Transformed(
                (
                    event.envelope.entity_id.encode("utf-8"),
                    encode(event),
                    out_headers,
                    f"{key_prefix}{source}:{idempotency_key}",
                )
            )
        )
    return outputs


def settings() -> dict[str, str]:
    """Topic, group and Redis names of one benchmark run, from BENCH_* environment variables."""
    return {
        "bootstrap": os.environ.get("BENCH_BOOTSTRAP", "127.0.0.1:9092"),
        "redis_url": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "input": os.environ["BENCH_INPUT_TOPIC"],
        "output": os.environ["BENCH_OUTPUT_TOPIC"],
        "group": os.environ["BENCH_GROUP"],
        "key_prefix": os.environ["BENCH_KEY_PREFIX"],
        "commit_interval_s": os.environ.get("BENCH_COMMIT_INTERVAL_S", "0.1"),
        "guarantee": os.environ.get("BENCH_GUARANTEE", "exactly-once"),
    }
