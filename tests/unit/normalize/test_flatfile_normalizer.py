"""Flat-file normalizer: inventory snapshots and purchase orders, typed columns, heuristic keys."""

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.flatfile import load_layout, split_flatfile
from canonical.avro import decode, encode
from canonical.errors import ErrorCode, RecordError
from canonical.inventory import StockStatus
from processors.normalize import RawRecord, normalize
from processors.normalize.flatfile import normalize_flatfile
from scmflow.preview import EXIT_OK, EXIT_USAGE, run_preview

ROOT = Path(__file__).resolve().parents[3]
RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"

STOCK_LAYOUT = """\
name: test-stock
version: "1"
format: fixed
source: old-erp
entity: inventory-snapshot
timezone: Europe/Berlin
document_key: [WH]
columns:
  - {name: WH, start: 1, length: 4}
  - {name: MAT, start: 5, length: 6}
  - {name: ST, start: 11, length: 1, code_table: status}
  - {name: QTY, start: 12, length: 10, type: decimal, decimal_mark: ",", thousands_separator: "."}
  - {name: RES, start: 22, length: 6, type: decimal, decimal_mark: ",", required: false}
  - {name: UNIT, start: 28, length: 3, code_table: units}
  - {name: ASOF, start: 31, length: 12, type: date, format: "%Y%m%d%H%M"}
code_tables:
  status: {F: unrestricted, Q: quality_inspection, X: somewhere}
  units: {ST: H87, KG: KGM}
fields:
  location_id: WH
  product_id: MAT
  stock_status: ST
  on_hand: QTY
  reserved: RES
  unit: UNIT
  as_of: ASOF
key: {material: MAT, time: ASOF, time_bucket_seconds: 3600}
"""

PO_LAYOUT = """\
name: test-po
version: "1"
format: csv
source: old-erp
entity: purchase-order
csv: {delimiter: ";", header: true}
document_key: [PO]
columns:
  - {name: PO, header: PO}
  - {name: LINE, header: Line, type: int}
  - {name: VENDOR, header: Vendor}
  - {name: DATE, header: Date, type: date, format: "%d.%m.%Y"}
  - {name: MAT, header: Material}
  - {name: QTY, header: Qty, type: decimal, decimal_mark: ","}
  - {name: UNIT, header: Unit, code_table: units}
  - {name: DUE, header: Due, type: date, format: "%d.%m.%Y", required: false}
code_tables:
  units: {ST: H87, KG: KGM}
fields:
  purchase_order_number: PO
  supplier_id: VENDOR
  ordered_at: DATE
  line_number: LINE
  product_id: MAT
  quantity: QTY
  unit: UNIT
  requested_delivery_at: DUE
key: {line: LINE, material: MAT, time: DATE}
"""

PO_CSV = (
    "PO;Line;Vendor;Date;Material;Qty;Unit;Due\n"
    '4501;10;V-1;10.03.2025;"M-1";2,5;KG;20.03.2025\n'
    "4501;20;V-1;10.03.2025;M-2;100;ST;\n"
)


def stock_line(qty: str = "1.250,5", asof: str = "202503122200", unit: str = "ST") -> str:
    return f"DC01MAT001F{qty:>10}{'50,0':>6}{unit:<3}{asof}"


def layout_of(tmp_path: Path, text: str):
    path = tmp_path / "layout.yaml"
    path.write_text(text)
    return load_layout(path)


def records(data: bytes, layout, offset: int = 0) -> list[RawRecord]:
    documents = split_flatfile(data, layout, filename="export.txt", received_at=RECEIVED_AT)
    return [
        RawRecord("raw.flatfile", 0, offset + index, d.key.encode(), d.value, d.headers, None)
        for index, d in enumerate(documents)
    ]


def run(data: bytes, layout, offset: int = 0):
    return [
        event
        for record in records(data, layout, offset)
        for event in normalize_flatfile(record, layout=layout)
    ]


def test_fixed_width_to_snapshot(tmp_path):
    layout = layout_of(tmp_path, STOCK_LAYOUT)

    [event] = run((stock_line() + "\n").encode(), layout)
    snapshot = event.payload

    assert event.envelope.entity_type == "inventory-snapshot"
    assert event.envelope.entity_id == "old-erp:DC01:MAT001::unrestricted"
    assert event.envelope.producer_system == "erp:old-erp"
    assert snapshot.stock_status == StockStatus.UNRESTRICTED
    assert snapshot.on_hand.value == Decimal("1250.5")
    assert snapshot.on_hand.source_value == "1.250,5"
    assert snapshot.on_hand.unit == "H87"
    assert snapshot.reserved.value == Decimal("50.0")
    assert snapshot.available.value == Decimal("1250.5")
    assert snapshot.as_of == datetime(2025, 3, 12, 21, 0, tzinfo=UTC)
    assert event.envelope.quality_flags == ["flatfile.available_missing"]
    assert event.envelope.provenance.mapping_versions == {"layout:test-stock": "1"}
    assert decode(encode(event)) == event


def test_reexport_same_bucket_same_key(tmp_path):
    layout = layout_of(tmp_path, STOCK_LAYOUT)

    [first] = run((stock_line(asof="202503122200") + "\n").encode(), layout, offset=0)
    [again] = run((stock_line(asof="202503122215") + "\n").encode(), layout, offset=1)
    [next_hour] = run((stock_line(asof="202503122300") + "\n").encode(), layout, offset=2)

    assert first.envelope.idempotency_key == again.envelope.idempotency_key
    assert first.envelope.idempotency_key != next_hour.envelope.idempotency_key


def test_changed_quantity_new_key(tmp_path):
    layout = layout_of(tmp_path, STOCK_LAYOUT)

    [first] = run((stock_line(qty="10") + "\n").encode(), layout)
    [changed] = run((stock_line(qty="11") + "\n").encode(), layout)

    assert first.envelope.idempotency_key != changed.envelope.idempotency_key


def test_bad_date_rejected_with_code(tmp_path):
    layout = layout_of(tmp_path, STOCK_LAYOUT)

    with pytest.raises(RecordError) as caught:
        run((stock_line(asof="202513122200") + "\n").encode(), layout)

    assert caught.value.code == ErrorCode.FLATFILE_FIELD_INVALID
    assert caught.value.field_path == "line 1.ASOF"
    assert "%Y%m%d%H%M" in caught.value.message


@pytest.mark.parametrize("qty", ["1,2,3", "12.34", "1.2345", "abc"])
def test_bad_decimal_rejected(tmp_path, qty):
    layout = layout_of(tmp_path, STOCK_LAYOUT)

    with pytest.raises(RecordError) as caught:
        run((stock_line(qty=qty) + "\n").encode(), layout)

    assert caught.value.code == ErrorCode.FLATFILE_FIELD_INVALID
    assert caught.value.field_path == "line 1.QTY"


def test_unknown_unit_mapping_missing(tmp_path):
    layout = layout_of(tmp_path, STOCK_LAYOUT)

    with pytest.raises(RecordError) as caught:
        run((stock_line(unit="XX") + "\n").encode(), layout)

    assert caught.value.code == ErrorCode.MAPPING_MISSING
    assert caught.value.field_path == "line 1.UNIT"


def test_code_table_value_not_a_status(tmp_path):
    layout = layout_of(tmp_path, STOCK_LAYOUT)
    line = stock_line().replace("MAT001F", "MAT001X")

    with pytest.raises(RecordError) as caught:
        run((line + "\n").encode(), layout)

    assert caught.value.code == ErrorCode.FLATFILE_FIELD_INVALID


def test_csv_to_purchase_order(tmp_path):
    layout = layout_of(tmp_path, PO_LAYOUT)

    [event] = run(PO_CSV.encode(), layout)
    order = event.payload

    assert event.envelope.entity_id == "old-erp:4501"
    assert order.purchase_order_number == "4501"
    assert order.supplier_id == "V-1"
    assert order.ordered_at == datetime(2025, 3, 10, tzinfo=UTC)
    assert [line.line_number for line in order.lines] == ["10", "20"]
    assert order.lines[0].quantity_ordered.value == Decimal("2.5")
    assert order.lines[0].quantity_ordered.unit == "KGM"
    assert order.lines[0].product_ids[0].value == "M-1"
    assert order.lines[0].requested_delivery_at == datetime(2025, 3, 20, tzinfo=UTC)
    assert order.lines[1].requested_delivery_at is None


def test_order_rows_disagree_rejected(tmp_path):
    layout = layout_of(tmp_path, PO_LAYOUT)
    data = PO_CSV.replace("4501;20;V-1", "4501;20;V-2").encode()

    with pytest.raises(RecordError) as caught:
        run(data, layout)

    assert caught.value.code == ErrorCode.FLATFILE_FIELD_INVALID
    assert caught.value.field_path == "line 3.VENDOR"


def test_layout_version_mismatch(tmp_path):
    layout = layout_of(tmp_path, PO_LAYOUT)
    newer = layout_of(tmp_path, PO_LAYOUT.replace('version: "1"', 'version: "2"'))
    [record] = records(PO_CSV.encode(), layout)

    with pytest.raises(RecordError) as caught:
        normalize_flatfile(record, layout=newer)

    assert caught.value.code == ErrorCode.FLATFILE_LAYOUT_INVALID


def test_dispatch_loads_layout_from_config():
    layout = load_layout(ROOT / "config" / "layouts" / "erp-po-csv.yaml")
    data = (ROOT / "samples" / "flatfile" / "erp-po-20250312.csv").read_bytes()

    events = [event for record in records(data, layout) for event in normalize(record)]

    assert [event.envelope.entity_id for event in events] == [
        "legacy-erp:4500001001",
        "legacy-erp:4500001002",
    ]


def test_sample_stock_export():
    layout = load_layout(ROOT / "config" / "layouts" / "erp-stock-fixed.yaml")
    data = (ROOT / "samples" / "flatfile" / "erp-stock-20250312.txt").read_bytes()

    events = [event for record in records(data, layout) for event in normalize(record)]

    assert len(events) == 3
    assert events[0].payload.on_hand.value == Decimal("1250.000")
    assert events[1].payload.stock_status == StockStatus.QUALITY_INSPECTION


def test_split_error_dead_lettered(tmp_path):
    layout = layout_of(tmp_path, PO_LAYOUT)
    [record] = records(b"Nothing;here\n", layout)

    with pytest.raises(RecordError) as caught:
        normalize(record)

    assert caught.value.code == ErrorCode.FLATFILE_FILE_INVALID


def test_preview_with_layout():
    stdout, stderr = io.StringIO(), io.StringIO()
    layout = ROOT / "config" / "layouts" / "erp-po-csv.yaml"
    sample = ROOT / "samples" / "flatfile" / "erp-po-20250312.csv"

    code = run_preview([str(sample)], "auto", stdout, stderr, str(layout))

    assert code == EXIT_OK
    assert len(stdout.getvalue().splitlines()) == 2


def test_preview_flatfile_needs_layout():
    stdout, stderr = io.StringIO(), io.StringIO()

    code = run_preview(["any.csv"], "flatfile", stdout, stderr)

    assert code == EXIT_USAGE
    assert "--layout" in stderr.getvalue()
