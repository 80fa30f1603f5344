"""Parsing throughput of scmflow's X12 and EDIFACT adapters beside pyx12 and pydifact.

Reads the sample corpus from ``samples/x12`` and ``samples/edifact`` in the
folder beside the repository, or under BENCH_SAMPLES, and skips a format whose
folder is absent. For
each library: how many files it parsed without an exception, and MB/s and
documents/s over the files it parsed. A document is one X12 transaction set or
one EDIFACT message (for the peers: the ST or UNH segments they returned).
scmflow is timed twice: the adapter's split alone, and split plus normalize
(records the normalizer rejects, such as set types it does not map, still count
as processed). Prints a JSON document; bench.run stores it in latest.json.
"""

import io
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("BENCH_SAMPLES", ROOT.parent / "shared" / "samples"))
SUFFIXES = {".edi", ".txt", ".ped", ".x12", ".edifact"}
MIN_SECONDS = 1.0
RECEIVED_AT = "2024-05-01T12:00:00.000000+00:00"


def corpus(kind: str) -> list[tuple[str, bytes]]:
    folder = SAMPLES / kind
    if not folder.is_dir():
        return []
    return [
        (str(path.relative_to(folder)), path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix.lower() in SUFFIXES
    ]


def measure(files: list[tuple[str, bytes]], parse: Callable[[str, bytes], int]) -> dict:
    """Time ``parse`` (returns documents found) over the files it parses without raising."""
    parsed: list[tuple[str, bytes]] = []
    failures: dict[str, str] = {}
    for name, data in files:
        try:
            parse(name, data)
            parsed.append((name, data))
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result, not a bug
            failures[name] = f"{type(exc).__name__}: {str(exc)[:120]}"
    if not parsed:
        return {"files": len(files), "parsed": 0, "failures": failures}
    size = sum(len(data) for _, data in parsed)
    rounds, elapsed, documents = 0, 0.0, 0
    started = time.perf_counter()
    while elapsed < MIN_SECONDS:
        documents += sum(parse(name, data) for name, data in parsed)
        rounds += 1
        elapsed = time.perf_counter() - started
    return {
        "files": len(files),
        "parsed": len(parsed),
        "bytes": size,
        "documents_per_pass": documents // rounds,
        "mb_per_s": round(size * rounds / elapsed / 1e6, 2),
        "documents_per_s": round(documents / elapsed, 1),
        "failures": failures,
    }


def scmflow_x12_split(name: str, data: bytes) -> int:
    from adapters.x12.split import split_interchanges

    return len(split_interchanges(data, filename=name, received_at=RECEIVED_AT))


def scmflow_edifact_split(name: str, data: bytes) -> int:
    from adapters.edifact.split import split_interchange

    return len(split_interchange(data, filename=name, received_at=RECEIVED_AT))


def _normalize_documents(documents: list) -> int:
    from canonical.errors import RecordError
    from processors.normalize import RawRecord, normalize

    for offset, document in enumerate(documents):
        record = RawRecord(
            "raw", 0, offset, document.key.encode(), document.value, document.headers, None
        )
        try:
            normalize(record)
        except RecordError:
            pass  # a rejected record is dead-lettered by the stage: processed all the same
    return len(documents)


def scmflow_x12_normalize(name: str, data: bytes) -> int:
    from adapters.x12.split import split_interchanges

    return _normalize_documents(split_interchanges(data, filename=name, received_at=RECEIVED_AT))


def scmflow_edifact_normalize(name: str, data: bytes) -> int:
    from adapters.edifact.split import split_interchange

    return _normalize_documents(split_interchange(data, filename=name, received_at=RECEIVED_AT))


def pyx12_read(name: str, data: bytes) -> int:
    import pyx12.x12file

    reader = pyx12.x12file.X12Reader(io.StringIO(data.decode("latin-1")))
    return sum(1 for segment in reader if segment.get_seg_id() == "ST")


def pydifact_read(name: str, data: bytes) -> int:
    from pydifact.segmentcollection import Interchange

    interchange = Interchange.from_str(data.decode("latin-1"))
    return sum(1 for segment in interchange.segments if segment.tag == "UNH")


def run() -> dict:
    import logging

    logging.disable(logging.CRITICAL)  # pyx12 logs every syntax problem it meets
    warnings.simplefilter("ignore")  # pydifact warns about every segment it cannot validate
    results: dict = {"samples": str(SAMPLES)}
    x12 = corpus("x12")
    edifact = corpus("edifact")
    if x12:
        results["x12"] = {
            "scmflow_split": measure(x12, scmflow_x12_split),
            "scmflow_split_normalize": measure(x12, scmflow_x12_normalize),
            **_peer(x12, "pyx12", pyx12_read, scmflow_x12_split),
            "badx12": {"skipped": "badx12 0.2.2 pins click==7.0, which conflicts with "
                                  "scmflow's environment; not installed"},
        }
    else:
        results["x12"] = {"skipped": f"{SAMPLES / 'x12'} not found"}
    if edifact:
        results["edifact"] = {
            "scmflow_split": measure(edifact, scmflow_edifact_split),
            "scmflow_split_normalize": measure(edifact, scmflow_edifact_normalize),
            **_peer(edifact, "pydifact", pydifact_read, scmflow_edifact_split),
        }
    else:
        results["edifact"] = {"skipped": f"{SAMPLES / 'edifact'} not found"}
    return results


def _peer(
    files: list[tuple[str, bytes]],
    module: str,
    parse: Callable[[str, bytes], int],
    scmflow_split: Callable[[str, bytes], int],
) -> dict:
    """Measure a peer, and scmflow's split again on only the files the peer parsed."""
    try:
        __import__(module)
    except ImportError as exc:
        return {module: {"skipped": f"{module} is not installed: {exc}"}}
    result = measure(files, parse)
    subset = [(name, data) for name, data in files if name not in result["failures"]]
    return {module: result, f"scmflow_split_on_{module}_files": measure(subset, scmflow_split)}


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2)
    print()
