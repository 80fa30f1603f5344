"""``scmflow corpus-report FILE...``: count what each partner file becomes, without Kafka.

Each file is split and normalized as ``scmflow normalize`` does it. The report
lists per file the raw records, the events per entity type and the rejections
per error code, then the totals. Unlike ``scmflow normalize`` it prints no
events, so it summarizes a whole sample corpus in a few lines.
"""

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from adapters.flatfile import LayoutError, load_layout
from canonical.errors import RecordError
from processors.normalize import RawRecord
from scmflow.preview import (
    FORMATS,
    PREVIEW_TOPICS,
    detect_format,
    normalize_document,
    split_file,
)

EXIT_OK = 0
EXIT_USAGE = 2


@dataclass(slots=True)
class FileOutcome:
    """The outcome of one file: raw records, events per entity type and rejections per code."""

    path: str
    file_format: str | None
    records: int = 0
    events: Counter = field(default_factory=Counter)
    rejections: Counter = field(default_factory=Counter)


def report_file(
    path: Path, fmt: str = "auto", *, layout=None, webhook_topic: str | None = None
) -> FileOutcome:
    """Split and normalize one file; raise OSError when it cannot be read."""
    data = path.read_bytes()
    file_format = fmt if fmt != "auto" else detect_format(data)
    outcome = FileOutcome(path=str(path), file_format=file_format)
    if file_format is None:
        return outcome
    documents = split_file(
        data, file_format, filename=path.name, layout=layout, webhook_topic=webhook_topic
    )
    topic = PREVIEW_TOPICS.get(file_format, "raw.webhook")
    for offset, document in enumerate(documents):
        outcome.records += 1
        record = RawRecord(topic, 0, offset, None, document.value, document.headers, None)
        try:
            events = normalize_document(record, layout)
        except RecordError as exc:
            outcome.rejections[exc.code.value] += 1
            continue
        outcome.events.update(event.envelope.entity_type for event in events)
    return outcome


def run_report(
    paths: list[str],
    fmt: str,
    stdout: TextIO,
    stderr: TextIO,
    *,
    layout_path: str | None = None,
    webhook_topic: str | None = None,
) -> int:
    """Print one line per file and the totals, and return the exit code.

    The code is 0, or 2 for an unknown format or an unreadable file. Rejected
    records are counted, not treated as failures.
    """
    if fmt not in FORMATS:
        print(f"scmflow corpus-report: unknown format {fmt!r}; expected one of: "
              f"{', '.join(FORMATS)}", file=stderr)  # fmt: skip
        return EXIT_USAGE
    layout = None
    if fmt == "flatfile" or layout_path:
        if not layout_path:
            print("scmflow corpus-report: --format flatfile needs --layout FILE", file=stderr)
            return EXIT_USAGE
        try:
            layout = load_layout(layout_path)
        except LayoutError as exc:
            print(f"scmflow corpus-report: {exc}", file=stderr)
            return EXIT_USAGE
        fmt = "flatfile"
    exit_code = EXIT_OK
    totals = FileOutcome(path="total", file_format=None)
    files = 0
    for name in paths:
        try:
            outcome = report_file(Path(name), fmt, layout=layout, webhook_topic=webhook_topic)
        except OSError as exc:
            print(f"scmflow corpus-report: cannot read {name}: {exc.strerror or exc}", file=stderr)
            exit_code = EXIT_USAGE
            continue
        if outcome.file_format is None:
            print(f"{name}: format not detected; pass --format", file=stdout)
            continue
        files += 1
        totals.records += outcome.records
        totals.events.update(outcome.events)
        totals.rejections.update(outcome.rejections)
        print(_line(name, outcome), file=stdout)
    print(_line(f"total ({files} files)", totals), file=stdout)
    return exit_code


def _line(label: str, outcome: FileOutcome) -> str:
    events = ", ".join(f"{kind}={count}" for kind, count in sorted(outcome.events.items()))
    rejections = ", ".join(f"{code}={count}" for code, count in sorted(outcome.rejections.items()))
    return (
        f"{label}: {outcome.records} records, {sum(outcome.events.values())} events "
        f"({events or 'none'}), {sum(outcome.rejections.values())} rejections "
        f"({rejections or 'none'})"
    )


def _handle(args: argparse.Namespace) -> int:
    return run_report(
        args.files,
        args.format,
        sys.stdout,
        sys.stderr,
        layout_path=args.layout,
        webhook_topic=args.webhook_topic,
    )


def add_corpus_report_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register the ``corpus-report`` subcommand; its handler returns the exit code."""
    parser = subparsers.add_parser(
        "corpus-report",
        help="count the events and rejections that local partner files give",
        description="Split and normalize local files without Kafka and print, per file and "
        "in total, the raw records, the events per entity type and the rejections per "
        "error code.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="partner file to read")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="input format (default: auto, detected from the content)",
    )
    parser.add_argument("--layout", metavar="FILE", help="flat-file layout YAML")
    parser.add_argument(
        "--webhook-topic",
        metavar="TOPIC",
        help="event name of Shopify or WooCommerce bodies, such as orders/create",
    )
    parser.set_defaults(handler=_handle)
    return parser
