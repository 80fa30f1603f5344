"""Normalize and dedupe as a faust-streaming agent.

Run in the peers virtual environment with the repository on PYTHONPATH:
``faust -A bench.faust_app worker -l warn``; bench.run starts it with the
BENCH_* variables. BENCH_GUARANTEE selects ``exactly_once`` (experimental in
faust-streaming) or ``at_least_once``. The dedupe claims the key with one Redis
``SET NX EX`` per record, as in bench.quix_app.
"""

import faust
import redis.asyncio

from bench.logic import WEBHOOK_TTL_S, settings, transform

config = settings()
guarantee = config["guarantee"].replace("-", "_")

app = faust.App(
    config["group"],
    broker=f"kafka://{config['bootstrap']}",
    processing_guarantee=guarantee,
    broker_commit_interval=float(config["commit_interval_s"]),
    consumer_auto_offset_reset="earliest",
    topic_partitions=3,
    web_enabled=False,
    store="memory://",
)
raw_topic = app.topic(config["input"], key_serializer="raw", value_serializer="raw")
out_topic = app.topic(config["output"], key_serializer="raw", value_serializer="raw")
client = redis.asyncio.Redis.from_url(config["redis_url"])
key_prefix = config["key_prefix"]


@app.agent(raw_topic)
async def normalize_and_dedupe(stream):
    async for event in stream.events():
        message = event.message
        headers = list(message.headers.items()) if isinstance(message.headers, dict) else list(
            message.headers or ()
        )
        outputs = transform(
            message.topic, message.partition, message.offset, message.key, message.value,
            headers, message.timestamp and int(message.timestamp * 1000), key_prefix,
        )
        for key, value, out_headers, redis_key in outputs:
            if await client.set(redis_key, b"1", nx=True, ex=WEBHOOK_TTL_S):
                await out_topic.send(key=key, value=value, headers=out_headers)
