"""Every public EPCIS sample file ends as canonical events or coded rejections, never a crash.

The samples are JSON-LD 2.0, XML 2.0 and XML 1.2 capture documents from an
open-source EPCIS repository, its invalid documents, and the reference
documents of the CBV 2.0 event hash with their expected pre-hash strings and
hashes. Run with ``-s`` to see the summary lines.
"""

import io
from collections import Counter
from pathlib import Path

import pytest

from adapters.epcis import event_hash, load_event, prehash_string, read_document, split_epcis
from canonical.avro import decode, encode
from canonical.errors import ErrorCode, RecordError
from processors.normalize import RawRecord, normalize
from scmflow.preview import EXIT_OK, EXIT_REJECTED, detect_format, run_preview

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "epcis"
HASH_SAMPLES = SAMPLES / "RalphTro_epcis-event-hash-generator"
DOCUMENT_SUFFIXES = (".json", ".jsonld", ".xml")
SAMPLE_FILES = (
    sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in DOCUMENT_SUFFIXES)
    if SAMPLES.is_dir()
    else []
)

pytestmark = pytest.mark.skipif(not SAMPLE_FILES, reason=f"no sample files under {SAMPLES}")


# Invalid samples this adapter accepts on purpose, and why.
ACCEPTED_INVALID = {
    # The only defect is the order of the XML elements (action before eventTime).
    # Element order carries no meaning in EPCIS, and the valid sample
    # JumbledFieldsOrder.xml of the same repository shuffles its elements too, so
    # order is not checked.
    "ObjectEvent_with_wrong_element_order.xml",
}


def is_invalid_sample(path: Path) -> bool:
    return path.parent.name.endswith("_Invalid") and path.name not in ACCEPTED_INVALID


def outcomes(path: Path) -> tuple[int, list, Counter]:
    """Split and normalize one file; return the record count, events and rejection codes."""
    documents = split_epcis(path.read_bytes(), filename=path.name)
    events = []
    rejections: Counter = Counter()
    for offset, document in enumerate(documents):
        record = RawRecord("raw.epcis", 0, offset, None, document.value, document.headers, None)
        try:
            events.extend(normalize(record))
        except RecordError as exc:
            assert isinstance(exc.code, ErrorCode)
            rejections[exc.code.value] += 1
    return len(documents), events, rejections


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_ends_as_events_or_rejections(path):
    count, events, rejections = outcomes(path)
    assert count >= 1
    assert events or rejections
    for event in events:
        assert decode(encode(event)) == event
    if is_invalid_sample(path):
        assert rejections, f"{path.name} is an invalid sample but nothing was rejected"


@pytest.mark.parametrize(
    "path", [p for p in SAMPLE_FILES if not is_invalid_sample(p)], ids=lambda p: p.name
)
def test_valid_sample_events_normalized(path):
    """Valid samples: each event gives entities, except the listed coded rejections."""
    _, events, rejections = outcomes(path)
    assert events or rejections
    assert set(rejections) <= {
        ErrorCode.MAPPING_MISSING.value,  # a partner bizStep URI without a table entry
        ErrorCode.EPCIS_UNSUPPORTED_EVENT.value,  # sensor readings without objects or alarms
    }


def test_every_valid_event_accounted_for(capsys):
    totals: Counter = Counter()
    for path in SAMPLE_FILES:
        count, events, rejections = outcomes(path)
        totals["records"] += count
        totals["events"] += len(events)
        for code, number in rejections.items():
            totals[code] += number
    with capsys.disabled():
        print(f"\nEPCIS corpus: {dict(totals)}")
    assert totals["records"] > 0


def hash_cases() -> list[tuple[Path, int, str, str]]:
    cases = []
    for path in sorted(HASH_SAMPLES.glob("*")) if HASH_SAMPLES.is_dir() else []:
        if path.suffix not in (".jsonld", ".xml"):
            continue
        hashes = path.with_suffix(".hashes").read_text().split()
        prehashes = path.with_suffix(".prehashes").read_text().splitlines()
        for index in range(len(read_document(path.read_bytes()).events)):
            expected = hashes[index] if index < len(hashes) else ""
            prehash = prehashes[index] if index < len(prehashes) else ""
            cases.append((path, index, expected, prehash))
    return cases


# Reference events whose published hash this implementation does not reproduce, and why.
KNOWN_HASH_DIFFERENCES = {
    # The reference leaves out two capture metadata fields of this event (captureID
    # and a repository hash) and publishes the hash of the event without them.
    # Both are user extensions, so this implementation hashes them.
    ("epcisDocHavingEventWithIgnoreFields.jsonld", 0),
    # The published pre-hash string is garbled (fragments of URIs interleaved),
    # so the published hash cannot follow from the algorithm.
    ("epcisDocWithAllGS1Keys.jsonld", 0),
}


def test_hash_reference_summary(capsys):
    cases = hash_cases()
    if not cases:
        pytest.skip(f"no hash reference files under {HASH_SAMPLES}")
    matched, differing = [], []
    for path, index, expected, prehash in cases:
        _, event = load_event(path.read_bytes(), index)
        if event_hash(event) == expected:
            matched.append((path.name, index))
        else:
            differing.append((path.name, index))
            assert (path.name, index) in KNOWN_HASH_DIFFERENCES, (
                f"{path.name} event {index}: hash differs; expected pre-hash {prehash[:200]!r}, "
                f"computed {prehash_string(event)[:200]!r}"
            )
    with capsys.disabled():
        print(f"\nCBV 2.0 hash: {len(matched)} of {len(cases)} reference events match")
    assert len(matched) >= 34


def test_preview_reads_epcis_samples():
    paths = [str(p) for p in SAMPLE_FILES if p.parent.name == "JSON_Capture_Documents"][:5]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_preview(paths, "auto", stdout, stderr)
    assert code in (EXIT_OK, EXIT_REJECTED)
    assert stdout.getvalue().count("\n") >= 5


def test_detect_format_finds_epcis():
    for path in SAMPLE_FILES:
        if not is_invalid_sample(path):
            assert detect_format(path.read_bytes()) == "epcis", path.name
