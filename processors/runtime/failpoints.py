"""Named points inside the transaction where tests and the chaos checker inject faults.

A failpoint does nothing unless an action is set for it, so the cost on the
hot path is one dictionary lookup. Actions come from code (tests pass a
callable) or from the environment variable SCMFLOW_FAILPOINTS, a
comma-separated list of ``point=action`` or ``point=action@N`` (act at the
N-th hit only). Actions:

- ``crash``: SIGKILL this process at the point;
- ``crash_async``: SIGKILL it from another thread a few milliseconds later,
  so that the kill lands inside the call that follows the point (at
  ``before_commit``: during commit_transaction);
- ``hang``: block until released, as a call that never returns.

Example: ``SCMFLOW_FAILPOINTS="after_commit=crash@3"``.
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


def crash_async(point: Failpoint, delay_s: float = 0.002) -> None:
    """Kill the process from a timer thread, while the caller goes on into its next call."""
    timer = threading.Timer(delay_s, os.kill, args=(os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()


def _at_hit(action: Action, hit: int) -> Action:
    """Wrap ``action`` so it runs only at the ``hit``-th call."""
    calls = 0

    def counted(point: Failpoint) -> None:
        nonlocal calls
        calls += 1
        if calls == hit:
            action(point)

    return counted


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
        """Read actions from SCMFLOW_FAILPOINTS (see the module docstring for the syntax)."""
        failpoints = cls()
        spec = environ.get(ENV_VARIABLE, "").strip()
        if not spec:
            return failpoints
        actions: dict[str, Action] = {
            "crash": crash,
            "crash_async": crash_async,
            "hang": failpoints.hang,
        }
        for item in spec.split(","):
            name, _, action_spec = item.strip().partition("=")
            action_name, _, hit_text = action_spec.partition("@")
            try:
                point = Failpoint(name)
            except ValueError:
                raise ValueError(
                    f"{ENV_VARIABLE}: unknown failpoint {name!r}; expected one of "
                    + ", ".join(p.value for p in Failpoint)
                ) from None
            if action_name not in actions:
                raise ValueError(
                    f"{ENV_VARIABLE}: unknown action {action_name!r}; "
                    "expected crash, crash_async or hang"
                )
            action = actions[action_name]
            if hit_text:
                if not hit_text.isdigit() or int(hit_text) < 1:
                    raise ValueError(
                        f"{ENV_VARIABLE}: {item!r}: the hit after @ must be a positive integer"
                    )
                action = _at_hit(action, int(hit_text))
            failpoints.set(point, action)
        return failpoints
