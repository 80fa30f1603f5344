"""`scmflow dlq list`: dead-letter records per stage, counted by error code, source and age."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from processors.topology import Topology
from scmflow.dlq.progress import Progress
from scmflow.dlq.reader import PartitionReader, new_consumer, partition_bounds
from scmflow.dlq.records import DeadLetterRecord

AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("<1h", timedelta(hours=1)),
    ("<1d", timedelta(days=1)),
    ("<7d", timedelta(days=7)),
    ("older", None),
)
"""Age buckets by ``failed_at``, each holding the records younger than its limit."""

NO_TIME = "unknown"
"""Age bucket of a record without ``failed_at`` and without a Kafka timestamp."""


@dataclass
class StageSummary:
    """Counts of one stage's dead-letter topic, read from its first offset to its end."""

    stage: str
    topic: str
    partitions: dict[int, tuple[int, int]]
    """Partition to first offset and end offset, as read."""
    records: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    ages: Counter[str] = field(default_factory=Counter)
    code_ages: dict[str, Counter[str]] = field(default_factory=dict)
    code_latest: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per code, the partition and offset of the last record read, for `dlq show`."""
    oldest_failed_at: datetime | None = None
    newest_failed_at: datetime | None = None

    def add(self, record: DeadLetterRecord, now: datetime) -> None:
        self.records += 1
        self.codes[record.code] += 1
        self.sources[record.source or "unknown"] += 1
        failed_at = record.failed_at
        bucket = age_bucket(failed_at, now)
        self.ages[bucket] += 1
        self.code_ages.setdefault(record.code, Counter())[bucket] += 1
        self.code_latest[record.code] = (record.partition, record.offset)
        if failed_at is not None:
            if self.oldest_failed_at is None or failed_at < self.oldest_failed_at:
                self.oldest_failed_at = failed_at
            if self.newest_failed_at is None or failed_at > self.newest_failed_at:
                self.newest_failed_at = failed_at

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "topic": self.topic,
            "records": self.records,
            "partitions": {
                str(p): {"first_offset": low, "end_offset": high}
                for p, (low, high) in sorted(self.partitions.items())
            },
            "codes": dict(sorted(self.codes.items())),
            "sources": dict(sorted(self.sources.items())),
            "age": {name: self.ages.get(name, 0) for name in _bucket_names(self.ages)},
            "code_ages": {
                code: {name: ages.get(name, 0) for name in _bucket_names(ages)}
                for code, ages in sorted(self.code_ages.items())
            },
            "oldest_failed_at": _iso(self.oldest_failed_at),
            "newest_failed_at": _iso(self.newest_failed_at),
        }


def age_bucket(failed_at: datetime | None, now: datetime) -> str:
    if failed_at is None:
        return NO_TIME
    age = now - failed_at
    for name, limit in AGE_BUCKETS:
        if limit is None or age < limit:
            return name
    raise AssertionError("the last age bucket has no limit")


def summarize_stages(
    topology: Topology,
    *,
    bootstrap_servers: str,
    stages: list[str] | None = None,
    now: datetime | None = None,
    progress_stream: TextIO | None = None,
) -> list[StageSummary]:
    """Read every committed record of each stage's dead-letter topic and count it.

    ``stages`` defaults to every stage of the topology, in name order. Raises
    DlqError when a topic does not exist or a read times out.
    """
    now = now or datetime.now(UTC)
    summaries = []
    for stage in stages or sorted(topology.stages):
        topic = topology.stage(stage).dlq
        consumer = new_consumer(bootstrap_servers)
        try:
            bounds = partition_bounds(consumer, topic)
            summary = StageSummary(stage=stage, topic=topic, partitions=bounds)
            reader = PartitionReader(consumer, topic, bounds)
            progress = Progress(f"reading {topic}", reader.total, progress_stream)
            for batch in reader.batches():
                for message in batch:
                    summary.add(DeadLetterRecord.from_message(message), now)
                progress.update(reader.read)
            progress.finish(reader.read)
        finally:
            consumer.close()
        summaries.append(summary)
    return summaries


def print_summaries(summaries: list[StageSummary], out: TextIO) -> None:
    """Print one overview table, then the counts by code and age and by source per topic."""
    print(
        f"{'STAGE':<12} {'TOPIC':<32} {'RECORDS':>8}  {'OLDEST FAILED':<24} NEWEST FAILED", file=out
    )
    for summary in summaries:
        print(
            f"{summary.stage:<12} {summary.topic:<32} {summary.records:>8}  "
            f"{_iso(summary.oldest_failed_at) or '-':<24} {_iso(summary.newest_failed_at) or '-'}",
            file=out,
        )
    for summary in summaries:
        if not summary.records:
            continue
        names = _bucket_names(summary.ages)
        print(f"\n{summary.topic} by error code and age (failed_at)", file=out)
        header = "".join(f" {name:>7}" for name in names)
        print(f"  {'CODE':<30} {'RECORDS':>8}{header}  LATEST (PARTITION/OFFSET)", file=out)
        for code, count in sorted(summary.codes.items()):
            ages = summary.code_ages[code]
            cells = "".join(f" {ages.get(name, 0):>7}" for name in names)
            partition, offset = summary.code_latest[code]
            print(f"  {code:<30} {count:>8}{cells}  {partition}/{offset}", file=out)
        partition, offset = next(iter(summary.code_latest.values()))
        print(
            f"  show one: scmflow dlq show --stage {summary.stage} "
            f"--partition {partition} --offset {offset}",
            file=out,
        )
        print(f"\n{summary.topic} by source", file=out)
        print(f"  {'SOURCE':<30} {'RECORDS':>8}", file=out)
        for source, count in sorted(summary.sources.items()):
            print(f"  {source:<30} {count:>8}", file=out)


def print_summaries_json(summaries: list[StageSummary], out: TextIO) -> None:
    json.dump({"stages": [summary.to_json() for summary in summaries]}, out, indent=2)
    out.write("\n")


def _bucket_names(counts: Counter[str]) -> list[str]:
    names = [name for name, _ in AGE_BUCKETS]
    return names + [NO_TIME] if counts.get(NO_TIME) else names


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
