"""A watchdog over the stage loops: a transactional call that never returns ends the process.

librdkafka's transactional calls take a timeout, but send_offsets_to_transaction
has been seen to ignore it while the transaction coordinator is down
(librdkafka issue 5456), and a C call cannot be interrupted from Python. A stuck
call therefore leaves the worker holding its partitions while doing nothing.
The watchdog logs such a call and, past ``exit_after_s``, exits the process so
that its supervisor starts a new one; the new producer with the same
transactional id fences the old transaction, which the broker then aborts.
"""

import os
import threading
import time
from collections.abc import Callable, Iterable

import structlog

from processors.runtime import StageRunner

log = structlog.get_logger("scmflow.watchdog")

EXIT_STALLED = 70
"""Exit status after a stall (EX_SOFTWARE in sysexits.h)."""


def _exit_process() -> None:
    os._exit(EXIT_STALLED)


class Watchdog:
    """Checks every ``interval_s`` how long each runner's current transactional call has run."""

    def __init__(
        self,
        runners: Iterable[StageRunner],
        *,
        exit_after_s: float,
        interval_s: float = 5.0,
        on_stall: Callable[[], None] = _exit_process,
    ) -> None:
        self.runners = list(runners)
        self.exit_after_s = exit_after_s
        self.interval_s = interval_s
        self.on_stall = on_stall
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.interval_s + 1)

    def check(self) -> bool:
        """Return True when a call has run past ``exit_after_s``; log every call past half."""
        now = time.monotonic()
        for runner in self.runners:
            call = runner.heartbeat.current_call
            if call is None:
                continue
            running_s = now - runner.heartbeat.call_started
            if running_s > self.exit_after_s:
                log.error(
                    "transactional_call_stuck",
                    stage=runner.config.stage,
                    call=call,
                    running_s=round(running_s, 1),
                    action="exit",
                )
                return True
            if running_s > self.exit_after_s / 2:
                log.warning(
                    "transactional_call_slow",
                    stage=runner.config.stage,
                    call=call,
                    running_s=round(running_s, 1),
                )
        return False

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            if self.check():
                self.on_stall()
                return
