"""Liveness rules of the heartbeat and the failpoint configuration."""

import time

import pytest

from processors.runtime.failpoints import Failpoint, Failpoints
from processors.runtime.health import Heartbeat


def test_fresh_heartbeat_is_healthy():
    assert Heartbeat().liveness(stall_timeout_s=5).healthy


def test_stale_loop_is_unhealthy():
    heartbeat = Heartbeat()
    heartbeat.last_beat = time.monotonic() - 10
    report = heartbeat.liveness(stall_timeout_s=5)
    assert report.healthy is False
    assert "loop has not run" in report.reason


def test_hanging_call_is_unhealthy():
    heartbeat = Heartbeat()
    with heartbeat.call("send_offsets_to_transaction"):
        heartbeat.call_started = time.monotonic() - 10
        report = heartbeat.liveness(stall_timeout_s=5)
    assert report.healthy is False
    assert "send_offsets_to_transaction" in report.reason


def test_idle_without_lag_is_healthy():
    heartbeat = Heartbeat()
    heartbeat.last_commit = time.monotonic() - 3600
    heartbeat.lag = 0
    assert heartbeat.liveness(stall_timeout_s=5).healthy


def test_lag_without_commits_is_unhealthy():
    heartbeat = Heartbeat()
    heartbeat.last_commit = time.monotonic() - 3600
    heartbeat.lag = 12
    heartbeat.paused_reason = "paused: redis_unavailable"
    report = heartbeat.liveness(stall_timeout_s=5)
    assert report.healthy is False
    assert "12 records waiting" in report.reason
    assert "redis_unavailable" in report.reason


def test_failpoints_from_env():
    failpoints = Failpoints.from_env({"SCMFLOW_FAILPOINTS": "after_commit=hang"})
    failpoints.released.set()
    failpoints.hit(Failpoint.AFTER_COMMIT)
    failpoints.hit(Failpoint.BEFORE_COMMIT)


def test_failpoints_reject_unknown_name():
    with pytest.raises(ValueError, match="unknown failpoint 'during_lunch'"):
        Failpoints.from_env({"SCMFLOW_FAILPOINTS": "during_lunch=crash"})


def test_failpoints_reject_unknown_action():
    with pytest.raises(ValueError, match="unknown action 'explode'"):
        Failpoints.from_env({"SCMFLOW_FAILPOINTS": "after_commit=explode"})


def test_failpoint_calls_action_with_point():
    seen = []
    failpoints = Failpoints({Failpoint.AFTER_PRODUCE: seen.append})
    failpoints.hit(Failpoint.AFTER_PRODUCE)
    failpoints.hit(Failpoint.AFTER_COMMIT)
    assert seen == [Failpoint.AFTER_PRODUCE]
