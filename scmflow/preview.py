"""``scmflow normalize FILE...``: run the adapter and the normalizer on local files.

Nothing is read from or written to Kafka. Each canonical event is printed as
one JSON line on stdout, and each rejected record as one ``rejected ...`` line
on stderr with the error code the normalize stage would dead-letter it with.
"""

import argparse
import sys
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from adapters.edifact import looks_like_edifact, split_interchange
from adapters.edifact.headers import H_UNH_REFERENCE
from adapters.epcis import looks_like_epcis, split_epcis
from adapters.epcis.headers import H_EVENT_INDEX
from adapters.flatfile import LayoutError, load_layout, split_flatfile
from adapters.idoc import looks_like_idoc, split_idocs
from adapters.idoc.headers import H_DOCNUM
from adapters.raw import H_FILENAME, H_SPLIT_ERROR_CODE, RawDocument, utc_now_iso
from adapters.x12 import split_interchanges
from adapters.x12.headers import H_ST02
from adapters.x12.profile import X12EnvelopeProfiles
from canonical.envelope import CanonicalEvent
from canonical.errors import RecordError
from processors.normalize import RawRecord, normalize
from processors.normalize.flatfile import normalize_flatfile
from scmflow.preview_webhooks import WEBHOOK_FORMATS, webhook_splitter

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

PREVIEW_TOPIC = "raw.x12"
PREVIEW_TOPICS = {
    "x12": PREVIEW_TOPIC,
    "edifact": "raw.edifact",
    "epcis": "raw.epcis",
    "idoc": "raw.idoc",
    "flatfile": "raw.flatfile",
}
PREVIEW_PARTITION = 0
FORMATS = ("auto", "x12", "edifact", "epcis", "idoc", "flatfile", *WEBHOOK_FORMATS)
SPLITTERS = {
    "x12": split_interchanges,
    "edifact": split_interchange,
    "epcis": split_epcis,
    "idoc": split_idocs,
}
UTF8_BOM = b"\xef\xbb\xbf"
LEADING_WHITESPACE = b" \t\r\n"


def detect_format(data: bytes) -> str | None:
    """Return "x12" when the data starts with ISA after an optional BOM and white space.

    Return "epcis" for JSON or XML that names an EPCISDocument or
    EPCISQueryDocument near its start. Otherwise return "idoc" when an EDI_DC40
    control record starts the data, "edifact" when a UNA, UNB or UNH segment
    starts the data, possibly after a proprietary header, and None otherwise.
    Flat files need --layout instead.
    """
    body = data.removeprefix(UTF8_BOM).lstrip(LEADING_WHITESPACE)
    if body.startswith(b"ISA"):
        return "x12"
    if body.startswith((b"{", b"<")) and looks_like_epcis(body):
        return "epcis"
    if looks_like_idoc(data):
        return "idoc"
    return "edifact" if looks_like_edifact(data) else None


@lru_cache(maxsize=1)
def _x12_profiles() -> X12EnvelopeProfiles:
    # Read once per process: a preview or report reads many files with one config.
    return X12EnvelopeProfiles.load()


def split_file(
    data: bytes,
    file_format: str,
    *,
    filename: str,
    layout=None,
    webhook_topic: str | None = None,
) -> list[RawDocument]:
    """Split one file's bytes into raw documents, as the format's adapter publishes them."""
    received_at = utc_now_iso()
    if file_format in WEBHOOK_FORMATS:
        split = webhook_splitter(file_format, webhook_topic)
        return split(data, filename=filename, received_at=received_at)
    if file_format == "flatfile":
        return split_flatfile(data, layout, filename=filename, received_at=received_at)
    if file_format == "x12":
        return split_interchanges(
            data, filename=filename, received_at=received_at, profiles=_x12_profiles()
        )
    return SPLITTERS[file_format](data, filename=filename, received_at=received_at)


def normalize_document(record: RawRecord, layout=None) -> list[CanonicalEvent]:
    """Normalize one raw record as the normalize stage would; raise RecordError."""
    if layout is not None and H_SPLIT_ERROR_CODE not in record.headers:
        return normalize_flatfile(record, layout=layout)
    return normalize(record)


def run_preview(
    paths: list[str],
    fmt: str,
    stdout: TextIO,
    stderr: TextIO,
    layout_path: str | None = None,
    webhook_topic: str | None = None,
) -> int:
    """Split and normalize each file and return the exit code: 0, 1 or 2.

    Records get the format's raw topic (``raw.x12`` or ``raw.edifact``), partition
    0 and offsets counting up from 0 across all files, as if the files had been
    published in order. Files that cannot be read are reported on stderr and
    skipped. The exit code is 1 when any record was rejected, and 2 on usage
    errors or unreadable files.
    """
    if fmt not in FORMATS:
        print(
            f"scmflow normalize: unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}",
            file=stderr,
        )
        return EXIT_USAGE
    if not paths:
        print("scmflow normalize: no input file given", file=stderr)
        return EXIT_USAGE
    layout = None
    if fmt == "flatfile" or layout_path:
        if not layout_path:
            print("scmflow normalize: --format flatfile needs --layout FILE", file=stderr)
            return EXIT_USAGE
        try:
            layout = load_layout(layout_path)
        except LayoutError as exc:
            print(f"scmflow normalize: {exc}", file=stderr)
            return EXIT_USAGE
        fmt = "flatfile"

    exit_code = EXIT_OK
    offset = 0
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            print(f"scmflow normalize: cannot read {path}: {exc.strerror or exc}", file=stderr)
            exit_code = EXIT_USAGE
            continue
        file_format = fmt if fmt != "auto" else detect_format(data)
        if file_format is None:
            print(
                f"scmflow normalize: cannot detect the format of {path}: no ISA, UNA, UNB or "
                f"UNH segment and no EPCISDocument at the start; pass --format x12, edifact "
                f"or epcis to read it anyway",
                file=stderr,
            )
            exit_code = EXIT_USAGE
            continue
        documents = split_file(
            data, file_format, filename=Path(path).name, layout=layout, webhook_topic=webhook_topic
        )
        for document in documents:
            record = RawRecord(
                topic=PREVIEW_TOPICS.get(file_format, "raw.webhook"),
                partition=PREVIEW_PARTITION,
                offset=offset,
                key=document.key.encode("utf-8"),
                value=document.value,
                headers=document.headers,
                timestamp_ms=None,
            )
            offset += 1
            try:
                events = normalize_document(record, layout)
            except RecordError as exc:
                print(_rejection_line(path, record, exc), file=stderr)
                if exit_code == EXIT_OK:
                    exit_code = EXIT_REJECTED
                continue
            for event in events:
                print(event.model_dump_json(), file=stdout)
    return exit_code


def _rejection_line(path: str, record: RawRecord, error: RecordError) -> str:
    message = " ".join(error.message.split())
    set_number = (
        record.headers.get(H_ST02)
        or record.headers.get(H_UNH_REFERENCE)
        or record.headers.get(H_EVENT_INDEX)
        or record.headers.get(H_DOCNUM)
        or "-"
    )
    filename = record.headers.get(H_FILENAME) or path
    return (
        f"rejected file={filename} set={set_number} code={error.code.value} "
        f"field={error.field_path or '-'} message={message}"
    )


def add_normalize_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register the ``normalize`` subcommand.

    The parsed namespace gets ``handler``, a callable that takes the namespace
    and returns the process exit code.
    """
    parser = subparsers.add_parser(
        "normalize",
        help="split and normalize local partner files and print the canonical events",
        description=(
            "Run the adapter and the normalizer on local files without Kafka. Each "
            "canonical event is printed as one JSON line on stdout, and each rejected record "
            "is printed on stderr with its error code. Exit status: 0 when every record "
            "was normalized, 1 when any was rejected, 2 on usage errors or unreadable files."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="partner file to normalize")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="input format: auto reads a file as X12 when it starts with an ISA segment and "
        "as EDIFACT when it starts with UNA, UNB or UNH, and as GS1 EPCIS when it is JSON "
        "or XML naming an EPCISDocument near its start, and as an SAP IDoc when it starts "
        "with EDI_DC40; flatfile needs --layout; a webhook provider name (easypost, shippo, "
        "shopify, ups, woocommerce) reads the file as one webhook body (default: auto)",
    )
    parser.add_argument(
        "--webhook-topic",
        metavar="TOPIC",
        help="event name of a Shopify or WooCommerce body, as its X-Shopify-Topic or "
        "X-WC-Webhook-Topic header would give it, such as orders/create or order.created",
    )
    parser.add_argument(
        "--layout",
        metavar="FILE",
        help="flat-file layout YAML, such as config/layouts/erp-po-csv.yaml; implies "
        "--format flatfile",
    )
    parser.set_defaults(handler=_handle)
    return parser


def _handle(arguments: argparse.Namespace) -> int:
    return run_preview(
        arguments.files,
        arguments.format,
        sys.stdout,
        sys.stderr,
        arguments.layout,
        arguments.webhook_topic,
    )
