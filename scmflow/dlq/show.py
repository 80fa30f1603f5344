"""`scmflow dlq show`: one dead-letter record, decoded for reading."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TextIO

from canonical.avro import SINGLE_OBJECT_MARKER, decode_record
from canonical.errors import RecordError
from processors.runtime.dlq import ERROR_HEADERS
from processors.topology import Topology
from scmflow.dlq.reader import DlqError, PartitionReader, new_consumer, partition_bounds
from scmflow.dlq.records import ERROR_HEADER_PREFIX, DeadLetterRecord
from scmflow.dlq.selection import SelectionError

TEXT_CONTROL_CHARACTERS = frozenset("\r\n\t\x1c\x1d\x1e\x1f")
"""Control characters allowed in text values: line breaks, tab, and the
information separators that X12 and EDIFACT use as delimiters."""

_HEX_ROW = 16


@dataclass(frozen=True, slots=True)
class ValueView:
    """Display form of a record value: a description of its kind and the text to print."""

    kind: str
    text: str


def read_record(
    topology: Topology, stage: str, partition: int, offset: int, *, bootstrap_servers: str
) -> DeadLetterRecord:
    """Read the committed record at ``offset`` of the stage's dead-letter topic.

    Raises SelectionError for a partition the topic does not have, and
    DlqError when the offset contains no committed record.
    """
    topic = topology.stage(stage).dlq
    consumer = new_consumer(bootstrap_servers)
    try:
        bounds = partition_bounds(consumer, topic)
        if partition not in bounds:
            raise SelectionError(
                f"{topic} has no partition {partition}; partitions: "
                f"{', '.join(str(p) for p in bounds)}"
            )
        low, high = bounds[partition]
        if offset < low:
            raise DlqError(
                f"offset {offset} of {topic}[{partition}] is no longer on the broker "
                f"(deleted by retention); the first offset is {low}"
            )
        if offset >= high:
            raise DlqError(
                f"offset {offset} of {topic}[{partition}] is at or after the end offset {high}"
            )
        reader = PartitionReader(consumer, topic, {partition: (offset, offset + 1)})
        for batch in reader.batches(max_records=1):
            for message in batch:
                if message.offset() == offset:
                    return DeadLetterRecord.from_message(message)
    finally:
        consumer.close()
    raise DlqError(
        f"no committed record found at offset {offset} of {topic}[{partition}]: it is a "
        f"transaction marker or part of an aborted transaction"
    )


def view_value(value: bytes | None) -> ValueView:
    """Decode a value for display: Avro JSON, then text, else a hex dump."""
    if value is None:
        return ValueView("null", "")
    note = ""
    if value[:2] == SINGLE_OBJECT_MARKER:
        try:
            record = decode_record(value)
        except RecordError as exc:
            note = f"; not decodable as Avro: {exc.message}"
        else:
            return ValueView(
                "Avro single-object record", json.dumps(record, indent=2, default=_json_default)
            )
    for encoding in ("utf-8", "latin-1"):
        try:
            text = value.decode(encoding)
        except UnicodeDecodeError:
            continue
        if all(ch.isprintable() or ch in TEXT_CONTROL_CHARACTERS for ch in text):
            return ValueView(f"text ({encoding}){note}", text)
    return ValueView(f"binary, hex dump{note}", hex_dump(value))


def hex_dump(data: bytes) -> str:
    """Format bytes as rows of offset, 16 hex bytes and their printable ASCII."""
    rows = []
    for start in range(0, len(data), _HEX_ROW):
        chunk = data[start : start + _HEX_ROW]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        ascii_part = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        rows.append(f"{start:08x}  {hex_part:<{_HEX_ROW * 3 - 1}}  |{ascii_part}|")
    return "\n".join(rows)


def print_record(record: DeadLetterRecord, out: TextIO) -> None:
    """Print the record's position, error headers, other headers, key and value."""
    print(f"record     {record.topic}[{record.partition}] offset {record.offset}", file=out)
    timestamp = (
        datetime.fromtimestamp(record.timestamp_ms / 1000, UTC).isoformat(timespec="milliseconds")
        if record.timestamp_ms is not None
        else "none"
    )
    print(f"timestamp  {timestamp}", file=out)
    print(f"key        {_show_bytes(record.key)}", file=out)

    errors = record.error_headers()
    names = [name for name in ERROR_HEADERS if name in errors]
    names += sorted(name for name in errors if name not in ERROR_HEADERS)
    print("\nerror headers", file=out)
    if not names:
        print(f"  none (no {ERROR_HEADER_PREFIX}* headers)", file=out)
    width = max((len(name) for name in names), default=0)
    for name in names:
        print(f"  {name:<{width}}  {errors[name]}", file=out)

    others = record.other_headers()
    print("\nother headers", file=out)
    if not others:
        print("  none", file=out)
    width = max((len(name) for name, _ in others), default=0)
    for name, value in others:
        print(f"  {name:<{width}}  {_show_bytes(value)}", file=out)

    view = view_value(record.value)
    size = 0 if record.value is None else len(record.value)
    print(f"\nvalue: {size} bytes, {view.kind}", file=out)
    if view.text:
        print(view.text, file=out)


def _show_bytes(value: bytes | None) -> str:
    if value is None:
        return "(null)"
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return f"(binary) {value.hex()}"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")
