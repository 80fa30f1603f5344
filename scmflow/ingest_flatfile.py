"""``scmflow ingest flatfile --layout L FILE...``: publish legacy exports, once or from a folder.

Each file is split by its layout into one raw record per business document
and published to the raw flat-file topic. With ``--watch DIR`` the command
polls the folder instead: each new file is published and then moved to
``--done-dir``, or moved to ``--failed-dir`` without publishing when it
cannot be read or split at all. A file whose records Kafka did not
acknowledge stays in the folder and is tried again on the next poll. The
watch stops on SIGINT or SIGTERM after the file in progress.
"""

import argparse
import logging
import shutil
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

SOURCE = "flatfile"
DEFAULT_POLL_INTERVAL_S = 2.0

logger = logging.getLogger("scmflow.ingest.flatfile")


def add_ingest_flatfile_parser(ingest_subparsers: "argparse._SubParsersAction") -> None:
    """Register ``flatfile`` under the ``ingest`` command.

    The parsed namespace gets ``handler``, a callable that takes the namespace
    and returns the process exit code. It is 0 when every record was
    acknowledged, 1 when Kafka did not acknowledge one or a file could not be
    split, and 2 for an unreadable layout, file or folder.
    """
    parser = ingest_subparsers.add_parser(
        SOURCE,
        help="split CSV or fixed-width exports by a layout file and publish each document",
        description="Split each file into business documents with the layout (rows grouped "
        "by its document key) and publish every document to the raw flat-file topic. With "
        "--watch, poll a folder and move each file to the done or failed folder afterwards.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="export file to publish")
    parser.add_argument(
        "--layout", required=True, help="layout YAML file, such as config/layouts/erp-po-csv.yaml"
    )
    parser.add_argument("--topic", help="raw topic to publish to (default: from topology.yaml)")
    parser.add_argument("--watch", metavar="DIR", help="poll DIR for new files until stopped")
    parser.add_argument("--done-dir", help="folder for published files (default: DIR/done)")
    parser.add_argument(
        "--failed-dir", help="folder for files that cannot be split (default: DIR/failed)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_POLL_INTERVAL_S,
        help=f"seconds between polls of the watched folder (default: {DEFAULT_POLL_INTERVAL_S})",
    )
    parser.set_defaults(handler=ingest_flatfile)


@dataclass
class FileOutcome:
    """The outcome for one file: published, failed (moved to failed) or retry (left in place)."""

    path: Path
    status: str
    message: str


def process_file(path: Path, layout, publish, topic: str) -> FileOutcome:
    """Split one file and publish its documents; never raises for bad input.

    ``publish(topic, documents)`` returns a PublishReport. A file that cannot
    be read or split at all is reported as ``failed`` and nothing is published.
    """
    from adapters.flatfile import split_flatfile
    from adapters.raw import H_SPLIT_ERROR_CODE, H_SPLIT_ERROR_MESSAGE

    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileOutcome(path, "failed", f"cannot read: {exc.strerror or exc}")
    documents = split_flatfile(data, layout, filename=path.name)
    if len(documents) == 1 and H_SPLIT_ERROR_CODE in documents[0].headers:
        return FileOutcome(path, "failed", documents[0].headers[H_SPLIT_ERROR_MESSAGE])
    report = publish(topic, documents)
    if report.failed:
        return FileOutcome(path, "retry", "; ".join(report.failed))
    return FileOutcome(path, "published", f"{report.delivered} documents published to {topic}")


def move_to(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder``, adding a numeric suffix when the name is taken."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():
        target = folder / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    return Path(shutil.move(str(path), str(target)))


def watch_folder(
    folder: Path,
    *,
    layout,
    publish,
    topic: str,
    done_dir: Path,
    failed_dir: Path,
    stop: threading.Event,
    interval_s: float = DEFAULT_POLL_INTERVAL_S,
    out: TextIO | None = None,
) -> int:
    """Poll ``folder`` until ``stop`` is set; return 1 when any file failed, else 0.

    Files are taken in name order. Hidden files and names ending in .tmp or
    .part are skipped, so a writer can create a file under a temporary name
    and rename it when complete.
    """
    out = out or sys.stdout
    any_failed = False
    print(f"watching {folder} every {interval_s:g} s; stop with Ctrl-C", file=out, flush=True)
    while not stop.is_set():
        for path in sorted(folder.iterdir()):
            if stop.is_set():
                break
            if not path.is_file() or path.name.startswith(".") or path.suffix in (".tmp", ".part"):
                continue
            outcome = process_file(path, layout, publish, topic)
            if outcome.status == "published":
                moved = move_to(path, done_dir)
                print(f"{path.name}: {outcome.message}; moved to {moved}", file=out, flush=True)
            elif outcome.status == "failed":
                any_failed = True
                moved = move_to(path, failed_dir)
                print(f"{path.name}: {outcome.message}; moved to {moved}", file=out, flush=True)
                logger.error("flatfile_failed file=%s error=%s", path, outcome.message)
            else:
                print(f"{path.name}: not acknowledged, retrying: {outcome.message}", file=out)
                logger.warning("flatfile_retry file=%s error=%s", path, outcome.message)
        stop.wait(interval_s)
    print(f"stopped watching {folder}", file=out, flush=True)
    return 1 if any_failed else 0


def ingest_flatfile(args: argparse.Namespace) -> int:
    """Publish ``args.files``, or watch ``args.watch``; print one line per file."""
    from adapters.flatfile import LayoutError, load_layout
    from adapters.publish import RawPublisher
    from processors.topology import load_topology
    from scmflow.settings import get_settings

    try:
        layout = load_layout(args.layout)
    except LayoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.files and not args.watch:
        print("error: give at least one FILE or --watch DIR", file=sys.stderr)
        return 2
    settings = get_settings()
    topic = args.topic or load_topology(settings.topology_file).sources[SOURCE].topic
    publisher = RawPublisher(settings.bootstrap_servers)

    if args.watch:
        folder = Path(args.watch)
        if not folder.is_dir():
            print(f"error: {folder} is not a folder", file=sys.stderr)
            return 2
        stop = threading.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: stop.set())
        return watch_folder(
            folder,
            layout=layout,
            publish=publisher.publish,
            topic=topic,
            done_dir=Path(args.done_dir) if args.done_dir else folder / "done",
            failed_dir=Path(args.failed_dir) if args.failed_dir else folder / "failed",
            stop=stop,
            interval_s=args.interval,
        )

    exit_code = 0
    for name in args.files:
        outcome = process_file(Path(name), layout, publisher.publish, topic)
        if outcome.status == "published":
            print(f"{name}: {outcome.message}")
            continue
        print(f"error: {name}: {outcome.message}", file=sys.stderr)
        exit_code = 2 if outcome.message.startswith("cannot read") else max(exit_code, 1)
    return exit_code
