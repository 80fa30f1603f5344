"""Stage workers in their own processes (`scmflow run`), which a checker can SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from processors.topology import Topology
from scmflow.inspect import end_offsets, group_lag

SCMFLOW = Path(sys.executable).parent / "scmflow"


class WorkerProcess:
    """`scmflow run --stage STAGE` for an isolated topology, with optional failpoints."""

    def __init__(
        self,
        topology: Topology,
        *,
        stage: str,
        bootstrap: str,
        redis_url: str,
        group_prefix: str,
        directory: Path,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.topology = topology
        self.stage = stage
        self.bootstrap = bootstrap
        self.redis_url = redis_url
        self.group_prefix = group_prefix
        self.topology_file = directory / f"topology-{stage}.yaml"
        self.topology_file.write_text(yaml.safe_dump(topology.model_dump(mode="json")))
        self.log_file = directory / f"worker-{stage}.log"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None

    def start(self, failpoints: str = "") -> None:
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "REDIS_URL": self.redis_url,
            "SCMFLOW_TOPOLOGY_FILE": str(self.topology_file),
            "SCMFLOW_FAILPOINTS": failpoints,
            **self.extra_env,
        }
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(SCMFLOW), "--log-level", "INFO", "run", "--stage", self.stage,
                    "--metrics-port", "0", "--group-prefix", self.group_prefix,
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_exit(self, timeout_s: float = 60.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout_s)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def lag(self) -> int:
        lag = group_lag(
            self.bootstrap,
            f"{self.group_prefix}-{self.stage}",
            self.topology.stage_inputs(self.stage),
        )
        return sum(lag.values())

    def committed_total(self) -> int:
        """Sum of the group's committed offsets over the stage's input partitions."""
        topics = self.topology.stage_inputs(self.stage)
        ends = end_offsets(self.bootstrap, topics)
        lag = group_lag(self.bootstrap, f"{self.group_prefix}-{self.stage}", topics)
        return sum(ends.values()) - sum(lag.values())

    def wait_drained(self, timeout_s: float = 90.0) -> bool:
        deadline = time.monotonic() + timeout_s
        clean = 0
        while time.monotonic() < deadline:
            clean = clean + 1 if self.lag() == 0 else 0
            if clean >= 2:
                return True
            time.sleep(0.5)
        return False
