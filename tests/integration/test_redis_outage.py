"""A Redis outage pauses the dedupe stage; nothing is dead-lettered and nothing is lost."""

import time

import pytest
from redis_process import ThrowawayRedis
from x12_fixtures import ship_notice

from processors.runtime.metrics import REGISTRY

pytestmark = pytest.mark.integration


@pytest.fixture
def throwaway_redis():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


def test_redis_outage_pauses_without_dead_letters(pipeline_factory, throwaway_redis):
    pipeline = pipeline_factory(redis_url_override=throwaway_redis.url)
    pipeline.start()
    pauses_before = (
        REGISTRY.get_sample_value("scmflow_redis_pauses_total", {"stage": "dedupe"}) or 0
    )

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
