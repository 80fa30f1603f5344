"""Rate limiting of repeated log lines."""

import pytest
import structlog

from scmflow.logs import RepeatLimiter


def emit(limiter: RepeatLimiter, **fields):
    try:
        return limiter(None, "warning", dict(fields))
    except structlog.DropEvent:
        return None


def test_repeats_beyond_limit_dropped():
    limiter = RepeatLimiter(limit=3, window_s=60)
    results = [emit(limiter, event="batch_retry", reason="redis_unavailable") for _ in range(5)]
    assert sum(result is not None for result in results) == 3


def test_different_events_not_limited_together():
    limiter = RepeatLimiter(limit=1, window_s=60)
    assert emit(limiter, event="a") is not None
    assert emit(limiter, event="b") is not None
    assert emit(limiter, event="a") is None


def test_suppressed_count_reported_after_window(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("scmflow.logs.time.monotonic", lambda: clock[0])
    limiter = RepeatLimiter(limit=1, window_s=10)
    emit(limiter, event="consumer_error")
    emit(limiter, event="consumer_error")
    emit(limiter, event="consumer_error")
    clock[0] += 11
    line = emit(limiter, event="consumer_error")
    assert line is not None
    assert line["repeats_suppressed"] == 2


def test_unknown_level_rejected():
    from scmflow.logs import configure_logging

    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        configure_logging("LOUD")
