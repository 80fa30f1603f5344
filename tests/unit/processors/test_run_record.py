"""Per-record error handling: coded errors, unexpected exceptions and their attempts."""

import pytest
from confluent_kafka import Message

from canonical.errors import ErrorCode, RecordError, RetriableError
from processors.runtime.batch import Output
from processors.stages._records import AttemptTracker, run_record


def message(offset: int = 7) -> Message:
    return Message(topic="raw.x12", partition=1, offset=offset, key=b"k", value=b"v")


def test_outputs_remember_their_source():
    record = message()
    outputs, dead = run_record(record, "normalize", lambda m: [Output("t", b"k", b"v")])
    assert dead is None
    assert outputs[0].source is record


def test_record_error_dead_lettered_at_once():
    def handle(m):
        raise RecordError(ErrorCode.X12_SEGMENT_MISSING, "no BSN", "BSN")

    outputs, dead = run_record(message(), "normalize", handle, AttemptTracker(3))
    assert outputs == []
    assert dead.code is ErrorCode.X12_SEGMENT_MISSING
    assert dead.field_path == "BSN"
    assert dead.attempts == 1


def test_unexpected_error_retried_then_dead_lettered():
    tracker = AttemptTracker(3)

    def handle(m):
        raise ZeroDivisionError("division by zero")

    for _ in range(2):
        with pytest.raises(RetriableError) as caught:
            run_record(message(), "normalize", handle, tracker)
        assert caught.value.reason == "unexpected_error"
    outputs, dead = run_record(message(), "normalize", handle, tracker)
    assert dead.code is ErrorCode.INTERNAL_ERROR
    assert dead.attempts == 3
    assert dead.exception_class == "builtins.ZeroDivisionError"
    assert dead.first_failed_at is not None


def test_success_clears_attempts():
    tracker = AttemptTracker(2)
    calls = []

    def flaky(m):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("transient")
        return []

    with pytest.raises(RetriableError):
        run_record(message(), "normalize", flaky, tracker)
    run_record(message(), "normalize", flaky, tracker)
    assert tracker.fail(message())[0] == 1


def test_retriable_error_propagates():
    def handle(m):
        raise RetriableError("redis_unavailable", "down")

    with pytest.raises(RetriableError):
        run_record(message(), "dedupe", handle, AttemptTracker(3))


def test_attempts_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        AttemptTracker(0)
