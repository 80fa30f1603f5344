"""`scmflow ingest x12 FILE...` and the file handling shared by every `ingest` format.

Each format splits a file into business documents and publishes them
unchanged to its raw topic. Input that cannot be split is published whole
with a split-error header, so the normalize stage dead-letters it with a code
instead of the bytes being lost.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from adapters.publish import RawPublisher
from adapters.raw import H_SPLIT_ERROR_CODE, RawDocument

EXIT_OK = 0
EXIT_NOT_ACKNOWLEDGED = 1
EXIT_UNREADABLE = 2


def read_files(names: Sequence[str]) -> list[tuple[Path, bytes]] | None:
    """Read every file before publishing any; print the error and return None if one fails."""
    payloads = []
    for name in names:
        try:
            payloads.append((Path(name), Path(name).read_bytes()))
        except OSError as exc:
            print(f"error: cannot read {name}: {exc.strerror}", file=sys.stderr)
            return None
    return payloads


def publish_documents(
    publisher: RawPublisher, path: Path, documents: list[RawDocument], topic: str
) -> bool:
    """Publish one file's documents and print a summary line; return False if any failed."""
    report = publisher.publish(topic, documents)
    unsplit = sum(1 for document in documents if H_SPLIT_ERROR_CODE in document.headers)
    note = f" ({unsplit} could not be split and will be dead-lettered)" if unsplit else ""
    print(f"{path}: {report.delivered} of {len(documents)} records published to {topic}{note}")
    for failure in report.failed:
        print(f"error: {path}: {failure}", file=sys.stderr)
    return not report.failed


def add_ingest_x12_parser(ingest_subparsers: "argparse._SubParsersAction") -> None:
    x12 = ingest_subparsers.add_parser(
        "x12",
        help="split X12 interchanges into transaction sets and publish each one unchanged",
        description="Split each file into transaction sets and publish every set unchanged to "
        "the raw X12 topic, with provenance headers, then one 997 acknowledgement per received "
        "functional group to the outbound topic. Input that cannot be split is published "
        "whole, so the normalize stage dead-letters it with a code.",
    )
    x12.add_argument("files", nargs="+", metavar="FILE", help="X12 file to publish")
    x12.add_argument("--topic", help="raw topic to publish to (default: from topology.yaml)")
    x12.add_argument(
        "--ack-topic",
        help="topic for the 997 acknowledgements (default: outbound.x12-ack of topology.yaml)",
    )
    x12.set_defaults(handler=ingest_x12)


def ingest_x12(args: argparse.Namespace) -> int:
    """Publish the transaction sets of ``args.files``, then their 997 acknowledgements."""
    from adapters.x12 import split_interchanges
    from adapters.x12.ack import build_acks
    from adapters.x12.profile import X12EnvelopeProfiles
    from processors.normalize import SUPPORTED_X12_SETS
    from processors.topology import load_topology
    from scmflow.settings import get_settings

    settings = get_settings()
    topology = load_topology(settings.topology_file)
    topic = args.topic or topology.sources["x12"].topic
    # A topology without outbound.x12-ack sends no acknowledgements.
    ack_outbound = topology.outbound.get("x12-ack")
    ack_topic = args.ack_topic or (ack_outbound.topic if ack_outbound else None)
    payloads = read_files(args.files)
    if payloads is None:
        return EXIT_UNREADABLE
    profiles = X12EnvelopeProfiles.load()
    publisher = RawPublisher(settings.bootstrap_servers)
    all_published = True
    for path, data in payloads:
        documents = split_interchanges(data, filename=path.name, profiles=profiles)
        published = publish_documents(publisher, path, documents, topic)
        all_published = all_published and published
        if ack_topic is None or not published:
            continue
        acks = build_acks(data, filename=path.name, supported_sets=frozenset(SUPPORTED_X12_SETS))
        if acks and not publish_documents(publisher, path, acks, ack_topic):
            all_published = False
    return EXIT_OK if all_published else EXIT_NOT_ACKNOWLEDGED
