"""Liveness and readiness of a stage runner.

A runner is live when its loop is making progress, or is idle with no lag.
The loop records a heartbeat at every iteration and around every
transactional call, so a call that hangs (librdkafka has been seen to ignore
the timeout of send_offsets_to_transaction while the coordinator is down)
shows up as a heartbeat that stops moving.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    reason: str


class Heartbeat:
    """When the loop last moved, and which transactional call it is inside, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last_beat = time.monotonic()
        self.last_commit = self.last_beat
        self.current_call: str | None = None
        self.call_started = 0.0
        self.lag = 0
        self.paused_reason: str | None = None

    def beat(self) -> None:
        self.last_beat = time.monotonic()

    def committed(self) -> None:
        now = time.monotonic()
        self.last_commit = now
        self.last_beat = now

    @contextmanager
    def call(self, name: str) -> Iterator[None]:
        with self._lock:
            self.current_call = name
            self.call_started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.current_call = None
            self.beat()

    def liveness(self, stall_timeout_s: float) -> HealthReport:
        """Return whether the loop is live, with the reason when it is not."""
        now = time.monotonic()
        with self._lock:
            call, started = self.current_call, self.call_started
        if call is not None and now - started > stall_timeout_s:
            return HealthReport(False, f"{call} has not returned for {now - started:.0f} s")
        if now - self.last_beat > stall_timeout_s:
            return HealthReport(False, f"the loop has not run for {now - self.last_beat:.0f} s")
        if self.lag > 0 and now - self.last_commit > stall_timeout_s:
            reason = self.paused_reason or "no batch committed"
            return HealthReport(
                False, f"{self.lag} records waiting and {reason} for over {stall_timeout_s:.0f} s"
            )
        return HealthReport(True, "ok")
