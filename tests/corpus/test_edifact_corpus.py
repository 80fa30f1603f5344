"""Every public EDIFACT sample file ends as canonical events or coded rejections, never a crash.

The samples are real files from open-source EDIFACT parsers: proprietary
headers, UNG groups, a message without UNB, UTF-8 text under UNOA and message
types without a normalizer. Run with ``-s`` to see a summary line per file.
"""

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from adapters.edifact import Delimiters, parse_segments, split_interchange
from adapters.edifact import headers as eh
from adapters.raw import H_SPLIT_ERROR_CODE
from canonical.errors import ErrorCode, RecordError
from canonical.shipment import ShipmentStatus
from processors.normalize import RawRecord, normalize
from processors.normalize.edifact import Tables, normalize_edifact
from processors.normalize.edifact.profile import EdifactSettings, load_edifact_settings
from scmflow.preview import detect_format, run_preview

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "edifact"
SAMPLE_FILES = (
    sorted(path for path in SAMPLES.rglob("*") if path.is_file()) if SAMPLES.is_dir() else []
)

pytestmark = pytest.mark.skipif(not SAMPLE_FILES, reason=f"no sample files under {SAMPLES}")


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def records_of(path: Path) -> list[RawRecord]:
    documents = split_interchange(path.read_bytes(), filename=path.name)
    return [
        RawRecord("raw.edifact", 0, offset, None, document.value, document.headers, None)
        for offset, document in enumerate(documents)
    ]


def outcomes(path: Path) -> tuple[int, list, Counter]:
    """Split and normalize one file; return the record count, events and rejection codes."""
    records = records_of(path)
    events = []
    rejections: Counter = Counter()
    for record in records:
        try:
            events.extend(normalize(record))
        except RecordError as exc:
            assert isinstance(exc.code, ErrorCode)
            rejections[exc.code.value] += 1
    return len(records), events, rejections


def ids(path: Path) -> str:
    return str(path.relative_to(SAMPLES))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=ids)
def test_every_message_is_event_or_rejection(path):
    records, events, rejections = outcomes(path)
    summary = ", ".join(f"{code}={count}" for code, count in sorted(rejections.items()))
    print(f"{ids(path)}: {records} records, {len(events)} events, "
          f"rejections: {summary or 'none'}")  # fmt: skip
    rejected_records = sum(rejections.values())

    assert records >= 1
    assert rejected_records <= records
    assert len(events) >= records - rejected_records
    assert len({event.envelope.idempotency_key for event in events}) == len(events)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=ids)
def test_preview_runs_every_file(path):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_preview([str(path)], "edifact", stdout, stderr)
    events = stdout.getvalue().splitlines()
    rejections = stderr.getvalue().splitlines()

    assert code in (0, 1)
    assert all(line.startswith("rejected file=") for line in rejections)
    assert all(" code=EDIFACT_" in line or " code=MAPPING_MISSING" in line for line in rejections)
    assert (code == 1) == bool(rejections)
    assert all(json.loads(line)["envelope"]["provenance"]["raw_topic"] == "raw.edifact"
               for line in events)  # fmt: skip


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=ids)
def test_format_detected(path):
    assert detect_format(path.read_bytes()) == "edifact"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=ids)
def test_message_count_matches_unh_segments(path):
    """Each UNH gives one record, good or dead-lettered, counted by plain text search."""
    records = records_of(path)
    text = path.read_bytes().decode("latin-1")
    starts = text.count("UNH+")

    assert sum(1 for record in records if record.headers.get(eh.H_UNH_REFERENCE)) == starts
    assert not any(H_SPLIT_ERROR_CODE in record.headers for record in records)


def test_pydifact_order_gives_one_purchase_order():
    records, events, rejections = outcomes(sample("pydifact/order.edi"))

    assert records == 1
    assert rejections == Counter()
    [event] = events
    order = event.payload
    assert event.envelope.entity_type == "purchase-order"
    assert order.purchase_order_number == "801715918011"
    assert order.supplier_id == "5020436000004"
    assert [line.line_number for line in order.lines] == ["1", "2"]
    assert [line.quantity_ordered.value for line in order.lines] == [8, 8]
    assert [line.product_ids[0].value for line in order.lines] == [
        "5020436373085", "5020436373108",
    ]  # fmt: skip
    assert event.envelope.quality_flags == ["edifact.unz_missing"]


def test_pydifact_order2_gives_one_purchase_order():
    records, events, rejections = outcomes(sample("pydifact/order2.edi"))

    assert (records, rejections) == (1, Counter())
    [event] = events
    assert event.payload.purchase_order_number == "PO123456"
    assert event.payload.lines[0].quantity_ordered.value == 10


def test_smooks_recadv_keeps_cjk_text_and_flags_charset():
    path = sample("smooks-edi-cartridge/recadv.txt")
    [record] = records_of(path)
    delimiters = Delimiters.from_headers(record.headers)
    segments = parse_segments(record.value, delimiters, record.headers[eh.H_ENCODING])
    delivery_party = next(s for s in segments if s.tag == "NAD" and s.component(1) == "DP")
    supplier = next(s for s in segments if s.tag == "NAD" and s.component(1) == "SU")
    [event] = normalize(record)

    assert record.headers[eh.H_CHARSET] == "UNOA"
    assert delivery_party.component(4) == "报文测试天津有限公司"
    assert supplier.component(4) == "CSP test d'This is also a test section"
    assert event.envelope.quality_flags == ["edifact.charset_mismatch"]
    assert event.payload.lines[0].quantity_received.value == 200
    assert event.payload.location_id == "GCCN33"


def test_iftsta_sample_needs_status_mapping():
    path = sample("IFTSTAParser/sample.txt")
    [record] = records_of(path)

    with pytest.raises(RecordError) as caught:
        normalize(record)

    assert caught.value.code == ErrorCode.MAPPING_MISSING
    assert caught.value.field_path == "CNI[3].STS02"


def test_iftsta_sample_with_mapped_status():
    path = sample("IFTSTAParser/sample.txt")
    [record] = records_of(path)
    base = load_edifact_settings()
    statuses = {**base.defaults["status_codes"], "17": "in_exception"}
    settings = EdifactSettings(
        version=base.version, defaults={**base.defaults, "status_codes": statuses}, partners={}
    )
    events = normalize_edifact(record, tables=Tables.load(edifact=settings))

    assert [event.payload.shipment_id for event in events] == ["4215A", "5122C", "5145E", "7655S"]
    assert [event.payload.status for event in events] == [
        ShipmentStatus.DELIVERED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.IN_EXCEPTION,
        ShipmentStatus.IN_EXCEPTION,
    ]
    assert len(events[3].payload.packs) == 3
    assert events[0].envelope.entity_id == "5412345123453:4215A"
    assert "edifact.unb_missing" in events[0].envelope.quality_flags


def test_sage_file_with_proprietary_header():
    path = sample("pydifact/sage_coala.ped")
    [record] = records_of(path)

    assert record.headers[eh.H_PREAMBLE].startswith("DOC+01=")
    assert record.headers[eh.H_UNG_GROUP_ID] == "INFENT"
    assert record.headers[eh.H_DECIMAL_MARK] == ","
    assert "edifact.unt_count_mismatch" in record.headers[eh.H_QUALITY_FLAGS]
    with pytest.raises(RecordError) as caught:
        normalize(record)
    assert caught.value.code == ErrorCode.EDIFACT_UNSUPPORTED_MESSAGE


def test_smooks_invoice_release_and_repetition():
    path = sample("smooks-edi-cartridge/invoic.txt")
    [record] = records_of(path)
    delimiters = Delimiters.from_headers(record.headers)
    segments = parse_segments(record.value, delimiters, record.headers[eh.H_ENCODING])
    imd = next(s for s in segments if s.tag == "IMD")
    cux = next(s for s in segments if s.tag == "CUX")

    assert delimiters.repetition == "*"
    assert imd.component(3, 5).endswith("Tolkien's original colours on sleeve")
    assert cux.repeats(1) == [["3"], ["1"]]
