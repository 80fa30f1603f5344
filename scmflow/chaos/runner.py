"""`make chaos`: run the pipeline under faults, heal, drain, verify, replay, verify again.

The run uses a Kafka broker and a Redis server of its own (free ports, a
temporary state folder), so it can restart both without disturbing anything
else, and a worker process per stage, so it can SIGKILL them. Faults:

- SIGKILL of a random worker at a random moment, then a restart;
- a restart armed with a failpoint, so the worker kills itself inside a
  named crash window of a later batch;
- Redis restarted empty (no persistence);
- the broker stopped and started again.

Then every worker is restarted without faults, the pipeline drains, and the
checker compares the topics with what was sent. Finally the poison cause is
fixed (the unit table gets the missing code), the dead-letter topic is
replayed twice, and the checker runs again with the poison events expected.
"""

import random
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import structlog
import yaml

from adapters.publish import RawPublisher
from adapters.x12 import split_interchanges
from processors.normalize.reference_data import CONFIG_DIR
from processors.runtime.failpoints import Failpoint
from processors.topology import load_topology
from scmflow import services
from scmflow.chaos import documents
from scmflow.chaos.checker import Expectation, Verdict, verify
from scmflow.chaos.workers import WorkerProcess
from scmflow.dlq.replay import replay_dead_letters
from scmflow.dlq.selection import Selection
from scmflow.settings import PROJECT_ROOT
from scmflow.topics import apply_topics
from scmflow.worker import STAGES

log = structlog.get_logger("scmflow.chaos")

_CRASH_WINDOWS = [point.value for point in Failpoint]
_DRAIN_TIMEOUT_S = 600.0


@dataclass
class ChaosConfig:
    events: int = 100_000
    kills: int = 30
    resend_ratio: float = 0.05
    poison_ratio: float = 0.005
    redis_restarts: int = 2
    broker_restarts: int = 1
    seed: int | None = None
    keep_state: bool = False


@dataclass
class FaultLog:
    kills: int = 0
    failpoint_crashes: int = 0
    redis_restarts: int = 0
    broker_restarts: int = 0
    recovery_s: list[float] = field(default_factory=list)
    """Seconds from a SIGKILL until the restarted worker committed a batch (or had no
    lag), for the kills where that happened within 60 seconds."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChaosRun:
    def __init__(self, config: ChaosConfig, out: TextIO) -> None:
        self.config = config
        self.out = out
        self.random = random.Random(config.seed)
        self.directory = Path(tempfile.mkdtemp(prefix="scmflow-chaos-"))
        self.services = services.ServiceConfig(
            state_dir=self.directory / "services",
            kafka_port=_free_port(),
            controller_port=_free_port(),
            redis_port=_free_port(),
        )
        self.config_dir = self.directory / "config"
        shutil.copytree(CONFIG_DIR, self.config_dir)
        self.topology = load_topology(PROJECT_ROOT / "topology.yaml").with_prefix(
            "chaos.", entities=["shipment"]
        )
        self.group_prefix = "chaos"
        self.expectation = Expectation()
        self.faults = FaultLog()
        self.workers: dict[str, WorkerProcess] = {}
        self._control = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # Setup and teardown.

    def start(self) -> None:
        self.say(f"starting a broker and Redis of this run under {self.directory}")
        services.up(self.services)
        apply_topics(self.topology, self.services.bootstrap_servers)
        for stage in STAGES:
            self.workers[stage] = WorkerProcess(
                self.topology,
                stage=stage,
                bootstrap=self.services.bootstrap_servers,
                redis_url=self.services.redis_url,
                group_prefix=self.group_prefix,
                directory=self.directory,
                extra_env={"SCMFLOW_CONFIG_DIR": str(self.config_dir)},
            )
            self.workers[stage].start()

    def close(self) -> None:
        for worker in self.workers.values():
            worker.kill()
        services.down(self.services)
        if not self.config.keep_state:
            shutil.rmtree(self.directory, ignore_errors=True)

    # Input.

    def _documents(self):
        """Yield (raw document bytes) in sending order, recording what is expected."""
        entities = max(10, self.config.events // 20)
        sequences = [0] * entities
        sent: list[tuple[str, int]] = []
        poison_count = 0
        for _ in range(self.config.events):
            roll = self.random.random()
            self._control += 1
            if roll < self.config.poison_ratio:
                poison_count += 1
                shipment_id = documents.poison_id(poison_count)
                self.expectation.poison.add(shipment_id)
                yield documents.ship_notice(
                    shipment_id, 1, self._control, unit=documents.POISON_UNIT
                )
            elif roll < self.config.poison_ratio + self.config.resend_ratio and sent:
                shipment_id, sequence = self.random.choice(sent)
                yield documents.ship_notice(shipment_id, sequence, self._control)
            else:
                entity = self.random.randrange(entities)
                sequences[entity] += 1
                event = (documents.entity_id(entity), sequences[entity])
                sent.append(event)
                self.expectation.events.add(event)
                yield documents.ship_notice(event[0], event[1], self._control)

    def ingest(self, batch_size: int = 2000) -> None:
        publisher = RawPublisher(self.services.bootstrap_servers, **{"message.timeout.ms": 300000})
        topic = self.topology.sources["x12"].topic
        pending = []
        for data in self._documents():
            pending.extend(split_interchanges(data, filename="chaos.edi"))
            if len(pending) >= batch_size:
                self._publish(publisher, topic, pending)
                pending = []
                self._maybe_fault()
        if pending:
            self._publish(publisher, topic, pending)

    def _publish(self, publisher: RawPublisher, topic: str, pending) -> None:
        report = publisher.publish(topic, pending)
        if report.failed:
            raise RuntimeError(f"raw records not acknowledged: {report.failed[:3]}")

    # Faults.

    def _fault_due(self) -> bool:
        done = self.faults.kills + self.faults.failpoint_crashes
        return done < self.config.kills

    def _maybe_fault(self) -> None:
        self._restart_dead_workers(armed=True)
        if not self._fault_due():
            return
        done = self.faults.kills + self.faults.failpoint_crashes
        total = self.config.kills
        if self.faults.broker_restarts < self.config.broker_restarts and done >= total // 2:
            self._restart_broker()
        elif self.faults.redis_restarts < self.config.redis_restarts and done >= (
            total * (self.faults.redis_restarts + 1) // (self.config.redis_restarts + 1)
        ):
            self._restart_redis()
        else:
            self._kill_random_worker()

    def _kill_random_worker(self) -> None:
        stage = self.random.choice(list(STAGES))
        worker = self.workers[stage]
        try:
            committed_before = worker.committed_total()
        except Exception:  # noqa: BLE001 - the broker may be restarting
            committed_before = None
        worker.kill()
        self.faults.kills += 1
        killed_at = time.monotonic()
        if self.random.random() < 0.5:
            point = self.random.choice(_CRASH_WINDOWS)
            action = "crash_async" if point == Failpoint.BEFORE_COMMIT else "crash"
            worker.start(failpoints=f"{point}={action}@{self.random.randint(1, 5)}")
        else:
            worker.start()
        self.say(f"fault: SIGKILL {stage} worker ({self.faults.kills} kills)")
        if committed_before is not None:
            self._measure_recovery(worker, killed_at, committed_before)

    def _restart_dead_workers(self, armed: bool) -> None:
        for stage, worker in self.workers.items():
            if not worker.alive():
                self.faults.failpoint_crashes += 1
                self.say(f"fault: {stage} worker killed itself at a failpoint")
                worker.start()

    def _measure_recovery(
        self, worker: WorkerProcess, killed_at: float, committed_before: int
    ) -> None:
        """Wait until the restarted worker commits again (or has nothing to do).

        A worker armed with a failpoint may kill itself first; that kill is not measured.
        """
        deadline = killed_at + 60
        while time.monotonic() < deadline and worker.alive():
            try:
                if worker.committed_total() > committed_before or worker.lag() == 0:
                    self.faults.recovery_s.append(time.monotonic() - killed_at)
                    return
            except Exception:  # noqa: BLE001 - the broker may be restarting
                pass
            time.sleep(0.2)

    def _restart_redis(self) -> None:
        services.down(self.services, ["redis"])
        services.up(self.services, ["redis"])
        self.faults.redis_restarts += 1
        self.say("fault: Redis restarted empty")

    def _restart_broker(self) -> None:
        services.down(self.services, ["kafka"])
        services.up(self.services, ["kafka"])
        self.faults.broker_restarts += 1
        self.say("fault: broker restarted")

    # Heal, drain, verify.

    def heal_and_drain(self) -> None:
        while self._fault_due():
            self._maybe_fault()
            time.sleep(self.random.uniform(0.2, 1.0))
        for worker in self.workers.values():
            worker.stop()
            worker.start()
        self.say("healed: every worker restarted without faults; draining")
        deadline = time.monotonic() + _DRAIN_TIMEOUT_S
        for stage in STAGES:
            worker = self.workers[stage]
            if not worker.wait_drained(max(1.0, deadline - time.monotonic())):
                raise RuntimeError(f"{stage} did not drain; see {worker.log_file}")
        # A second pass: the downstream stages received the upstream stages' last batches.
        for stage in STAGES:
            self.workers[stage].wait_drained(max(1.0, deadline - time.monotonic()))

    def verify(self) -> Verdict:
        return verify(self.topology, self.services.bootstrap_servers, self.expectation)

    def fix_and_replay(self) -> None:
        units_file = self.config_dir / "mappings" / "units.yaml"
        table = yaml.safe_load(units_file.read_text())
        table["units"][documents.POISON_UNIT] = "C62"
        table["version"] = str(int(table["version"]) + 1)
        units_file.write_text(yaml.safe_dump(table))
        time.sleep(1.5)  # the workers re-read a changed table within a second
        for attempt in (1, 2):
            report = replay_dead_letters(
                self.topology,
                "normalize",
                Selection(select_all=True),
                bootstrap_servers=self.services.bootstrap_servers,
                actor="chaos-checker",
                group_prefix=self.group_prefix,
            )
            self.say(f"replay {attempt}: {len(report.replayed)} records re-published")
            for stage in STAGES:
                self.workers[stage].wait_drained(_DRAIN_TIMEOUT_S)
            for stage in STAGES:
                self.workers[stage].wait_drained(_DRAIN_TIMEOUT_S)
        self.expectation.events |= {(shipment_id, 1) for shipment_id in self.expectation.poison}


def run_chaos(config: ChaosConfig, out: TextIO) -> int:
    """Run the whole check; print the counts as the last line; return 0 when all are zero."""
    run = ChaosRun(config, out)
    started = time.monotonic()
    try:
        run.start()
        run.say(
            f"sending {config.events} events ({config.resend_ratio:.1%} resends, "
            f"{config.poison_ratio:.1%} poison) with {config.kills} kills"
        )
        run.ingest()
        run.heal_and_drain()
        first = run.verify()
        _report(run, first, "after faults")
        run.fix_and_replay()
        second = run.verify()
        _report(run, second, "after fix and replay (twice)")
    finally:
        run.close()
    faults = run.faults
    recovery = sorted(faults.recovery_s)
    median = recovery[len(recovery) // 2] if recovery else float("nan")
    run.say(
        f"faults: {faults.kills} kills, {faults.failpoint_crashes} failpoint crashes, "
        f"{faults.redis_restarts} Redis restarts, {faults.broker_restarts} broker restarts; "
        f"recovery after a kill: median {median:.1f} s, max {max(recovery, default=0):.1f} s; "
        f"elapsed {time.monotonic() - started:.0f} s"
    )
    total = Verdict(
        lost=first.lost + second.lost,
        duplicates=first.duplicates + second.duplicates,
        reordered=first.reordered + second.reordered,
        phantom=first.phantom + second.phantom,
        dlq_mismatch=first.dlq_mismatch + second.dlq_mismatch,
    )
    run.say(total.line())
    return 0 if total.clean else 1


def _report(run: ChaosRun, verdict: Verdict, when: str) -> None:
    run.say(
        f"{when}: {verdict.canonical_records} canonical records, "
        f"{verdict.dlq_records} dead letters, expected {len(run.expectation.events)} events "
        f"and {len(run.expectation.poison)} poison; {verdict.line()}"
    )
    for example in verdict.examples[:10]:
        run.say(f"  {example}")
