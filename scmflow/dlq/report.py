"""Replay reports: the records a replay re-published, or would in a dry run, and their printout."""

from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from canonical.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class ReplayedRecord:
    """A dead-letter record a replay re-published (or would re-publish) and where to."""

    partition: int
    offset: int
    code: str
    source: str
    key: str | None
    target_topic: str
    target_partition: int | None
    """Original partition, or None when the partitioner picks one."""
    replay_count: int
    """Value of the ``scmflow.replay.count`` header on the re-published record."""


@dataclass(frozen=True, slots=True)
class ReplayFailure:
    """A selected record that was not re-published, and why."""

    partition: int
    offset: int
    code: str
    reason: str


@dataclass
class ReplayReport:
    """Counts and positions of one replay run."""

    stage: str
    dlq_topic: str
    group_id: str
    actor: str
    dry_run: bool
    read_ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Partition to start offset (inclusive) and end offset (exclusive) of the read."""
    scanned: int = 0
    replayed: list[ReplayedRecord] = field(default_factory=list)
    failures: list[ReplayFailure] = field(default_factory=list)
    previous_progress: dict[int, int] = field(default_factory=dict)
    """Next offset per partition that the replay group had committed before this run."""
    committed_progress: dict[int, int] = field(default_factory=dict)
    """Next offset per partition that this run committed to the replay group."""
    stopped_reason: str | None = None
    """Reason the replay stopped before the end of its ranges, or None."""
    interrupted: bool = False

    @property
    def codes(self) -> Counter[str]:
        return Counter(record.code for record in self.replayed)

    @property
    def targets(self) -> Counter[str]:
        return Counter(record.target_topic for record in self.replayed)

    def replayed_ranges(self) -> dict[int, tuple[int, int]]:
        """Return the first and last replayed offset per partition (inclusive)."""
        ranges: dict[int, tuple[int, int]] = {}
        for record in self.replayed:
            first, last = ranges.get(record.partition, (record.offset, record.offset))
            ranges[record.partition] = (min(first, record.offset), max(last, record.offset))
        return ranges

    def exit_status(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failures or self.stopped_reason else 0


def print_report(report: ReplayReport, out: TextIO) -> None:
    """Print each record of a dry run, or the summary of a replay."""
    if report.dry_run:
        _print_dry_run(report, out)
    else:
        print(
            f"replayed {len(report.replayed)} records from {report.dlq_topic} "
            f"(read {report.scanned}, actor {report.actor})",
            file=out,
        )
    _print_counts(report, out)

    if report.failures:
        print(f"\n{len(report.failures)} selected records were not replayed", file=out)
        for failure in report.failures:
            print(
                f"  {report.dlq_topic}[{failure.partition}] offset {failure.offset} "
                f"{failure.code}: {failure.reason}",
                file=out,
            )
    if report.stopped_reason:
        print(f"\nthe replay stopped early: {report.stopped_reason}", file=out)
    if report.interrupted:
        print("\nthe replay was interrupted", file=out)
    if report.previous_progress:
        print(f"\nprogress committed by earlier replays to group {report.group_id}", file=out)
        for partition, offset in sorted(report.previous_progress.items()):
            print(f"  {report.dlq_topic}[{partition}] next offset {offset}", file=out)
    if not report.dry_run and report.committed_progress:
        print(f"\nprogress committed by this replay to group {report.group_id}", file=out)
        for partition, offset in sorted(report.committed_progress.items()):
            end = report.read_ranges.get(partition, (offset, offset))[1]
            state = "done" if offset >= end else f"stopped before end offset {end}"
            print(f"  {report.dlq_topic}[{partition}] next offset {offset} ({state})", file=out)


def _print_dry_run(report: ReplayReport, out: TextIO) -> None:
    print(
        f"dry run: would replay {len(report.replayed)} records from {report.dlq_topic} "
        f"(read {report.scanned}); nothing was published",
        file=out,
    )
    if not report.replayed:
        return
    print(
        f"  {'PARTITION':>9} {'OFFSET':>8}  {'CODE':<28} {'RETRIABLE':<9} {'REPLAYS':>7}  "
        f"{'SOURCE':<10} {'TARGET':<32} KEY",
        file=out,
    )
    for record in report.replayed:
        target = record.target_topic
        if record.target_partition is not None:
            target += f"[{record.target_partition}]"
        print(
            f"  {record.partition:>9} {record.offset:>8}  {record.code:<28} "
            f"{_retriable(record.code):<9} {record.replay_count - 1:>7}  {record.source:<10} "
            f"{target:<32} {record.key or '(null)'}",
            file=out,
        )
    if any(_retriable(record.code) == "no" for record in report.replayed):
        print(
            "  note: records marked no fail again when replayed unchanged; the partner must "
            "send a corrected document (see docs/errors.md)",
            file=out,
        )


def _retriable(code: str) -> str:
    """Return yes or no from the code's retriable flag, or ? for a code this release lacks."""
    try:
        return "yes" if ErrorCode(code).retriable else "no"
    except ValueError:
        return "?"


def _print_counts(report: ReplayReport, out: TextIO) -> None:
    if not report.replayed:
        return
    print("\nby error code", file=out)
    for code, count in sorted(report.codes.items()):
        print(f"  {code:<30} {count:>6}", file=out)
    print("\nby target topic", file=out)
    for topic, count in sorted(report.targets.items()):
        print(f"  {topic:<40} {count:>6}", file=out)
    label = "offsets to replay" if report.dry_run else "replayed offsets"
    print(f"\n{label}", file=out)
    for partition, (first, last) in sorted(report.replayed_ranges().items()):
        print(f"  {report.dlq_topic}[{partition}] {first}..{last}", file=out)
