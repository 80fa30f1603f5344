"""Named points inside the transaction where tests and the chaos checker inject faults.

A failpoint does nothing unless an action is set for it, so the cost on the
hot path is one dictionary lookup. Actions come from code (tests pass a
callable) or from the environment variable SCMFLOW_FAILPOINTS, for example
``SCMFLOW_FAILPOINTS="after_commit=crash"`` or ``"before_commit=hang"``.
"""

import os
import signal
import threading
from collections.abc import Callable, Mapping
from enum import StrEnum

ENV_VARIABLE = "SCMFLOW_FAILPOINTS"


class Failpoint(StrEnum):
    """The crash windows of one batch, in the order the runner passes them."""

    BEFORE_PRODUCE = "before_produce"
    AFTER_PRODUCE = "after_produce"
    AFTER_SEND_OFFSETS = "after_send_offsets"
    BEFORE_COMMIT = "before_commit"
    AFTER_COMMIT = "after_commit"
    """After the Kafka commit, before the stage's post-commit work (the Redis marks)."""
    AFTER_POST_COMMIT = "after_post_commit"


Action = Callable[[Failpoint], None]


def crash(point: Failpoint) -> None:
    """Kill the process at once, as SIGKILL would: no cleanup, no flush."""
    os.kill(os.getpid(), signal.SIGKILL)


class Failpoints:
    """The actions set for this process's failpoints."""

    def __init__(self, actions: Mapping[Failpoint, Action] | None = None) -> None:
        self._actions: dict[Failpoint, Action] = dict(actions or {})
        self.released = threading.Event()

    def set(self, point: Failpoint, action: Action | None) -> None:
        if action is None:
            self._actions.pop(point, None)
        else:
            self._actions[point] = action

    def hang(self, point: Failpoint) -> None:
        """Block until ``released`` is set, as a transactional call that never returns would."""
        self.released.wait()

    def hit(self, point: Failpoint) -> None:
        action = self._actions.get(point)
        if action is not None:
            action(point)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Failpoints":
        """Read actions from SCMFLOW_FAILPOINTS: comma-separated ``point=crash|hang`` pairs."""
        failpoints = cls()
        spec = environ.get(ENV_VARIABLE, "").strip()
        if not spec:
            return failpoints
        for item in spec.split(","):
            name, _, action = item.strip().partition("=")
            try:
                point = Failpoint(name)
            except ValueError:
                raise ValueError(
                    f"{ENV_VARIABLE}: unknown failpoint {name!r}; expected one of "
                    + ", ".join(p.value for p in Failpoint)
                ) from None
            if action == "crash":
                failpoints.set(point, crash)
            elif action == "hang":
                failpoints.set(point, failpoints.hang)
            else:
                raise ValueError(
                    f"{ENV_VARIABLE}: unknown action {action!r}; expected crash or hang"
                )
        return failpoints
