"""Flat-file adapter: layouts, CSV and fixed-width rows, grouping into documents, watch mode."""

import threading
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from adapters.flatfile import LayoutError, load_layout, read_rows, split_flatfile
from adapters.flatfile import headers as fh
from adapters.flatfile.rows import FlatFileError
from adapters.publish import RawPublisher
from adapters.raw import H_PARTNER, H_SOURCE, H_SPLIT_ERROR_CODE, H_SPLIT_ERROR_MESSAGE
from canonical.errors import ErrorCode
from scmflow.ingest_flatfile import move_to, watch_folder
from scmflow.inspect import end_offsets

ROOT = Path(__file__).resolve().parents[3]
RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"

CSV_LAYOUT = """\
name: test-po
version: "3"
format: csv
source: old-erp
entity: purchase-order
csv: {delimiter: ";", quote: '"', header: true}
document_key: [PO]
columns:
  - {name: PO, header: PO Number}
  - {name: LINE, header: Line, type: int}
  - {name: TEXT, header: Text, required: false}
  - {name: QTY, header: Qty, type: decimal, decimal_mark: ","}
fields: {purchase_order_number: PO}
"""

FIXED_LAYOUT = """\
name: test-stock
version: "1"
format: fixed
source: old-erp
entity: inventory-snapshot
document_key: [WH]
columns:
  - {name: WH, start: 1, length: 4}
  - {name: MAT, start: 5, length: 6}
  - {name: QTY, start: 11, length: 8, type: decimal}
  - {name: NOTE, start: 19, length: 10, required: false}
fields: {location_id: WH}
"""

CSV_TEXT = (
    "PO Number;Line;Text;Qty\r\n"
    '4501;10;"Bolt; 8 mm";2,5\r\n'
    '4502;10;"Said ""hi""\nover two lines";1\r\n'
    "4501;20;Nut;100\r\n"
)


def layout_file(tmp_path: Path, text: str, name: str = "layout.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def split(data: bytes, layout):
    return split_flatfile(data, layout, filename="export.csv", received_at=RECEIVED_AT)


def test_example_layouts_load():
    for path in sorted((ROOT / "config" / "layouts").glob("*.yaml")):
        layout = load_layout(path)
        assert layout.name == path.stem


def test_layout_unknown_column_rejected(tmp_path):
    text = CSV_LAYOUT.replace("document_key: [PO]", "document_key: [NOPE]")

    with pytest.raises(LayoutError, match="NOPE"):
        load_layout(layout_file(tmp_path, text))


def test_layout_unquoted_version_rejected(tmp_path):
    with pytest.raises(LayoutError, match="quoted version"):
        load_layout(layout_file(tmp_path, CSV_LAYOUT.replace('"3"', "3")))


def test_fixed_layout_needs_positions(tmp_path):
    text = FIXED_LAYOUT.replace("{name: MAT, start: 5, length: 6}", "{name: MAT}")

    with pytest.raises(LayoutError, match="start and length"):
        load_layout(layout_file(tmp_path, text))


def test_csv_quoted_fields(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))

    header, rows = read_rows(CSV_TEXT.encode(), layout)

    assert header == "PO Number;Line;Text;Qty\r\n"
    assert [row.line_number for row in rows] == [2, 3, 5]
    assert rows[0].values["TEXT"] == "Bolt; 8 mm"
    assert rows[0].values["QTY"] == "2,5"
    assert rows[1].values["TEXT"] == 'Said "hi"\nover two lines'
    assert rows[1].values["QTY"] == "1"


def test_csv_grouped_by_document_key(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))

    first, second = split(CSV_TEXT.encode(), layout)

    assert first.key == "old-erp:test-po:4501"
    assert first.value == (
        b'PO Number;Line;Text;Qty\r\n4501;10;"Bolt; 8 mm";2,5\r\n4501;20;Nut;100\r\n'
    )
    assert first.headers[fh.H_LINE_NUMBERS] == "2,5"
    assert first.headers[fh.H_ROW_COUNT] == "2"
    assert first.headers[fh.H_LAYOUT] == "test-po"
    assert first.headers[fh.H_LAYOUT_VERSION] == "3"
    assert first.headers[fh.H_DOCUMENT_KEY] == "4501"
    assert first.headers[H_SOURCE] == "flatfile"
    assert first.headers[H_PARTNER] == "old-erp"
    assert second.key == "old-erp:test-po:4502"
    assert second.headers[fh.H_LINE_NUMBERS] == "3"


def test_csv_record_reads_back_same_rows(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))
    documents = split(CSV_TEXT.encode(), layout)

    _, rows = read_rows(documents[1].value, layout)

    assert rows[0].values["TEXT"] == 'Said "hi"\nover two lines'


def test_csv_missing_header_column_split_error(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))
    data = CSV_TEXT.replace("Qty", "Amount").encode()

    [document] = split(data, layout)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.FLATFILE_FILE_INVALID
    assert "'Qty'" in document.headers[H_SPLIT_ERROR_MESSAGE]
    assert document.value == data


def test_csv_unclosed_quote_split_error(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))

    [document] = split(b'PO Number;Line;Text;Qty\n4501;10;"open;1\n', layout)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.FLATFILE_FILE_INVALID
    assert "never closed" in document.headers[H_SPLIT_ERROR_MESSAGE]


def test_undecodable_file_split_error(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))

    [document] = split(b"PO Number;Line;Text;Qty\n4501;10;\xff;1\n", layout)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.FLATFILE_FILE_INVALID


def test_fixed_width_short_lines(tmp_path):
    layout = load_layout(layout_file(tmp_path, FIXED_LAYOUT))
    data = b"DC01MAT001    12.5 fragile\nDC01MAT002     3\n\nDC02MAT003\n"

    header, rows = read_rows(data, layout)

    assert header == ""
    assert [row.values for row in rows] == [
        {"WH": "DC01", "MAT": "MAT001", "QTY": "12.5", "NOTE": "fragile"},
        {"WH": "DC01", "MAT": "MAT002", "QTY": "3", "NOTE": ""},
        {"WH": "DC02", "MAT": "MAT003", "QTY": "", "NOTE": ""},
    ]
    assert [row.line_number for row in rows] == [1, 2, 4]


def test_fixed_width_groups(tmp_path):
    layout = load_layout(layout_file(tmp_path, FIXED_LAYOUT))

    first, second = split(b"DC01MAT001    12.5\nDC02MAT003       1\nDC01MAT002     3", layout)

    assert first.value == b"DC01MAT001    12.5\nDC01MAT002     3\n"
    assert second.value == b"DC02MAT003       1\n"
    assert first.headers[fh.H_HEADER_ROW] == "false"


def test_empty_file_split_error(tmp_path):
    layout = load_layout(layout_file(tmp_path, FIXED_LAYOUT))

    [document] = split(b"\n\n", layout)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.FLATFILE_FILE_INVALID
    assert "no data rows" in document.headers[H_SPLIT_ERROR_MESSAGE]


def test_read_rows_raises_for_header_only(tmp_path):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))

    with pytest.raises(FlatFileError):
        read_rows(b"", layout)


def test_move_to_keeps_existing_name(tmp_path):
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "a.csv").write_text("old")
    source = tmp_path / "a.csv"
    source.write_text("new")

    moved = move_to(source, tmp_path / "done")

    assert moved.name == "a.1.csv"
    assert moved.read_text() == "new"
    assert (tmp_path / "done" / "a.csv").read_text() == "old"


def create_topic(bootstrap: str) -> str:
    name = f"test.flatfile.watch.{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(30)
    return name


def test_watch_moves_files_to_done_and_failed(tmp_path, kafka_bootstrap, capsys):
    layout = load_layout(layout_file(tmp_path, CSV_LAYOUT))
    inbox, done, failed = tmp_path / "inbox", tmp_path / "done", tmp_path / "failed"
    inbox.mkdir()
    (inbox / "good.csv").write_bytes(CSV_TEXT.encode())
    (inbox / "broken.csv").write_text("Something else entirely\n1;2\n")
    (inbox / "partial.csv.part").write_text(CSV_TEXT)
    topic = create_topic(kafka_bootstrap)
    stop = threading.Event()
    result: list[int] = []
    watcher = threading.Thread(
        target=lambda: result.append(
            watch_folder(
                inbox,
                layout=layout,
                publish=RawPublisher(kafka_bootstrap).publish,
                topic=topic,
                done_dir=done,
                failed_dir=failed,
                stop=stop,
                interval_s=0.1,
            )
        )
    )
    watcher.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not ((done / "good.csv").exists() and failed.exists()):
        time.sleep(0.1)
    stop.set()
    watcher.join(10)

    assert not watcher.is_alive()
    assert result == [1]
    assert (done / "good.csv").read_bytes() == CSV_TEXT.encode()
    assert (failed / "broken.csv").exists()
    assert (inbox / "partial.csv.part").exists()
    assert not (inbox / "good.csv").exists()
    assert sum(end_offsets(kafka_bootstrap, [topic]).values()) == 2
    output = capsys.readouterr().out
    assert "good.csv: 2 documents published" in output
    assert "broken.csv:" in output
    assert "stopped watching" in output
