"""``scmflow ingest edifact FILE...``: split EDIFACT files into messages and publish them.

Each message (UNH through UNT) is published unchanged to the raw EDIFACT topic
with provenance and ``edifact.*`` headers. Input that cannot be split is
published whole, so that the normalize stage dead-letters it with a code.
"""

import argparse

SOURCE = "edifact"


def add_ingest_edifact_parser(ingest_subparsers: "argparse._SubParsersAction") -> None:
    """Register ``edifact`` under the ``ingest`` command.

    The parsed namespace gets ``handler``, a callable that takes the namespace
    and returns the process exit code: 0 when every record was acknowledged,
    1 when Kafka did not acknowledge one, 2 when a file cannot be read.
    """
    parser = ingest_subparsers.add_parser(
        SOURCE,
        help="split EDIFACT interchanges into messages and publish each one unchanged",
        description="Split each file into messages (UNH to UNT) and publish every message "
        "unchanged to the raw EDIFACT topic, with provenance headers. Input that cannot be "
        "split is published whole, so the normalize stage dead-letters it with a code.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="EDIFACT file to publish")
    parser.add_argument("--topic", help="raw topic to publish to (default: from topology.yaml)")
    parser.set_defaults(handler=ingest_edifact)


def ingest_edifact(args: argparse.Namespace) -> int:
    """Publish the messages of ``args.files`` and print one summary line per file."""
    from adapters.edifact import split_interchange
    from adapters.publish import RawPublisher
    from processors.topology import load_topology
    from scmflow.ingest import (
        EXIT_NOT_ACKNOWLEDGED,
        EXIT_OK,
        EXIT_UNREADABLE,
        publish_documents,
        read_files,
    )
    from scmflow.settings import get_settings

    settings = get_settings()
    topic = args.topic or load_topology(settings.topology_file).sources[SOURCE].topic
    payloads = read_files(args.files)
    if payloads is None:
        return EXIT_UNREADABLE
    publisher = RawPublisher(settings.bootstrap_servers)
    results = [
        publish_documents(publisher, path, split_interchange(data, filename=path.name), topic)
        for path, data in payloads
    ]
    return EXIT_OK if all(results) else EXIT_NOT_ACKNOWLEDGED
