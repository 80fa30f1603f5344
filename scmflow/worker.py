"""Build stage runners from topology.yaml and run them, one thread per stage."""

import threading
from collections.abc import Iterable

import redis
import structlog

from processors.runtime import StageRunner
from processors.runtime.failpoints import Failpoints
from processors.runtime.loop import RunnerConfig
from processors.stages._records import DEFAULT_MAX_ATTEMPTS
from processors.stages.dedupe import KEY_PREFIX, DedupeLogic
from processors.stages.fanout import FanoutLogic
from processors.stages.normalize import NormalizeLogic
from processors.topology import Topology

log = structlog.get_logger("scmflow.worker")

STAGES = ("normalize", "dedupe", "fanout")


def build_runner(
    stage: str,
    topology: Topology,
    *,
    bootstrap_servers: str,
    redis_url: str,
    slot: int = 0,
    group_prefix: str = "scmflow",
    dedupe_key_prefix: str = KEY_PREFIX,
    failpoints: Failpoints | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> StageRunner:
    """Create the runner for one stage with its logic, topics and transactional id."""
    if stage == "normalize":
        logic = NormalizeLogic(topology, max_attempts)
    elif stage == "dedupe":
        client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        logic = DedupeLogic(
            topology,
            client,
            bootstrap_servers=bootstrap_servers,
            key_prefix=dedupe_key_prefix,
            max_attempts=max_attempts,
        )
    elif stage == "fanout":
        logic = FanoutLogic(topology, max_attempts)
    else:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    config = RunnerConfig(
        bootstrap_servers=bootstrap_servers,
        stage=stage,
        input_topics=topology.stage_inputs(stage),
        dlq_topic=topology.stage(stage).dlq,
        on_dead_letter=topology.stage(stage).on_dead_letter,
        blocked_topic=topology.stage(stage).blocked_topic,
        slot=slot,
        group_prefix=group_prefix,
    )
    return StageRunner(logic, config, failpoints or Failpoints.from_env())


class Workers:
    """A set of stage runners in threads of this process, stopped together."""

    def __init__(self, runners: Iterable[StageRunner]) -> None:
        self.runners = list(runners)
        self.stop_event = threading.Event()
        self.failures: dict[str, BaseException] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for runner in self.runners:
            thread = threading.Thread(
                target=self._run, args=(runner,), name=f"stage-{runner.config.stage}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _run(self, runner: StageRunner) -> None:
        try:
            runner.run(self.stop_event)
        except BaseException as exc:  # recorded and reported by the caller
            log.exception("stage_failed", stage=runner.config.stage)
            self.failures[runner.config.stage] = exc
            self.stop_event.set()

    def wait_assigned(self, timeout_s: float) -> bool:
        """Wait until every runner has partitions assigned; return False on timeout."""
        return all(runner.assigned.wait(timeout_s) for runner in self.runners)

    def stop(self, timeout_s: float = 30.0) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout_s)

    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)
