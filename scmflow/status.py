"""`scmflow status`: stages, lag per partition, DLQ depth per code, throughput, reachability."""

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from processors.runtime.dlq import H_CODE, decode_headers
from processors.topology import Topology
from scmflow.inspect import end_offsets, group_lag, read_committed
from scmflow.services import kafka_responds, redis_responds
from scmflow.worker import STAGES


@dataclass
class StageStatus:
    stage: str
    group_id: str
    lag: dict[tuple[str, int], int] = field(default_factory=dict)
    records_per_s: float = 0.0
    dlq_topic: str = ""
    dlq_codes: Counter = field(default_factory=Counter)


def collect_status(
    topology: Topology,
    *,
    bootstrap_servers: str,
    window_s: float,
    group_prefix: str = "scmflow",
) -> list[StageStatus]:
    """Measure every stage: lag now, committed records over ``window_s``, DLQ codes."""
    statuses = []
    for stage in STAGES:
        status = StageStatus(stage, f"{group_prefix}-{stage}", dlq_topic=topology.stage(stage).dlq)
        status.lag = group_lag(bootstrap_servers, status.group_id, topology.stage_inputs(stage))
        statuses.append(status)

    ends_before = {s.stage: _committed(s, bootstrap_servers, topology) for s in statuses}
    time.sleep(window_s)
    for status in statuses:
        after = _committed(status, bootstrap_servers, topology)
        status.records_per_s = max(0, after - ends_before[status.stage]) / window_s

        start = {tp: 0 for tp in end_offsets(bootstrap_servers, [status.dlq_topic])}
        for message in read_committed(bootstrap_servers, start):
            status.dlq_codes[decode_headers(message.headers()).get(H_CODE, "?")] += 1
    return statuses


def _committed(status: StageStatus, bootstrap_servers: str, topology: Topology) -> int:
    """Total committed offset of the stage's group: end offsets minus lag."""
    topics = topology.stage_inputs(status.stage)
    ends = end_offsets(bootstrap_servers, topics)
    lag = group_lag(bootstrap_servers, status.group_id, topics)
    return sum(ends.values()) - sum(lag.values())


def print_status(
    statuses: list[StageStatus],
    *,
    broker: str,
    broker_ok: bool,
    redis_url: str,
    redis_ok: bool,
    out: TextIO,
) -> None:
    print(f"broker  {broker:<40} {'reachable' if broker_ok else 'NOT REACHABLE'}", file=out)
    print(f"redis   {redis_url:<40} {'reachable' if redis_ok else 'NOT REACHABLE'}", file=out)
    for status in statuses:
        lag_total = sum(status.lag.values())
        dlq_total = sum(status.dlq_codes.values())
        print(
            f"\nstage {status.stage}: lag {lag_total}, {status.records_per_s:.1f} records/s, "
            f"{dlq_total} in {status.dlq_topic}",
            file=out,
        )
        for (topic, partition), lag in sorted(status.lag.items()):
            print(f"  lag   {f'{topic}[{partition}]':<32} {lag:>8}", file=out)
        for code, count in sorted(status.dlq_codes.items()):
            print(f"  dlq   {code:<32} {count:>8}", file=out)


def run_status(
    topology: Topology,
    *,
    bootstrap_servers: str,
    redis_url: str,
    window_s: float,
    out: TextIO,
    group_prefix: str = "scmflow",
) -> int:
    """Print the status table; return 1 when the broker or Redis cannot be reached."""
    broker_ok = kafka_responds(bootstrap_servers)
    redis_ok = redis_responds(redis_url)
    statuses = []
    if broker_ok:
        statuses = collect_status(
            topology,
            bootstrap_servers=bootstrap_servers,
            window_s=window_s,
            group_prefix=group_prefix,
        )
    print_status(
        statuses,
        broker=bootstrap_servers,
        broker_ok=broker_ok,
        redis_url=redis_url,
        redis_ok=redis_ok,
        out=out,
    )
    return 0 if broker_ok and redis_ok else 1


__all__ = ["StageStatus", "collect_status", "run_status"]
