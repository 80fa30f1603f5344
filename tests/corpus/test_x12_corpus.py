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
from adapters.x12.headers import H_SEGMENT_TERMINATOR, H_ST01
from canonical.errors import ErrorCode, RecordError
from processors.normalize import RawRecord, normalize
from scmflow.preview import run_preview

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "x12"
SAMPLE_FILES = (
    sorted(path for path in SAMPLES.rglob("*") if path.is_file()) if SAMPLES.is_dir() else []
)

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
    assert all(json.loads(line)["envelope"]["entity_type"] == "shipment" for line in events)


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
