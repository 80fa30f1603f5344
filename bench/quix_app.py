"""Normalize and dedupe as a Quix Streams application, exactly-once.

Run in the peers virtual environment with the repository on PYTHONPATH
(``python -m bench.quix_app``); bench.run starts it with the BENCH_* variables.

The dedupe is a ``filter`` that claims the key with one Redis ``SET NX EX`` per
record. That marks the key before the checkpoint commits, one round trip per
record: Quix Streams has no callback after a checkpoint commit to mark keys in,
so this is the usual way to write it, and it is cheaper than scmflow's ledger
and after-commit write.
"""

import redis
from quixstreams import Application, message_context
from quixstreams.models.serializers import Serializer

from bench.logic import WEBHOOK_TTL_S, settings, transform


class AvroValueSerializer(Serializer):
    """Write the Avro bytes of a transformed record; its key and headers are set separately."""

    def __call__(self, value, ctx) -> bytes:
        return value[1]


def main() -> None:
    config = settings()
    client = redis.Redis.from_url(config["redis_url"])
    app = Application(
        broker_address=config["bootstrap"],
        consumer_group=config["group"],
        processing_guarantee=config["guarantee"],
        commit_interval=float(config["commit_interval_s"]),
        auto_offset_reset="earliest",
        loglevel="WARNING",
    )
    raw = app.topic(config["input"], key_deserializer="bytes", value_deserializer="bytes")
    out = app.topic(
        config["output"], key_serializer="bytes", value_serializer=AvroValueSerializer()
    )
    key_prefix = config["key_prefix"]

    def normalize_record(value: bytes, key: bytes, timestamp: int, headers) -> list:
        context = message_context()
        return transform(
            context.topic, context.partition, context.offset, key, value, headers, timestamp,
            key_prefix,
        )

    def first_occurrence(item) -> bool:
        return bool(client.set(item[3], b"1", nx=True, ex=WEBHOOK_TTL_S))

    sdf = app.dataframe(raw)
    sdf = sdf.apply(normalize_record, metadata=True, expand=True)
    sdf = sdf.filter(first_occurrence)
    sdf = sdf.set_headers(lambda value, key, timestamp, headers: value[2])
    sdf.to_topic(out, key=lambda value: value[0])
    app.run()


if __name__ == "__main__":
    main()
