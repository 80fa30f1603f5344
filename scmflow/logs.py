"""structlog setup: JSON lines when stderr is not a terminal, readable output when it is."""

import logging
import sys
import threading
import time
from collections.abc import MutableMapping
from typing import Any

import structlog

# Fields that identify a repeat: the same event for the same cause.
_REPEAT_FIELDS = ("event", "level", "stage", "code", "reason", "error")


class RepeatLimiter:
    """A structlog processor that lets through at most ``limit`` identical lines per window.

    Lines are identical when their event, level, stage, code, reason and error
    match. The first line after a window with suppressed repeats carries
    ``repeats_suppressed=N``, so the count is never lost.
    """

    def __init__(self, limit: int = 10, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._lock = threading.Lock()
        self._windows: dict[tuple, list[float | int]] = {}

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        key = tuple(str(event_dict.get(name, "")) for name in _REPEAT_FIELDS)
        now = time.monotonic()
        with self._lock:
            window = self._windows.get(key)
            if window is None or now - window[0] >= self.window_s:
                suppressed = int(window[2]) if window else 0
                self._windows[key] = [now, 1, 0]
                if len(self._windows) > 10000:
                    self._windows.clear()
                if suppressed:
                    event_dict["repeats_suppressed"] = suppressed
                return event_dict
            window[1] += 1
            if window[1] > self.limit:
                window[2] += 1
                raise structlog.DropEvent
        return event_dict


def configure_logging(level: str = "INFO", *, json: bool | None = None) -> None:
    """Configure structlog for the process; call once, before the first log line."""
    numeric_level = logging.getLevelNamesMapping().get(level.upper())
    if numeric_level is None:
        raise ValueError(f"unknown log level {level!r}; expected DEBUG, INFO, WARNING or ERROR")
    if json is None:
        json = not sys.stderr.isatty()
    renderer = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # Standard-library loggers (librdkafka's lines, third-party libraries) share the level.
    logging.basicConfig(
        level=numeric_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
        force=True,
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            RepeatLimiter(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
