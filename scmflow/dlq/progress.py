"""A progress line on stderr for long reads of a dead-letter topic."""

import sys
import time
from typing import TextIO

_BAR_WIDTH = 30
_MIN_INTERVAL_S = 0.2


class Progress:
    """Redraw one status line with a bar and counts, at most five times a second.

    It draws only when ``stream`` is a terminal (or ``enabled`` is True), so
    piped output and logs carry no carriage returns. ``total`` is an estimate
    taken from end minus start offsets, which also count transaction markers.
    """

    def __init__(
        self, label: str, total: int, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.label = label
        self.total = max(total, 0)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last_draw = 0.0
        self._drawn = False

    def update(self, done: int, **counts: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < _MIN_INTERVAL_S:
            return
        self._last_draw = now
        self._draw(done, counts)

    def finish(self, done: int, **counts: int) -> None:
        """Draw the final counts and end the line, if anything was drawn before."""
        if not self.enabled or not self._drawn:
            return
        self._draw(done, counts)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, done: int, counts: dict[str, int]) -> None:
        fraction = min(done / self.total, 1.0) if self.total else 1.0
        filled = int(fraction * _BAR_WIDTH)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        details = "".join(f", {count} {name}" for name, count in counts.items())
        line = f"\r{self.label} [{bar}] {done}/{self.total} read{details}"
        self.stream.write(line)
        self.stream.flush()
        self._drawn = True
