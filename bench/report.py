"""Print the Markdown tables of docs/benchmarks.md from a results file (default latest.json)."""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
LABELS = {
    "scmflow": "(a) scmflow, normalize + dedupe processes",
    "quixstreams": "(b) Quix Streams, exactly-once",
    "faust": "(c) faust-streaming, exactly_once",
    "faust_at_least_once": "(c') faust-streaming, at_least_once",
    "ceiling": "(d) confluent-kafka passthrough",
}


def _cell(value: object) -> str:
    return "n/a" if value is None else str(value)


def runs_table(document: dict) -> list[str]:
    lines = [
        "| implementation | events/s | p50 ms | p99 ms | paced rate/s | CPU s per 1000 "
        "| peak RSS MB per worker | RSS growth MB | correct | lost | duplicates |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run in document["runs"].items():
        lines.append(
            "| "
            + " | ".join(
                _cell(value)
                for value in (
                    LABELS.get(name, name),
                    run.get("events_per_s"),
                    run.get("p50_ms"),
                    run.get("p99_ms"),
                    run.get("paced_rate_per_s"),
                    run.get("cpu_s_per_1k"),
                    run.get("rss_per_worker_mb", run.get("rss_mb")),
                    run.get("rss_growth_mb"),
                    run.get("correct"),
                    run.get("lost"),
                    run.get("duplicates"),
                )
            )
            + " |"
        )
    return lines


def ratios(document: dict) -> list[str]:
    runs = document["runs"]
    ours = runs.get("scmflow", {}).get("events_per_s")
    lines = []
    for name in ("quixstreams", "faust", "faust_at_least_once", "ceiling"):
        theirs = runs.get(name, {}).get("events_per_s")
        if ours and theirs:
            lines.append(f"- scmflow / {name}: {ours / theirs:.2f}")
    return lines


def parsing_table(document: dict) -> list[str]:
    lines = [
        "| format | implementation | files parsed | MB/s | documents/s |",
        "|---|---|---|---|---|",
    ]
    for kind in ("x12", "edifact"):
        for name, result in document.get("parsing", {}).get(kind, {}).items():
            if not isinstance(result, dict):
                continue
            if "skipped" in result:
                lines.append(f"| {kind} | {name} | skipped: {result['skipped']} | | |")
                continue
            lines.append(
                f"| {kind} | {name} | {result['parsed']} of {result['files']} "
                f"| {_cell(result.get('mb_per_s'))} | {_cell(result.get('documents_per_s'))} |"
            )
    return lines


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    document = json.loads(path.read_text())
    print("\n".join([*runs_table(document), "", *ratios(document), "", *parsing_table(document)]))


if __name__ == "__main__":
    main()
