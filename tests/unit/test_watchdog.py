"""The watchdog reacts to a transactional call that does not return."""

import time
from types import SimpleNamespace

from processors.runtime.health import Heartbeat
from scmflow.watchdog import Watchdog


def runner_in_call(call: str | None, running_s: float) -> SimpleNamespace:
    heartbeat = Heartbeat()
    heartbeat.current_call = call
    heartbeat.call_started = time.monotonic() - running_s
    return SimpleNamespace(heartbeat=heartbeat, config=SimpleNamespace(stage="dedupe"))


def test_stuck_call_detected():
    watchdog = Watchdog([runner_in_call("send_offsets_to_transaction", 200)], exit_after_s=120)
    assert watchdog.check() is True


def test_short_call_not_detected():
    watchdog = Watchdog([runner_in_call("commit_transaction", 1)], exit_after_s=120)
    assert watchdog.check() is False


def test_idle_runner_not_detected():
    watchdog = Watchdog([runner_in_call(None, 1000)], exit_after_s=120)
    assert watchdog.check() is False


def test_stall_calls_handler_from_thread():
    stalled = []
    watchdog = Watchdog(
        [runner_in_call("commit_transaction", 10)],
        exit_after_s=5,
        interval_s=0.05,
        on_stall=lambda: stalled.append(True),
    )
    watchdog.start()
    deadline = time.monotonic() + 5
    while not stalled and time.monotonic() < deadline:
        time.sleep(0.05)
    watchdog.stop()
    assert stalled == [True]
