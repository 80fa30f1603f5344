"""Measurements of a run: outputs seen by a read_committed reader, and worker CPU and RSS."""

import threading
import time
from collections import Counter

import psutil
from confluent_kafka import Consumer, TopicPartition

H_CORRELATION_ID = "scmflow.correlation_id"
H_WEBHOOK_EVENT_ID = "scmflow.webhook.event_id"
CORRELATION_PREFIX = "webhook:shopify:"


class OutputReader:
    """Reads output topics with ``isolation.level=read_committed`` from the beginning.

    Records, per event id, how many times it was seen and the wall-clock time it
    was first seen. Normalized outputs carry the event id in their correlation
    id; passthrough outputs carry the raw webhook event id header.
    """

    def __init__(self, bootstrap: str, topics: list[str], partitions: int) -> None:
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"bench-reader-{time.time_ns()}",
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
                "fetch.wait.max.ms": 10,
            }
        )
        self.consumer.assign(
            [TopicPartition(topic, p, 0) for topic in topics for p in range(partitions)]
        )
        self.counts: Counter[str] = Counter()
        self.seen_ns: dict[str, int] = {}
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self.consumer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            messages = self.consumer.consume(1000, 0.05)
            now = time.time_ns()
            for message in messages:
                if message.error() is not None:
                    continue
                event_id = _event_id(message.headers() or [])
                self.counts[event_id] += 1
                self.seen_ns.setdefault(event_id, now)
                self.total += 1

    def wait_for(self, expected: int, timeout_s: float, idle_s: float = 30.0) -> bool:
        """Wait for ``expected`` distinct outputs; False after a timeout or a stall."""
        deadline = time.monotonic() + timeout_s
        last_total, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            if len(self.counts) >= expected:
                return True
            if self.total != last_total:
                last_total, last_change = self.total, time.monotonic()
            elif time.monotonic() - last_change > idle_s:
                return False
            time.sleep(0.05)
        return False


def _event_id(headers: list[tuple[str, bytes]]) -> str:
    for name, value in headers:
        if name == H_CORRELATION_ID:
            return value.decode().removeprefix(CORRELATION_PREFIX)
    for name, value in headers:
        if name == H_WEBHOOK_EVENT_ID:
            return value.decode()
    return ""


class ProcessSampler:
    """Samples RSS and CPU time of worker processes and their children every 0.5 s."""

    def __init__(self, pids: list[int], interval_s: float = 0.5) -> None:
        self.roots = [psutil.Process(pid) for pid in pids]
        self.interval_s = interval_s
        self.rss_samples: list[tuple[float, float]] = []
        self.worker_rss_max: dict[int, float] = {}
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        rss = 0
        for root in self.roots:
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            worker_rss = 0
            for process in processes:
                try:
                    with process.oneshot():
                        worker_rss += process.memory_info().rss
                        times = process.cpu_times()
                except psutil.Error:
                    continue
                cpu = times.user + times.system + times.children_user + times.children_system
                self._cpu[process.pid] = max(self._cpu.get(process.pid, 0.0), cpu)
            rss += worker_rss
            previous = self.worker_rss_max.get(root.pid, 0.0)
            self.worker_rss_max[root.pid] = max(previous, worker_rss / 1e6)
        self.rss_samples.append((time.monotonic(), rss / 1e6))

    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def rss_summary(self) -> dict[str, float]:
        values = [rss for _, rss in self.rss_samples if rss > 0]
        if not values:
            return {"rss_mb": 0.0, "rss_total_mb": 0.0, "rss_growth_mb": 0.0}
        quarter = max(1, len(values) // 4)
        first = sum(values[:quarter]) / quarter
        last = sum(values[-quarter:]) / quarter
        return {
            "rss_mb": round(max(self.worker_rss_max.values()), 1),
            "rss_per_worker_mb": [round(value, 1) for value in self.worker_rss_max.values()],
            "rss_total_mb": round(max(values), 1),
            "rss_first_quarter_mb": round(first, 1),
            "rss_last_quarter_mb": round(last, 1),
            "rss_growth_mb": round(last - first, 1),
        }


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
