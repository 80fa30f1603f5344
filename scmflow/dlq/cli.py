"""The `scmflow dlq` subcommands: list, show and replay dead-letter records.

Exit status of every subcommand: 0 on success and 1 when a record failed to
replay or a topic or record could not be read. Usage errors, such as an
unknown stage or a missing selection, exit with 2, and an interrupted replay
with 130.
"""

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import TextIO

from processors.topology import Topology, TopologyError, load_topology
from scmflow.dlq.reader import DlqError
from scmflow.dlq.replay import MAX_BATCH, replay_dead_letters
from scmflow.dlq.report import print_report
from scmflow.dlq.selection import Selection, SelectionError, parse_codes, parse_time
from scmflow.dlq.show import print_record, read_record
from scmflow.dlq.summary import print_summaries, print_summaries_json, summarize_stages
from scmflow.settings import get_settings

USAGE_ERROR = 2


def run_list(
    topology: Topology,
    *,
    bootstrap_servers: str,
    stage: str | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the dead-letter counts of one stage or of all; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    if stage is not None and not _known_stage(topology, stage, err):
        return USAGE_ERROR
    try:
        summaries = summarize_stages(
            topology, bootstrap_servers=bootstrap_servers, stages=[stage] if stage else None
        )
    except DlqError as exc:
        print(f"error: {exc}", file=err)
        return 1
    if as_json:
        print_summaries_json(summaries, out)
    else:
        print_summaries(summaries, out)
    return 0


def run_show(
    topology: Topology,
    *,
    bootstrap_servers: str,
    stage: str,
    partition: int,
    offset: int,
    raw: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print one dead-letter record, or write its value bytes to ``out`` with ``raw``."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not _known_stage(topology, stage, err):
        return USAGE_ERROR
    try:
        record = read_record(
            topology, stage, partition, offset, bootstrap_servers=bootstrap_servers
        )
    except SelectionError as exc:
        print(f"error: {exc}", file=err)
        return USAGE_ERROR
    except DlqError as exc:
        print(f"error: {exc}", file=err)
        return 1
    if raw:
        out.flush()
        binary = getattr(out, "buffer", None)
        if binary is None:
            raise TypeError("--raw needs an output stream with a binary buffer, such as stdout")
        binary.write(record.value or b"")
        binary.flush()
    else:
        print_record(record, out)
    return 0


def run_replay(
    topology: Topology,
    *,
    bootstrap_servers: str,
    stage: str,
    selection: Selection,
    actor: str,
    dry_run: bool = False,
    rate: float | None = None,
    group_prefix: str = "scmflow",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Replay or, with ``dry_run``, list the selected dead letters; print the report."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not _known_stage(topology, stage, err):
        return USAGE_ERROR
    try:
        report = replay_dead_letters(
            topology,
            stage,
            selection,
            bootstrap_servers=bootstrap_servers,
            actor=actor,
            dry_run=dry_run,
            rate=rate,
            group_prefix=group_prefix,
            progress_stream=err,
        )
    except SelectionError as exc:
        print(f"error: {exc}", file=err)
        return USAGE_ERROR
    except DlqError as exc:
        print(f"error: {exc}", file=err)
        return 1
    print_report(report, out)
    return report.exit_status()


def _known_stage(topology: Topology, stage: str, err: TextIO) -> bool:
    if stage in topology.stages:
        return True
    print(
        f"error: unknown stage {stage!r}; expected one of {', '.join(sorted(topology.stages))}",
        file=err,
    )
    return False


def _settings_topology() -> Topology | None:
    settings = get_settings()
    try:
        return load_topology(settings.topology_file)
    except TopologyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _cmd_list(args: argparse.Namespace) -> int:
    topology = _settings_topology()
    if topology is None:
        return USAGE_ERROR
    return run_list(
        topology,
        bootstrap_servers=get_settings().bootstrap_servers,
        stage=args.stage,
        as_json=args.json,
    )


def _cmd_show(args: argparse.Namespace) -> int:
    topology = _settings_topology()
    if topology is None:
        return USAGE_ERROR
    return run_show(
        topology,
        bootstrap_servers=get_settings().bootstrap_servers,
        stage=args.stage,
        partition=args.partition,
        offset=args.offset,
        raw=args.raw,
    )


def selection_from_args(args: argparse.Namespace, now: datetime) -> Selection:
    """Build the replay selection from parsed arguments; raise SelectionError on bad input."""
    return Selection(
        partition=args.partition,
        from_offset=args.from_offset,
        to_offset=args.to_offset,
        since=parse_time(args.since, now) if args.since else None,
        until=parse_time(args.until, now) if args.until else None,
        select_all=args.all,
        codes=parse_codes(args.code or []),
        source=args.source,
        entity=args.entity,
    )


def _cmd_replay(args: argparse.Namespace) -> int:
    try:
        selection = selection_from_args(args, datetime.now(UTC))
    except SelectionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    topology = _settings_topology()
    if topology is None:
        return USAGE_ERROR
    return run_replay(
        topology,
        bootstrap_servers=get_settings().bootstrap_servers,
        stage=args.stage,
        selection=selection,
        actor=args.actor or _os_user(),
        dry_run=args.dry_run,
        rate=args.rate,
        group_prefix=args.group_prefix,
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def add_dlq_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `scmflow dlq list|show|replay` on the top-level subcommands."""
    dlq = subparsers.add_parser(
        "dlq",
        help="count, inspect and replay dead-letter records",
        description="Count, inspect and replay the records in the stages' dead-letter topics "
        "(stages.<name>.dlq in topology.yaml). Reads use read_committed.",
    )
    actions = dlq.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        help="count dead-letter records by error code, source and age",
        description="Read each dead-letter topic from its first offset to its end and count "
        "the records by error code, by source (the scmflow.source header, else the original "
        "topic) and by age of scmflow.error.failed_at.",
    )
    listing.add_argument("--stage", help="read only this stage's dead-letter topic")
    listing.add_argument("--json", action="store_true", help="print JSON instead of tables")
    listing.set_defaults(handler=_cmd_list)

    show = actions.add_parser(
        "show",
        help="print one dead-letter record with its error headers, key and value",
        description="Print one record: error headers, other headers, key and value. The value "
        "is shown as JSON when it is an Avro single-object record, as text when it decodes as "
        "UTF-8 or Latin-1 text, and as a hex dump otherwise.",
    )
    show.add_argument("--stage", required=True, help="stage whose dead-letter topic to read")
    show.add_argument("--partition", type=int, required=True, help="partition of the record")
    show.add_argument("--offset", type=int, required=True, help="offset of the record")
    show.add_argument(
        "--raw", action="store_true", help="write only the value's bytes to stdout, unchanged"
    )
    show.set_defaults(handler=_cmd_show)

    _add_replay_parser(actions)


def _add_replay_parser(actions: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    replay = actions.add_parser(
        "replay",
        help="re-publish selected dead-letter records to the topics they failed on",
        description="Re-publish the selected records of a stage's dead-letter topic to their "
        "original topics, with the original key, value and headers, so the stage processes "
        "them again. Error headers are removed and scmflow.replay.count/at/by are set. Each "
        f"batch of up to {MAX_BATCH} records is one Kafka transaction. A selection is "
        "required: an offset range, a time window or --all.",
    )
    replay.add_argument("--stage", required=True, help="stage whose dead letters to replay")

    selection = replay.add_argument_group("selection (one is required)")
    selection.add_argument("--partition", type=int, help="dead-letter partition to read")
    selection.add_argument(
        "--from-offset", type=int, help="first offset to replay (inclusive; needs --partition)"
    )
    selection.add_argument(
        "--to-offset", type=int, help="last offset to replay (inclusive; needs --partition)"
    )
    selection.add_argument(
        "--since",
        help="replay records that failed at or after this time: ISO 8601 (UTC when no offset "
        "is given) or relative such as 30m, 2h, 7d",
    )
    selection.add_argument(
        "--until", help="replay records that failed at or before this time (formats as --since)"
    )
    selection.add_argument(
        "--all", action="store_true", help="select every record of the dead-letter topic"
    )

    filters = replay.add_argument_group("filters")
    filters.add_argument(
        "--code", action="append", metavar="CODE", help="error code to replay; repeatable"
    )
    filters.add_argument(
        "--source", help="source to replay: the scmflow.source header or the original topic"
    )
    filters.add_argument(
        "--entity", help="replay records whose key or scmflow.entity_id header equals this value"
    )

    replay.add_argument(
        "--dry-run", action="store_true", help="print what would be replayed and publish nothing"
    )
    replay.add_argument(
        "--rate", type=float, help="maximum records re-published per second (default: no limit)"
    )
    replay.add_argument(
        "--actor", help="name recorded in scmflow.replay.by and the log (default: the OS user)"
    )
    replay.add_argument(
        "--group-prefix",
        default="scmflow",
        help="prefix of the replay's consumer group and transactional id, "
        "<prefix>-dlq-replay-<stage> (default: scmflow)",
    )
    replay.set_defaults(handler=_cmd_replay)
