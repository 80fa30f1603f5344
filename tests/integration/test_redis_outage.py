"""A Redis outage pauses the dedupe stage; nothing is dead-lettered and nothing is lost."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from x12_fixtures import ship_notice

from processors.runtime.metrics import REGISTRY

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    """A redis-server process of this test's own, on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("throwaway redis-server did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def throwaway_redis():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


def test_redis_outage_pauses_without_dead_letters(pipeline_factory, throwaway_redis):
    pipeline = pipeline_factory(redis_url_override=throwaway_redis.url)
    pipeline.start()
    pauses_before = REGISTRY.get_sample_value("scmflow_redis_pauses_total", {"stage": "dedupe"}) or 0

    throwaway_redis.stop()
    pipeline.ingest_x12(ship_notice("SH-7001").encode())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pauses = REGISTRY.get_sample_value("scmflow_redis_pauses_total", {"stage": "dedupe"}) or 0
        if pauses > pauses_before:
            break
        time.sleep(0.2)
    assert pauses > pauses_before, "the dedupe stage did not pause while Redis was down"
    assert pipeline.records("canonical.shipment") == []

    throwaway_redis.start()
    pipeline.drain(timeout_s=90)

    assert pipeline.records("dlq.dedupe") == []
    canonical = pipeline.records("canonical.shipment")
    assert len(canonical) == 1
    assert REGISTRY.get_sample_value("scmflow_redis_paused", {"stage": "dedupe"}) == 0
