"""SIGKILL the dedupe worker inside each crash window; no event is lost or duplicated.

Each test kills the worker at a named failpoint of its first batch, starts
it again, sends a resend of the same document and one new document, and
checks that the canonical topic contains each shipment exactly once.
"""

import pytest
import redis
from redis_process import ThrowawayRedis
from x12_fixtures import ship_notice

from canonical.avro import decode
from scmflow.chaos.workers import WorkerProcess

pytestmark = pytest.mark.integration

WINDOWS = [
    "before_produce=crash",
    "after_produce=crash",
    "after_send_offsets=crash",
    "before_commit=crash_async",  # the kill lands during commit_transaction
    "after_commit=crash",  # committed, Redis not yet written
    "after_post_commit=crash",
]


def shipments(pipeline) -> list[str]:
    return sorted(
        decode(record.value()).payload.shipment_id
        for record in pipeline.records("canonical.shipment")
    )


def start_pipeline(pipeline_factory, tmp_path, redis_url=None):
    pipeline = pipeline_factory(redis_url_override=redis_url)
    pipeline.start(stages=("normalize", "fanout"))
    worker = WorkerProcess(
        pipeline.topology,
        stage="dedupe",
        bootstrap=pipeline.bootstrap,
        redis_url=pipeline.redis_url,
        group_prefix=pipeline.prefix.rstrip("."),
        directory=tmp_path,
    )
    return pipeline, worker


@pytest.mark.parametrize("failpoint", WINDOWS)
def test_kill_in_window_loses_and_duplicates_nothing(pipeline_factory, tmp_path, failpoint):
    pipeline, worker = start_pipeline(pipeline_factory, tmp_path)
    try:
        worker.start(failpoints=failpoint)
        pipeline.ingest_x12(ship_notice("SH-CW1", control="000000801").encode())
        assert worker.wait_exit(90) == -9, worker.log_file.read_text()[-2000:]

        worker.start()
        pipeline.ingest_x12(ship_notice("SH-CW1", control="000000802").encode())
        pipeline.ingest_x12(ship_notice("SH-CW2", control="000000803").encode())
        assert worker.wait_drained(), worker.log_file.read_text()[-2000:]
        pipeline.drain()

        assert shipments(pipeline) == ["SH-CW1", "SH-CW2"]
        assert pipeline.records("dlq.dedupe") == []
    finally:
        worker.stop()


def test_redis_restart_empty_after_commit(pipeline_factory, tmp_path):
    server = ThrowawayRedis()
    server.start()
    pipeline, worker = start_pipeline(pipeline_factory, tmp_path, redis_url=server.url)
    try:
        worker.start()
        pipeline.ingest_x12(ship_notice("SH-RE1", control="000000811").encode())
        assert worker.wait_drained()

        server.stop()
        server.start()
        assert redis.Redis.from_url(server.url).dbsize() == 0
        pipeline.ingest_x12(ship_notice("SH-RE1", control="000000812").encode())
        pipeline.ingest_x12(ship_notice("SH-RE2", control="000000813").encode())
        assert worker.wait_drained(), worker.log_file.read_text()[-2000:]
        pipeline.drain()

        assert shipments(pipeline) == ["SH-RE1", "SH-RE2"]
    finally:
        worker.stop()
        server.stop()


def test_redis_keys_lost_while_worker_runs(pipeline_factory, tmp_path):
    """A failover to a replica that missed writes looks like keys vanishing under a live worker."""
    pipeline, worker = start_pipeline(pipeline_factory, tmp_path)
    try:
        worker.start()
        pipeline.ingest_x12(ship_notice("SH-FO1", control="000000821").encode())
        assert worker.wait_drained()

        client = redis.Redis.from_url(pipeline.redis_url)
        prefix = f"{worker.group_prefix}:dedupe:"
        lost = list(client.scan_iter(f"{prefix}*"))
        assert lost
        client.delete(*lost)
        pipeline.ingest_x12(ship_notice("SH-FO1", control="000000822").encode())
        assert worker.wait_drained()
        pipeline.drain()

        assert shipments(pipeline) == ["SH-FO1"]
    finally:
        worker.stop()
