"""`scmflow dlq replay`: re-publish dead-letter records to the topics they failed on.

Reading. The replay reads the stage's dead-letter topic with read_committed,
through assign() at offsets computed from the selection, never from the
group's committed offsets. It reads up to the end offsets taken when it
starts, so records that fail again during the replay, and land in the same
dead-letter topic, are not read in the same run.

Writing. Each batch (at most 500 records, or about one second of records
under ``--rate``) is one Kafka transaction. The transaction contains the
re-published records and the next offsets to read, sent with
``send_offsets_to_transaction`` to the replay group
``<prefix>-dlq-replay-<stage>``. Those committed offsets record progress
only: the next replay reports where the previous one stopped, but it still
reads the offsets of its own selection. The producer's ``transactional.id`` is
the group name as well, so it is stable per stage. A replay started while
another replay of the same stage runs fences the older one (its next commit
fails), and a crashed replay's open transaction is aborted at the next start.

The re-published record. It goes to the original topic and partition
(``scmflow.error.topic`` and ``scmflow.error.partition``) with the original
key, value, timestamp and non-error headers. Every ``scmflow.error.*``
header is removed. ``scmflow.replay.count`` is one more than the record
carried, ``scmflow.replay.at`` and ``scmflow.replay.by`` name the time and
the actor, and ``scmflow.replay.origin`` names where the record first
arrived, which releases the key when the stage parks a dead-lettered key's
later records. The original topic must be an input of the stage, so the
stage processes the record again. A record whose original topic is not an
input is reported as failed and not re-published.

Idempotency. The value is unchanged, so the normalizer derives the same
idempotency key, and the dedupe stage drops the copy of an event it has
already forwarded. Replaying the same range twice therefore adds nothing to
the canonical topics. That guard sits in the dedupe stage: replaying a
dead letter of the fan-out stage re-publishes to a canonical topic, whose
readers then see the event again.

Failures. A transaction that must be aborted is retried up to three times
with the same records. After that, or after a fatal producer error, the
replay stops: the batch's records are reported as failed and the rest of the
range is not read.
"""

from typing import TextIO

import structlog
from confluent_kafka import Consumer, Message, TopicPartition

from processors.topology import Topology
from scmflow.dlq.progress import Progress
from scmflow.dlq.publisher import Pacer, ReplayPublisher
from scmflow.dlq.reader import (
    DlqError,
    PartitionReader,
    new_consumer,
    offsets_after,
    partition_bounds,
    topic_partition_counts,
)
from scmflow.dlq.records import DeadLetterRecord
from scmflow.dlq.report import ReplayedRecord, ReplayFailure, ReplayReport
from scmflow.dlq.selection import Selection, SelectionError

log = structlog.get_logger("scmflow.dlq")

MAX_BATCH = 500
"""Records read per transaction; with ``rate``, at most ``rate`` records (one second)."""
_COMMITTED_TIMEOUT_S = 30.0


def replay_group_id(stage: str, group_prefix: str = "scmflow") -> str:
    """Return the replay's consumer group, which is also its transactional id."""
    return f"{group_prefix}-dlq-replay-{stage}"


def replay_dead_letters(
    topology: Topology,
    stage: str,
    selection: Selection,
    *,
    bootstrap_servers: str,
    actor: str,
    dry_run: bool = False,
    rate: float | None = None,
    group_prefix: str = "scmflow",
    progress_stream: TextIO | None = None,
) -> ReplayReport:
    """Replay the selected dead letters of ``stage``; the module docstring gives the semantics.

    Raises TopologyError for an unknown stage, SelectionError for a partition
    the topic does not have, and DlqError when the topic is missing. Records
    that cannot be replayed are in the report's failures, and a read or
    transaction error after the start is its ``stopped_reason``.
    """
    if rate is not None and rate <= 0:
        raise SelectionError(f"--rate must be more than 0 records per second, got {rate}")
    dlq_topic = topology.stage(stage).dlq
    group_id = replay_group_id(stage, group_prefix)
    report = ReplayReport(
        stage=stage, dlq_topic=dlq_topic, group_id=group_id, actor=actor, dry_run=dry_run
    )
    consumer = new_consumer(bootstrap_servers, group_id)
    try:
        report.read_ranges = _read_ranges(consumer, dlq_topic, selection)
        report.previous_progress = _committed(consumer, dlq_topic, report.read_ranges)
        targets = _Targets(topology.stage_inputs(stage), topic_partition_counts(consumer))
        reader = PartitionReader(consumer, dlq_topic, report.read_ranges)
        progress = Progress(f"replaying {dlq_topic}", reader.total, progress_stream)
        publisher = None if dry_run else _LazyPublisher(bootstrap_servers, group_id, Pacer(rate))
        try:
            _replay_batches(reader, selection, targets, publisher, actor, rate, report, progress)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            progress.finish(
                report.scanned, replayed=len(report.replayed), failed=len(report.failures)
            )
            if publisher is not None:
                publisher.close()
    finally:
        consumer.close()
    if not dry_run:
        _log_replay(report)
    return report


def _replay_batches(
    reader: PartitionReader,
    selection: Selection,
    targets: "_Targets",
    publisher: "_LazyPublisher | None",
    actor: str,
    rate: float | None,
    report: ReplayReport,
    progress: Progress,
) -> None:
    """Read, select and (unless ``publisher`` is None) publish batch by batch into ``report``."""
    batch_size = MAX_BATCH if rate is None else max(1, min(MAX_BATCH, int(rate)))
    try:
        for batch in reader.batches(batch_size):
            report.scanned += len(batch)
            planned = _plan(batch, selection, targets, report)
            if publisher is not None:
                try:
                    publisher.get().publish(
                        planned,
                        reader.committable_offsets(),
                        reader.consumer.consumer_group_metadata(),
                        actor,
                    )
                except DlqError:
                    report.failures.extend(
                        ReplayFailure(r.partition, r.offset, r.code, "its transaction failed")
                        for r, _ in planned
                    )
                    raise
                report.committed_progress = {
                    tp.partition: tp.offset for tp in reader.committable_offsets()
                }
            report.replayed.extend(entry for _, entry in planned)
            progress.update(reader.read, replayed=len(report.replayed), failed=len(report.failures))
    except DlqError as exc:
        report.stopped_reason = str(exc)


class _LazyPublisher:
    """A ReplayPublisher created on first use, so a replay that reads nothing starts none."""

    def __init__(self, bootstrap_servers: str, transactional_id: str, pacer: Pacer) -> None:
        self._arguments = (bootstrap_servers, transactional_id, pacer)
        self._publisher: ReplayPublisher | None = None

    def get(self) -> ReplayPublisher:
        if self._publisher is None:
            self._publisher = ReplayPublisher(*self._arguments)
        return self._publisher

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()


def _read_ranges(
    consumer: Consumer, topic: str, selection: Selection
) -> dict[int, tuple[int, int]]:
    """Return the non-empty offset range to read per partition."""
    bounds = partition_bounds(consumer, topic)
    if selection.partition is not None and selection.partition not in bounds:
        raise SelectionError(
            f"{topic} has no partition {selection.partition}; partitions: "
            f"{', '.join(str(p) for p in bounds)}"
        )
    ranges = {p: selection.offset_bounds(p, low, high) for p, (low, high) in bounds.items()}
    if selection.since is not None:
        first = offsets_after(consumer, topic, list(ranges), selection.since)
        for partition, (start, end) in ranges.items():
            found = first.get(partition)
            ranges[partition] = (max(start, end if found is None else found), end)
    return {p: (start, end) for p, (start, end) in ranges.items() if start < end}


def _committed(
    consumer: Consumer, topic: str, ranges: dict[int, tuple[int, int]]
) -> dict[int, int]:
    if not ranges:
        return {}
    committed = consumer.committed(
        [TopicPartition(topic, p) for p in sorted(ranges)], timeout=_COMMITTED_TIMEOUT_S
    )
    return {tp.partition: tp.offset for tp in committed if tp.offset >= 0}


class _Targets:
    """The topics a stage reads, with their partition counts, to check replay targets."""

    def __init__(self, stage_inputs: list[str], partition_counts: dict[str, int]) -> None:
        self.stage_inputs = set(stage_inputs)
        self.partition_counts = partition_counts

    def resolve(self, record: DeadLetterRecord) -> tuple[str, int | None]:
        """Return the target topic and partition; raise ValueError with the reason it has none."""
        topic = record.original_topic
        if not topic:
            raise ValueError("the scmflow.error.topic header is missing")
        if topic not in self.stage_inputs:
            raise ValueError(f"original topic {topic} is not an input of the stage")
        count = self.partition_counts.get(topic)
        if count is None:
            raise ValueError(f"original topic {topic} does not exist on the broker")
        partition = record.original_partition
        return topic, partition if partition is not None and 0 <= partition < count else None


def _plan(
    batch: list[Message], selection: Selection, targets: _Targets, report: ReplayReport
) -> list[tuple[DeadLetterRecord, ReplayedRecord]]:
    planned = []
    for message in batch:
        record = DeadLetterRecord.from_message(message)
        if not selection.matches(record):
            continue
        try:
            topic, partition = targets.resolve(record)
        except ValueError as exc:
            report.failures.append(
                ReplayFailure(record.partition, record.offset, record.code, str(exc))
            )
            continue
        entry = ReplayedRecord(
            partition=record.partition,
            offset=record.offset,
            code=record.code,
            source=record.source,
            key=record.key_text,
            target_topic=topic,
            target_partition=partition,
            replay_count=record.replay_count + 1,
        )
        planned.append((record, entry))
    return planned


def _log_replay(report: ReplayReport) -> None:
    log.info(
        "dlq_replayed",
        actor=report.actor,
        stage=report.stage,
        topic=report.dlq_topic,
        read_start_offsets={str(p): start for p, (start, _) in report.read_ranges.items()},
        read_end_offsets={str(p): end for p, (_, end) in report.read_ranges.items()},
        replayed_ranges={str(p): list(r) for p, r in report.replayed_ranges().items()},
        count=len(report.replayed),
        codes=dict(report.codes),
        targets=dict(report.targets),
        failed=len(report.failures),
        stopped_reason=report.stopped_reason,
        interrupted=report.interrupted,
    )
