"""Metrics, health and readiness of workers on the real broker and Redis."""

import json
import time
import urllib.error
import urllib.request

import pytest
from x12_fixtures import ship_notice

from processors.runtime.failpoints import Failpoint, Failpoints
from processors.runtime.metrics import REGISTRY
from scmflow.observability import StatusEndpoints, serve

pytestmark = pytest.mark.integration


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read().decode()
        status = exc.code
    try:
        return status, json.loads(body)
    except json.JSONDecodeError:
        return status, body


def wait_for(predicate, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_counters_after_known_run(pipeline):
    raw_topic = pipeline.topic("raw.x12")
    canonical_topic = pipeline.topic("canonical.shipment")
    before_dlq = sample("scmflow_dlq_records_total", stage="normalize", code="MAPPING_MISSING")
    before_dupes = sample("scmflow_duplicates_dropped_total", stage="dedupe")
    before_business = sample("scmflow_business_latency_seconds_count", entity_type="shipment")
    before_pipeline = sample("scmflow_pipeline_latency_seconds_count", entity_type="shipment")

    good = ship_notice("SH-9001").encode()
    pipeline.ingest_x12(good)
    pipeline.ingest_x12(good)
    pipeline.ingest_x12(ship_notice("SH-9002", unit="Q9", control="000000902").encode())
    pipeline.drain()

    assert sample("scmflow_records_consumed_total", stage="normalize", topic=raw_topic) == 3
    assert sample(
        "scmflow_records_produced_total", stage="dedupe", topic=canonical_topic
    ) == 1
    assert sample("scmflow_dlq_records_total", stage="normalize", code="MAPPING_MISSING") == (
        before_dlq + 1
    )
    assert sample("scmflow_duplicates_dropped_total", stage="dedupe") == before_dupes + 1
    business = sample("scmflow_business_latency_seconds_count", entity_type="shipment")
    assert business == before_business + 1
    pipeline_count = sample("scmflow_pipeline_latency_seconds_count", entity_type="shipment")
    assert pipeline_count == before_pipeline + 1
    assert sample("scmflow_transaction_commit_seconds_count", stage="normalize") > 0


def test_metrics_endpoint_serves_registry(pipeline):
    endpoints = StatusEndpoints(
        pipeline.workers, bootstrap_servers=pipeline.bootstrap, redis_url=pipeline.redis_url
    )
    server = serve(endpoints, "127.0.0.1", 0)
    try:
        port = server.server_address[1]
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert "scmflow_records_consumed_total" in body
        ready_url = f"http://127.0.0.1:{port}/readyz"
        assert wait_for(lambda: get(ready_url)[0] == 200), f"not ready: {get(ready_url)}"
        status, document = get(ready_url)
        assert document["checks"]["broker"] is True
        assert document["checks"]["redis"] is True
    finally:
        server.shutdown()


def test_healthz_turns_unhealthy_on_hang(pipeline_factory):
    failpoints = Failpoints()
    pipeline = pipeline_factory()
    pipeline.start(failpoints={"normalize": failpoints})
    endpoints = StatusEndpoints(
        pipeline.workers,
        bootstrap_servers=pipeline.bootstrap,
        redis_url=pipeline.redis_url,
        stall_timeout_s=2.0,
    )
    server = serve(endpoints, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.server_address[1]}/healthz"
    try:
        assert wait_for(lambda: get(url)[0] == 200), f"not healthy at start: {get(url)}"
        failpoints.set(Failpoint.BEFORE_COMMIT, failpoints.hang)
        pipeline.ingest_x12(ship_notice("SH-9101").encode())

        assert wait_for(lambda: get(url)[0] == 503), "healthz stayed healthy during the hang"
        status, document = get(url)
        assert document["stages"]["normalize"]["healthy"] is False

        failpoints.set(Failpoint.BEFORE_COMMIT, None)
        failpoints.released.set()
        assert wait_for(lambda: get(url)[0] == 200), "healthz did not recover"
        pipeline.drain()
        assert len(pipeline.records("canonical.shipment")) == 1
    finally:
        server.shutdown()


def test_readyz_reports_unreachable_redis(pipeline):
    endpoints = StatusEndpoints(
        pipeline.workers,
        bootstrap_servers=pipeline.bootstrap,
        redis_url="redis://127.0.0.1:1/0",
    )
    ready, document = endpoints.readiness()
    assert ready is False
    assert document["checks"]["redis"] is False
    assert document["checks"]["broker"] is True


def test_status_shows_lag_and_dead_letters(pipeline):
    import io

    from scmflow.status import run_status

    pipeline.ingest_x12(ship_notice("SH-9201", unit="Q9").encode())
    pipeline.ingest_x12(ship_notice("SH-9202", control="000000922").encode())
    pipeline.drain()

    out = io.StringIO()
    code = run_status(
        pipeline.topology,
        bootstrap_servers=pipeline.bootstrap,
        redis_url=pipeline.redis_url,
        window_s=0.5,
        out=out,
        group_prefix=pipeline.prefix.rstrip("."),
    )
    text = out.getvalue()
    assert code == 0
    assert "stage normalize: lag 0" in text
    assert "MAPPING_MISSING" in text
    assert f"1 in {pipeline.topic('dlq.normalize')}" in text
