"""`scmflow demo` (what `make run` calls): the whole pipeline on sample files, then a summary.

Steps: start the local services, apply the topics, start every stage in this
process, ingest the files, wait until every stage has committed everything
its input topics hold, and print what each topic received during this run.
"""

import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from adapters.publish import RawPublisher
from adapters.x12 import split_interchanges
from adapters.x12.profile import X12EnvelopeProfiles
from processors.runtime.dlq import H_CODE, decode_headers
from processors.topology import Topology
from scmflow.inspect import end_offsets, group_lag, read_committed
from scmflow.preview import detect_format
from scmflow.topics import apply_topics
from scmflow.worker import STAGES, Workers, build_runner

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples" / "x12"
_DRAIN_TIMEOUT_S = 120.0
_ASSIGN_TIMEOUT_S = 60.0


def wait_drained(bootstrap_servers: str, workers: Workers, timeout_s: float) -> bool:
    """Wait until no runner has lag on any input partition, twice in a row."""
    deadline = time.monotonic() + timeout_s
    clean_checks = 0
    while time.monotonic() < deadline and not workers.failures:
        total = 0
        for runner in workers.runners:
            lag = group_lag(bootstrap_servers, runner.config.group_id, runner.config.input_topics)
            total += sum(lag.values())
        clean_checks = clean_checks + 1 if total == 0 else 0
        if clean_checks >= 2:
            return True
        time.sleep(0.5)
    return False


def run_demo(
    files: list[Path],
    topology: Topology,
    *,
    bootstrap_servers: str,
    redis_url: str,
    out: TextIO = sys.stdout,
) -> int:
    """Run the pipeline on ``files`` and print the summary; return the exit status."""
    for path in files:
        if not path.is_file():
            print(f"error: input file not found: {path}", file=sys.stderr)
            return 2

    report = apply_topics(topology, bootstrap_servers)
    print(f"topics: {len(report.created)} created, {len(report.unchanged)} up to date", file=out)
    for name, differences in report.drifted.items():
        print(
            f"warning: topic {name} differs from topology.yaml: {'; '.join(differences)}", file=out
        )

    all_topics = [spec.name for spec in topology.topic_specs()]
    workers = Workers(
        build_runner(stage, topology, bootstrap_servers=bootstrap_servers, redis_url=redis_url)
        for stage in STAGES
    )
    workers.start()
    try:
        if not workers.wait_assigned(_ASSIGN_TIMEOUT_S):
            print("error: stages did not get their partitions within 60 s", file=sys.stderr)
            return 1
        # Records left from earlier runs are processed first, so the summary
        # counts only what this run's files produced.
        if not wait_drained(bootstrap_servers, workers, _DRAIN_TIMEOUT_S):
            print("error: earlier records did not drain within 120 s", file=sys.stderr)
            return 1
        before = end_offsets(bootstrap_servers, all_topics)
        duplicates_before = sum(runner.stats.duplicates for runner in workers.runners)

        publisher = RawPublisher(bootstrap_servers)
        raw_topic = topology.sources["x12"].topic
        published = 0
        profiles = X12EnvelopeProfiles.load()
        for path in files:
            data = path.read_bytes()
            if detect_format(data[:4096]) != "x12":
                print(
                    f"warning: {path} is not an X12 interchange; the demo ingests X12 only, so "
                    "it will be dead-lettered (`scmflow ingest edifact` and the other ingest "
                    "commands publish other formats)",
                    file=out,
                )
            documents = split_interchanges(data, filename=path.name, profiles=profiles)
            delivery = publisher.publish(raw_topic, documents)
            published += delivery.delivered
            for failure in delivery.failed:
                print(f"error: {path}: {failure}", file=sys.stderr)
            print(
                f"ingested {path.name}: {delivery.delivered} raw records to {raw_topic}", file=out
            )

        print("waiting for the stages to drain ...", file=out)
        drained = wait_drained(bootstrap_servers, workers, _DRAIN_TIMEOUT_S)
    finally:
        workers.stop()

    if workers.failures:
        for stage, exc in workers.failures.items():
            print(f"error: stage {stage} stopped: {exc}", file=sys.stderr)
        return 1
    if not drained:
        print(f"error: the pipeline did not drain within {_DRAIN_TIMEOUT_S:.0f} s", file=sys.stderr)
        return 1

    duplicates = sum(runner.stats.duplicates for runner in workers.runners) - duplicates_before
    _print_summary(bootstrap_servers, topology, before, duplicates, out)
    return 0


def _print_summary(
    bootstrap_servers: str,
    topology: Topology,
    before: dict[tuple[str, int], int],
    duplicates: int,
    out: TextIO,
) -> None:
    per_topic: Counter[str] = Counter()
    dlq_codes: Counter[tuple[str, str]] = Counter()
    dlq_topics = {stage.dlq for stage in topology.stages.values()}
    for message in read_committed(bootstrap_servers, before):
        per_topic[message.topic()] += 1
        if message.topic() in dlq_topics:
            code = decode_headers(message.headers()).get(H_CODE, "?")
            dlq_codes[(message.topic(), code)] += 1

    print("\nsummary of this run (committed records per topic)", file=out)
    for topic in sorted(per_topic):
        print(f"  {topic:<45} {per_topic[topic]:>6}", file=out)
    print("\ndead-letter records by code", file=out)
    if not dlq_codes:
        print("  none", file=out)
    for (topic, code), count in sorted(dlq_codes.items()):
        print(f"  {topic:<20} {code:<30} {count:>6}", file=out)
    print(f"\nduplicates dropped by the dedupe stage: {duplicates}", file=out)
    canonical = sum(count for topic, count in per_topic.items() if topic.startswith("canonical."))
    if canonical == 0 and duplicates:
        print(
            "note: every document was already seen in an earlier run, so all were dropped as "
            "duplicates; `make reset` deletes the data of the broker and Redis that scmflow "
            "started (a Redis that scmflow did not start keeps its dedupe keys)",
            file=out,
        )
