"""`make bench`: one order-webhook workload through scmflow, Quix Streams, faust and a ceiling.

For each implementation, one after another on one broker and one Redis server
(by default a broker and a Redis server of the run's own on free ports, so that
other users' topics and load on a shared broker stay out of the numbers;
BENCH_SERVICES=shared uses KAFKA_BOOTSTRAP_SERVERS and REDIS_URL instead):

1. create this implementation's own topics (3 partitions) and produce the
   backlog: BENCH_EVENTS raw records, 1 in 20 a resend, each stamped with its
   produce time;
2. start the implementation's worker processes and a read_committed reader;
   measure until every unique event is visible (throughput, CPU, RSS);
3. produce BENCH_PACED_S seconds of new records at half the measured rate and
   measure produce-to-visible latency;
4. stop the workers, check outputs against unique events, delete the topics
   and Redis keys of the run.

Then measures parsing throughput (bench.parsing). Writes
bench/results/latest.json and prints it.
"""

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import redis

from bench.measure import OutputReader, ProcessSampler, percentile
from bench.workload import RawEvent, RawProducer, create_topics, delete_topics, generate

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PEERS_BIN = ROOT / ".venv" / "peers" / "bin"
PARTITIONS = 3
ENTITIES = 10_000
COMMIT_INTERVAL_S = 0.1
IMPLEMENTATIONS = ("scmflow", "quixstreams", "faust", "ceiling")
DEFAULT_EVENTS = 50_000
"""Sized so that the five runs (faust twice) finish in about 15 minutes on 2 cores."""


class Run:
    """One implementation's run: its topics, processes and measurements."""

    def __init__(self, name: str, run_id: str, bootstrap: str, redis_url: str, workdir: Path):
        self.name = name
        self.prefix = f"bench.{run_id}.{name}."
        self.bootstrap = bootstrap
        self.redis_url = redis_url
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        self.key_prefix = f"{self.prefix}dedupe:"
        self.input_topic = f"{self.prefix}raw.webhook"
        self.output_topic = f"{self.prefix}out"
        self.notes: list[str] = []

    # Setup per implementation.

    def create_topics(self) -> None:
        if self.name == "scmflow":
            from processors.topology import load_topology
            from scmflow.topics import apply_topics

            self.topology = load_topology(ROOT / "topology.yaml").with_prefix(
                self.prefix, entities=["customer-order"]
            )
            apply_topics(self.topology, self.bootstrap)
            self.input_topic = self.topology.sources["webhook"].topic
            self.output_topic = self.topology.canonical_topic("customer-order")
        else:
            create_topics(self.bootstrap, [self.input_topic, self.output_topic], PARTITIONS)

    def start(self, guarantee: str = "exactly-once") -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BENCH_BOOTSTRAP": self.bootstrap,
            "BENCH_REDIS_URL": self.redis_url,
            "BENCH_INPUT_TOPIC": self.input_topic,
            "BENCH_OUTPUT_TOPIC": self.output_topic,
            "BENCH_GROUP": f"{self.prefix}{guarantee}.group",
            "BENCH_KEY_PREFIX": self.key_prefix,
            "BENCH_COMMIT_INTERVAL_S": str(COMMIT_INTERVAL_S),
            "BENCH_GUARANTEE": guarantee,
        }
        if self.name == "scmflow":
            self._start_scmflow()
            return
        if self.name == "quixstreams":
            command = [str(PEERS_BIN / "python"), "-m", "bench.quix_app"]
        elif self.name == "faust":
            command = [str(PEERS_BIN / "faust"), "-A", "bench.faust_app", "worker", "-l", "warn"]
        else:
            command = [sys.executable, "-m", "bench.ceiling"]
        log = (self.workdir / f"{self.name}-{guarantee}.log").open("ab")
        self.processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )

    def _start_scmflow(self) -> None:
        from scmflow.chaos.workers import WorkerProcess

        self.workers = []
        for stage in ("normalize", "dedupe"):
            worker = WorkerProcess(
                self.topology,
                stage=stage,
                bootstrap=self.bootstrap,
                redis_url=self.redis_url,
                group_prefix=f"{self.prefix}group",
                directory=self.workdir,
            )
            worker.start()
            self.workers.append(worker)
            self.processes.append(worker.process)
            self._profile(stage, worker.process.pid)
        # scmflow run names its dedupe keys after the group prefix.
        self.key_prefix = f"{self.prefix}group:dedupe:"

    def _profile(self, stage: str, pid: int) -> None:
        """With BENCH_PROFILE=DIR, sample the worker with py-spy into DIR until it exits."""
        directory = os.environ.get("BENCH_PROFILE")
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        output = Path(directory) / f"{self.name}-{stage}.txt"
        subprocess.Popen(
            [shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record",
             "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking",
             "-o", str(output)],
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / f"py-spy-{stage}.log").open("ab"),
        )

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def stop(self) -> list[int | None]:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = []
        for process in self.processes:
            try:
                codes.append(process.wait(30))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait(10))
        self.processes = []
        return codes

    def cleanup(self) -> None:
        try:
            delete_topics(self.bootstrap, self.prefix)
        except Exception as exc:  # noqa: BLE001 - cleanup must not lose the measurements
            print(f"bench: deleting topics with prefix {self.prefix} failed: {exc}", flush=True)
        client = redis.Redis.from_url(self.redis_url)
        batch = []
        for key in client.scan_iter(match=f"{self.prefix}*", count=5000):
            batch.append(key)
            if len(batch) >= 5000:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)


def measure(run: Run, backlog: list[RawEvent], paced_s: float, guarantee: str) -> dict:
    """Run one implementation through the backlog and the paced phase; return its numbers."""
    run.create_topics()
    producer = RawProducer(run.bootstrap)
    producer.produce_all(run.input_topic, backlog)
    unique = {event.event_id for event in backlog}
    expected = len(backlog) if run.name == "ceiling" else len(unique)

    reader = OutputReader(run.bootstrap, [run.output_topic], PARTITIONS)
    reader.start()
    started_wall_ns = time.time_ns()
    run.start(guarantee)
    sampler = ProcessSampler([process.pid for process in run.processes])
    sampler.start()
    timeout_s = max(300.0, len(backlog) / 100)
    finished = _wait(reader, run, len(unique), timeout_s)
    if run.name == "ceiling":
        finished = finished and _wait_total(reader, run, expected, 60)
    sampler.sample()
    cpu_backlog = sampler.cpu_seconds()
    result: dict = {"guarantee": guarantee, "finished": finished}
    seen = [reader.seen_ns[event_id] for event_id in unique if event_id in reader.seen_ns]
    outputs = reader.total
    if len(seen) >= 2:
        window_s = (max(seen) - min(seen)) / 1e9
        result["events_per_s"] = round(len(seen) / window_s, 1) if window_s > 0 else None
        result["startup_s"] = round((min(seen) - started_wall_ns) / 1e9, 2)
        result["elapsed_s"] = round(window_s, 2)
    else:
        result["events_per_s"] = None
    result["cpu_s_per_1k"] = round(cpu_backlog / max(1, outputs) * 1000, 3)
    backlog_latency = [
        (reader.seen_ns[event_id] - producer.first_produced_ns[event_id]) / 1e6
        for event_id in unique
        if event_id in reader.seen_ns
    ]
    result["backlog_p50_ms"] = _round(percentile(backlog_latency, 0.5))
    result["backlog_p99_ms"] = _round(percentile(backlog_latency, 0.99))

    # Paced phase at half the measured maximum rate.
    rate = (result["events_per_s"] or 0) / 2
    paced: list[RawEvent] = []
    if finished and rate > 0 and run.alive():
        count = max(100, int(rate * paced_s))
        paced = generate(count, ENTITIES, start=len(unique))
        producer.produce_paced(run.input_topic, paced, rate)
        paced_unique = {event.event_id for event in paced}
        paced_expected = len(unique) + len(paced_unique)
        _wait(reader, run, paced_expected, 120)
        if run.name == "ceiling":
            _wait_total(reader, run, expected + len(paced), 30)
        latency = [
            (reader.seen_ns[event_id] - producer.first_produced_ns[event_id]) / 1e6
            for event_id in paced_unique
            if event_id in reader.seen_ns
        ]
        result["paced_rate_per_s"] = round(rate, 1)
        result["p50_ms"] = _round(percentile(latency, 0.5))
        result["p99_ms"] = _round(percentile(latency, 0.99))
        unique |= paced_unique
        expected = len(backlog) + len(paced) if run.name == "ceiling" else len(unique)
    else:
        result["p50_ms"] = result["p99_ms"] = None
    time.sleep(2)  # let a late duplicate show up before counting
    sampler.stop()
    result["exit_codes"] = run.stop()
    reader.stop()
    result.update(sampler.rss_summary())

    seen_ids = set(reader.counts)
    result["outputs"] = reader.total
    result["expected_outputs"] = expected
    result["lost"] = len(unique - seen_ids)
    if run.name == "ceiling":
        # A passthrough forwards resends too: each raw record once.
        result["duplicates"] = max(0, reader.total - expected)
    else:
        result["duplicates"] = sum(count - 1 for count in reader.counts.values() if count > 1)
    result["unexpected"] = len(seen_ids - unique)
    result["correct"] = (
        result["lost"] == 0 and result["duplicates"] == 0 and result["unexpected"] == 0
    )
    result["notes"] = run.notes
    return result


def _wait(reader: OutputReader, run: Run, expected: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if reader.wait_for(expected, 2.0, idle_s=60.0):
            return True
        if not run.alive():
            run.notes.append("a worker process exited before all outputs were visible")
            return False
    run.notes.append(f"timed out: {len(reader.counts)} of {expected} outputs visible")
    return False


def _wait_total(reader: OutputReader, run: Run, expected: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and reader.total < expected:
        time.sleep(0.05)
    return reader.total >= expected


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def machine_info() -> dict:
    from confluent_kafka import libversion, version

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "kafka": "4.1.1",
        "confluent_kafka": version()[0] if isinstance(version(), tuple) else str(version()),
        "librdkafka": libversion()[0],
        "load_before": list(os.getloadavg()),
    }


def main() -> int:
    events = int(os.environ.get("BENCH_EVENTS", str(DEFAULT_EVENTS)))
    paced_s = float(os.environ.get("BENCH_PACED_S", "15"))
    only = os.environ.get("BENCH_ONLY", "")
    selected = [name for name in IMPLEMENTATIONS if not only or name in only.split(",")]
    run_id = str(int(time.time()))
    machine = machine_info()
    backlog = generate(events, ENTITIES)
    runs: dict[str, dict] = {}
    workdir = Path(tempfile.mkdtemp(prefix="scmflow-bench-"))
    own_services = None
    if os.environ.get("BENCH_SERVICES", "own") == "own":
        own_services = _start_services(workdir)
        bootstrap, redis_url = own_services.bootstrap_servers, own_services.redis_url
    else:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    machine["services"] = "own broker and Redis" if own_services else "shared"
    try:
        runs = _run_all(selected, backlog, paced_s, run_id, bootstrap, redis_url, workdir)
    finally:
        if own_services is not None:
            from scmflow import services

            services.down(own_services)
    print("bench: parsing throughput", flush=True)
    from bench.parsing import run as run_parsing

    parsing = run_parsing()
    machine["load_after"] = list(os.getloadavg())
    document = {"machine": machine, "events": events, "runs": runs, "parsing": parsing}
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = Path(os.environ.get("BENCH_OUTPUT", RESULTS / "latest.json"))
    output.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))
    if os.environ.get("BENCH_KEEP_LOGS"):
        print(f"bench: worker logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _start_services(workdir: Path):
    """Start a Kafka broker and a Redis server of this run's own, on free ports."""
    from scmflow import services

    config = services.ServiceConfig(
        state_dir=workdir / "services",
        kafka_port=_free_port(),
        controller_port=_free_port(),
        redis_port=_free_port(),
    )
    services.up(config)
    return config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_all(
    selected: list[str],
    backlog: list[RawEvent],
    paced_s: float,
    run_id: str,
    bootstrap: str,
    redis_url: str,
    workdir: Path,
) -> dict[str, dict]:
    runs: dict[str, dict] = {}
    for name in selected:
        guarantees = ["exactly-once"]
        if name == "faust":
            guarantees = ["exactly-once", "at-least-once"]
        for guarantee in guarantees:
            label = name if guarantee == "exactly-once" else f"{name}_at_least_once"
            print(f"bench: {label}: {len(backlog)} records", flush=True)
            run = Run(name, f"{run_id}.{guarantee}", bootstrap, redis_url, workdir)
            try:
                runs[label] = measure(run, backlog, paced_s, guarantee)
            finally:
                run.stop()
                run.cleanup()
            print(f"bench: {label}: {json.dumps(runs[label])}", flush=True)
    return runs


if __name__ == "__main__":
    sys.exit(main())
