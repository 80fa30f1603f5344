"""A pipeline per test on the real broker and Redis, isolated by topic, group and key prefixes."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from confluent_kafka import KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient

from adapters.publish import RawPublisher
from adapters.raw import RawDocument
from adapters.x12 import split_interchanges
from processors.topology import Topology, load_topology
from scmflow.demo import wait_drained
from scmflow.inspect import end_offsets, read_committed
from scmflow.topics import apply_topics
from scmflow.worker import STAGES, Workers, build_runner

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "x12"


def isolated_topology(prefix: str, **changes) -> Topology:
    """The project topology with every topic name prefixed and only the shipment entity."""
    topology = load_topology(ROOT / "topology.yaml").with_prefix(prefix, entities=["shipment"])
    if not changes:
        return topology
    return Topology.model_validate({**topology.model_dump(), **changes})


class Pipeline:
    """All three stages in threads, plus helpers to ingest and to read topics."""

    def __init__(self, topology: Topology, bootstrap: str, redis_url: str, prefix: str) -> None:
        self.topology = topology
        self.bootstrap = bootstrap
        self.redis_url = redis_url
        self.prefix = prefix
        self.workers: Workers | None = None
        apply_topics(topology, bootstrap)

    def start(self, stages=STAGES, failpoints=None) -> None:
        self.workers = Workers(
            build_runner(
                stage,
                self.topology,
                bootstrap_servers=self.bootstrap,
                redis_url=self.redis_url,
                group_prefix=self.prefix.rstrip("."),
                dedupe_key_prefix=f"{self.prefix}dedupe:",
                failpoints=(failpoints or {}).get(stage),
            )
            for stage in stages
        )
        self.workers.start()
        assert self.workers.wait_assigned(60), "stages got no partitions within 60 s"

    def stop(self) -> None:
        if self.workers:
            self.workers.stop()

    def delete_topics(self) -> None:
        """Delete this pipeline's topics and Redis keys, so a long test run stays light."""
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        names = [
            name for name in admin.list_topics(timeout=30).topics if name.startswith(self.prefix)
        ]
        if names:
            for future in admin.delete_topics(names, operation_timeout=30).values():
                try:
                    future.result()
                except KafkaException:
                    pass  # already gone, or the broker is deleting it
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
        group = self.prefix.rstrip(".")
        try:
            for pattern in (f"{self.prefix}*", f"{group}:*"):
                keys = list(client.scan_iter(pattern, count=1000))
                if keys:
                    client.delete(*keys)
        except redis.ConnectionError:
            pass  # a test's own Redis server, already stopped, takes its keys with it

    def topic(self, name: str) -> str:
        return self.prefix + name

    def ingest_x12(self, data: bytes, filename: str = "test.edi") -> list[RawDocument]:
        documents = split_interchanges(data, filename=filename)
        report = RawPublisher(self.bootstrap).publish(self.topology.sources["x12"].topic, documents)
        assert report.failed == []
        return documents

    def produce_raw(self, topic: str, value: bytes, key: bytes = b"k", headers=None) -> None:
        producer = Producer({"bootstrap.servers": self.bootstrap})
        producer.produce(self.topic(topic), value=value, key=key, headers=headers or [])
        assert producer.flush(30) == 0

    def drain(self, timeout_s: float = 60.0) -> None:
        assert self.workers is not None
        assert wait_drained(self.bootstrap, self.workers, timeout_s), "pipeline did not drain"
        assert self.workers.failures == {}

    def records(self, name: str) -> list[Message]:
        topic = self.topic(name)
        start = {tp: 0 for tp in end_offsets(self.bootstrap, [topic])}
        return list(read_committed(self.bootstrap, start))

    def stats(self, stage: str):
        assert self.workers is not None
        return next(r.stats for r in self.workers.runners if r.config.stage == stage)


@pytest.fixture
def pipeline_factory(kafka_bootstrap: str, redis_url: str) -> Iterator:
    created: list[Pipeline] = []

    def make(redis_url_override: str | None = None, **topology_changes) -> Pipeline:
        prefix = f"it{uuid.uuid4().hex[:10]}."
        pipeline = Pipeline(
            isolated_topology(prefix, **topology_changes),
            kafka_bootstrap,
            redis_url_override or redis_url,
            prefix,
        )
        created.append(pipeline)
        return pipeline

    yield make
    for pipeline in created:
        pipeline.stop()
        pipeline.delete_topics()


@pytest.fixture
def pipeline(pipeline_factory) -> Pipeline:
    running = pipeline_factory()
    running.start()
    return running
