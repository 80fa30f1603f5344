"""Every public X12 sample file ends as canonical events or coded rejections, never a crash.

The samples are real files from open-source EDI parsers, several of them broken
on purpose. Run with ``-s`` to see a summary line per file.
"""

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from adapters.raw import H_SPLIT_ERROR_CODE
from adapters.x12 import split_interchanges
from adapters.x12.ack import build_acks
from adapters.x12.headers import H_SEGMENT_TERMINATOR, H_ST01
from canonical.errors import ErrorCode, RecordError
from processors.normalize import RawRecord, normalize
from scmflow.corpus_report import run_report
from scmflow.preview import run_preview

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "x12"
SAMPLE_FILES = (
    sorted(path for path in SAMPLES.rglob("*") if path.is_file()) if SAMPLES.is_dir() else []
)

ENTITY_TYPES = {"shipment", "customer-order", "purchase-order", "inventory-snapshot", "receipt",
                "exception-event"}  # fmt: skip

pytestmark = pytest.mark.skipif(not SAMPLE_FILES, reason=f"no sample files under {SAMPLES}")


def outcomes(path: Path) -> tuple[int, list, Counter]:
    """Split and normalize one file; return the record count, events and rejection codes."""
    documents = split_interchanges(path.read_bytes(), filename=path.name)
    events = []
    rejections: Counter = Counter()
    for offset, document in enumerate(documents):
        record = RawRecord("raw.x12", 0, offset, None, document.value, document.headers, None)
        try:
            events.extend(normalize(record))
        except RecordError as exc:
            assert isinstance(exc.code, ErrorCode)
            rejections[exc.code.value] += 1
    return len(documents), events, rejections


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_every_record_is_event_or_rejection(path):
    records, events, rejections = outcomes(path)
    summary = ", ".join(f"{code}={count}" for code, count in sorted(rejections.items()))
    print(f"{path.relative_to(SAMPLES)}: {records} records, {len(events)} events, "
          f"rejections: {summary or 'none'}")  # fmt: skip

    assert records >= 1
    assert len(events) + sum(rejections.values()) == records


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_preview_runs_every_file(path):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_preview([str(path)], "x12", stdout, stderr)
    events = stdout.getvalue().splitlines()
    rejections = stderr.getvalue().splitlines()

    assert code in (0, 1)
    assert all(line.startswith("rejected file=") for line in rejections)
    assert all(" code=" in line for line in rejections)
    assert (code == 1) == bool(rejections)
    assert all(json.loads(line)["envelope"]["entity_type"] in ENTITY_TYPES for line in events)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_set_count_matches_st_segments(path):
    """Each ST in a readable interchange gives one record, good or dead-lettered.

    The count of ST segments is taken by plain text splitting on the declared
    terminator, independently of the splitter's envelope walk.
    """
    documents = split_interchanges(path.read_bytes(), filename=path.name)
    if any(
        doc.headers.get(H_SPLIT_ERROR_CODE) == ErrorCode.X12_INTERCHANGE_INVALID
        for doc in documents
    ):
        pytest.skip("the file has an unreadable interchange header")
    text = path.read_bytes().decode("latin-1")
    terminators = {doc.headers[H_SEGMENT_TERMINATOR] for doc in documents
                   if H_SEGMENT_TERMINATOR in doc.headers}  # fmt: skip
    starts = 0
    for terminator in terminators:
        starts += sum(
            1 for part in text.split(terminator) if part.lstrip("\r\n").startswith(("ST*", "ST|"))
        )

    assert sum(1 for doc in documents if doc.headers.get(H_ST01)) == starts


def test_node_x12_ship_notice_gives_one_shipment():
    path = SAMPLES / "node-x12" / "856.edi"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    records, events, rejections = outcomes(path)

    assert records == 1
    assert rejections == Counter()
    [event] = events
    shipment = event.payload
    assert shipment.shipment_id == "829716"
    assert len(shipment.lines) == 2
    assert [line.quantity_shipped.value for line in shipment.lines] == [24, 6]
    assert [line.order_hl_id for line in shipment.lines] == ["2", "2"]
    assert shipment.parties[1].postal_code == "31139-0020"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_variable_isa_profile_on_every_file(path):
    documents = split_interchanges(path.read_bytes(), filename=path.name, allow_variable_isa=True)
    for offset, document in enumerate(documents):
        record = RawRecord("raw.x12", 0, offset, None, document.value, document.headers, None)
        try:
            normalize(record)
        except RecordError as exc:
            assert isinstance(exc.code, ErrorCode)


def test_variable_isa_profile_reads_old_ship_notice():
    path = SAMPLES / "stupidedi" / "002001__SH856__fail__1.edi"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    documents = split_interchanges(path.read_bytes(), filename=path.name, allow_variable_isa=True)
    records = [
        RawRecord("raw.x12", 0, offset, None, document.value, document.headers, None)
        for offset, document in enumerate(documents)
    ]
    shipments = [event.payload for record in records for event in normalize(record)]

    assert [shipment.shipment_id for shipment in shipments] == ["35100", "02"]
    assert [len(shipment.lines) for shipment in shipments] == [4, 2]


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def json_segments(node, tag: str) -> list[list[str]]:
    """Collect the elements of every ``tag`` segment in an EdiEngine JSON rendering."""
    found = []
    if isinstance(node, dict):
        if node.get("Type") == "S" and node.get("Name") == tag:
            found.append([element.get("E", "") for element in node["Content"]])
        for child in node.get("Content", []) if isinstance(node.get("Content"), list) else []:
            found += json_segments(child, tag)
    return found


def test_warehouse_order_matches_reference_rendering():
    path = sample("olmelabs_EdiEngine/940.OK.edi")
    expected = json.loads(sample("olmelabs_EdiEngine/940.OK.json").read_text())
    records, events, rejections = outcomes(path)

    assert records == 1
    assert rejections == Counter()
    [event] = events
    order = event.payload
    [w05] = json_segments(expected, "W05")
    w01s = json_segments(expected, "W01")
    ship_to = next(n1 for n1 in json_segments(expected, "N1") if n1[0] == "ST")
    warehouse = next(n1 for n1 in json_segments(expected, "N1") if n1[0] == "WH")
    assert event.envelope.entity_type == "customer-order"
    assert order.order_id.endswith(f":{w05[1]}")
    assert order.ship_to.name == ship_to[1]
    assert order.ship_to.id == ship_to[3]
    assert order.ship_from_location_id == warehouse[3]
    assert len(order.lines) == len(w01s) == 3
    for line, w01 in zip(order.lines, w01s, strict=True):
        assert str(line.quantity_ordered.value) == w01[0]
        assert line.quantity_ordered.source_unit == w01[1]
        assert [(p.qualifier, p.value) for p in line.product_ids[1:]] == [
            (w01[3], w01[4]),
            (w01[5], w01[6]),
        ]


def test_purchase_order_sample_lines():
    records, events, rejections = outcomes(sample("olmelabs_EdiEngine/850.OK.edi"))

    assert rejections == Counter()
    [event] = events
    order = event.payload
    assert event.envelope.entity_type == "customer-order"
    assert order.order_id.endswith(":08292233294")
    assert [line.quantity_ordered.value for line in order.lines] == [120, 220, 126, 76, 72, 696]
    assert "x12.ctt_line_count_mismatch" not in event.envelope.quality_flags


def test_ack_test_file_gives_three_orders():
    records, events, rejections = outcomes(sample("olmelabs_EdiEngine/AckTest.edi"))

    assert records == 3
    assert len(events) == 3
    assert {event.envelope.entity_type for event in events} == {"customer-order"}


def test_missing_line_quantity_rejected():
    records, events, rejections = outcomes(sample("olmelabs_EdiEngine/940_Failed_SE01.edi"))

    assert events == []
    assert rejections == Counter({"X12_ELEMENT_INVALID": 1})


def test_unknown_unit_in_sample_is_mapping_missing():
    records, events, rejections = outcomes(sample("node-x12/850_3.edi"))

    assert rejections == Counter({"MAPPING_MISSING": 1})


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_acks_split_back_cleanly(path):
    """Every 997 built for a sample file is itself one clean X12 997 record."""
    for ack in build_acks(path.read_bytes(), filename=path.name):
        [document] = split_interchanges(ack.value, filename="997.edi")

        assert document.headers[H_ST01] == "997"
        assert H_SPLIT_ERROR_CODE not in document.headers
        assert "x12.quality_flags" not in document.headers


def test_corpus_report_totals_match_outcomes():
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_report([str(path) for path in SAMPLE_FILES], "x12", stdout, stderr)
    results = [outcomes(path) for path in SAMPLE_FILES]
    records = sum(result[0] for result in results)
    events = sum(len(result[1]) for result in results)
    rejections = sum(sum(result[2].values()) for result in results)

    *file_lines, total = stdout.getvalue().splitlines()
    assert code == 0
    assert len(file_lines) == len(SAMPLE_FILES)
    assert total.startswith(
        f"total ({len(SAMPLE_FILES)} files): {records} records, {events} events"
    )
    assert f", {rejections} rejections" in total
