"""`scmflow schemas`: check canonical Avro schemas and publish them to a schema registry.

Exit status of every action: 0 when compatible (or registered), 1 when a
schema is incompatible or the registry rejects or cannot be reached, 2 when
the input is invalid (unreadable or invalid schema, unknown subject, no
registry URL).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from canonical.catalog import SCHEMA_DIR, SCHEMA_FILE_NAME, compact_schema_json
from canonical.registry import REGISTRY_URL_VARIABLE, transport_error_class
from canonical.schema_compat import CompatibilityReport, check_compatibility
from canonical.schema_history import (
    DEFAULT_LEVEL,
    Comparison,
    CompatibilityLevel,
    InvalidSchemaError,
    SchemaDocument,
    check_candidate,
    check_history,
    load_schema_file,
    parse_schema_document,
    subject_histories,
)

EXIT_OK = 0
EXIT_INCOMPATIBLE = 1
EXIT_INVALID = 2
_STANDARD_NOTE = (
    "note: avro.compatibility, the port of the Java checker that the schema registry runs, "
    "reports {verdict}; docs/schemas.md lists where this checker differs and why"
)


def _print_report(report: CompatibilityReport, indent: str = "") -> None:
    for finding in report.findings:
        print(f"{indent}{finding}")
    standard = report.standard_compatible
    if standard is not None and standard != report.compatible:
        verdict = "compatible" if standard else "incompatible"
        print(f"{indent}{_STANDARD_NOTE.format(verdict=verdict)}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _label(document: SchemaDocument) -> str:
    if document.version is None:
        return document.source
    return f"v{document.version} ({document.source})"


def _cmd_compat(args: argparse.Namespace) -> int:
    try:
        writer = load_schema_file(args.writer)
        reader = load_schema_file(args.reader)
    except InvalidSchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    report = check_compatibility(reader.avro_schema, writer.avro_schema)
    _print_report(report)
    counts = f"{_count(len(report.errors), 'error')}, {_count(len(report.warnings), 'warning')}"
    if report.errors:
        print(f"incompatible: {args.reader} cannot read every datum written with {args.writer} "
              f"({counts})")
        return EXIT_INCOMPATIBLE
    print(f"compatible: {args.reader} reads every datum written with {args.writer} ({counts})")
    if args.strict and report.warnings:
        print("failed: --strict fails on warnings")
        return EXIT_INCOMPATIBLE
    return EXIT_OK


def _print_comparisons(comparisons: list[Comparison], strict: bool) -> bool:
    """Print the comparisons that have findings; return whether any of them fails."""
    failed = False
    for comparison in comparisons:
        if not comparison.report.findings:
            continue
        failed |= comparison.failed(strict)
        outcome = "incompatible" if comparison.report.errors else "compatible with warnings"
        print(
            f"  reading data written with {_label(comparison.writer)} "
            f"using {_label(comparison.reader)}: {outcome}"
        )
        _print_report(comparison.report, indent="    ")
    return failed


def _cmd_check(args: argparse.Namespace) -> int:
    level = CompatibilityLevel(args.level)
    try:
        if args.schemas:
            history = [load_schema_file(Path(name)) for name in args.schemas]
            match = SCHEMA_FILE_NAME.match(Path(args.schemas[-1]).name)
            histories = {match["subject"] if match else args.schemas[-1]: history}
        else:
            histories = subject_histories(args.schema_dir)
    except InvalidSchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID

    failed_subjects = []
    for subject, history in sorted(histories.items()):
        print(f"{subject}: {_count(len(history), 'version')}, level {level}")
        if args.schemas:
            results = [(history[-1], check_candidate(history[:-1], history[-1], level))]
        else:
            results = check_history(history, level)
        failed = False
        for _, comparisons in results:
            failed |= _print_comparisons(comparisons, args.strict)
        if failed:
            failed_subjects.append(subject)

    if failed_subjects:
        print(f"incompatible at {level}: {', '.join(failed_subjects)}")
        return EXIT_INCOMPATIBLE
    print(f"compatible at {level}: {_count(len(histories), 'subject')} checked")
    return EXIT_OK


class UnsupportedLevelError(Exception):
    """The registry's compatibility level for a subject is not one this checker implements."""


def _registry_level(client, subject: str) -> CompatibilityLevel:
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    try:
        level = client.get_compatibility(subject)
    except SchemaRegistryError as exc:
        if exc.http_status_code != 404:
            raise
        # No level set for the subject: the registry applies its global level.
        level = client.get_compatibility()
    try:
        return CompatibilityLevel(str(level).upper())
    except ValueError:
        supported = ", ".join(CompatibilityLevel)
        raise UnsupportedLevelError(
            f"{subject}: the registry's compatibility level {level!r} is not supported; "
            f"expected one of {supported}"
        ) from None


def _registered_history(client, subject: str) -> list[SchemaDocument]:
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    try:
        versions = client.get_versions(subject)
    except SchemaRegistryError as exc:
        if exc.http_status_code == 404:
            return []
        raise
    history = []
    for version in sorted(versions):
        registered = client.get_version(subject, version)
        source = f"{subject} version {version} (registry)"
        history.append(parse_schema_document(registered.schema.schema_str, source, version))
    return history


def _registered_version(client, subject: str, schema_str: str) -> int | None:
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    try:
        return client.lookup_schema(subject, Schema(schema_str, "AVRO")).version
    except SchemaRegistryError as exc:
        if exc.http_status_code == 404:
            return None
        raise


def _register_subject(client, subject: str, local: list[SchemaDocument], strict: bool) -> bool:
    """Register the local versions the registry lacks, oldest first; return False if one is
    rejected locally."""
    from confluent_kafka.schema_registry import Schema

    schema_strs = [compact_schema_json(json.loads(document.schema_str)) for document in local]
    versions = [_registered_version(client, subject, text) for text in schema_strs]
    new = [index for index, version in enumerate(versions) if version is None]
    registered_later = [index for index, version in enumerate(versions) if version is not None]
    if new and registered_later and new[0] < registered_later[-1]:
        print(
            f"{subject}: not registered: {local[new[0]].source} matches no registered version "
            f"but {local[registered_later[-1]].source} is registered. A published version "
            "must not change, so add a new version file instead"
        )
        return False
    if not new:
        print(f"{subject}: up to date, all {len(local)} local versions registered")
        return True

    level = _registry_level(client, subject)
    history = _registered_history(client, subject)
    for index in new:
        candidate = local[index]
        comparisons = check_candidate(history, candidate, level)
        if any(comparison.failed(strict) for comparison in comparisons):
            print(f"{subject}: not registered: {candidate.source} is incompatible at {level}")
            _print_comparisons(comparisons, strict)
            return False
        schema_id = client.register_schema(subject, Schema(schema_strs[index], "AVRO"))
        print(f"{subject}: registered {candidate.source} as schema id {schema_id} (level {level})")
        history.append(candidate)
    return True


def _cmd_register(args: argparse.Namespace) -> int:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    from processors.topology import load_topology
    from scmflow.settings import get_settings

    url = args.url or os.environ.get(REGISTRY_URL_VARIABLE, "").strip()
    if not url:
        print(f"error: no schema registry: set {REGISTRY_URL_VARIABLE} or pass --url",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        histories = subject_histories(args.schema_dir)
    except InvalidSchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    unknown = sorted(set(args.subjects) - set(histories))
    if unknown:
        print(f"error: no schemas in {args.schema_dir} for {', '.join(unknown)}; "
              f"known subjects: {', '.join(sorted(histories))}", file=sys.stderr)
        return EXIT_INVALID

    topology = load_topology(get_settings().topology_file)
    client = SchemaRegistryClient({"url": url})
    failed = False
    for entity in args.subjects or sorted(histories):
        subject = f"{topology.canonical_topic(entity)}-value"
        try:
            failed |= not _register_subject(client, subject, histories[entity], args.strict)
        except InvalidSchemaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INVALID
        except SchemaRegistryError as exc:
            print(f"{subject}: the registry at {url} rejected the request: {exc}")
            failed = True
        except UnsupportedLevelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
        except transport_error_class() as exc:
            print(f"error: cannot reach the schema registry at {url}: {exc}", file=sys.stderr)
            return EXIT_INCOMPATIBLE
    return EXIT_INCOMPATIBLE if failed else EXIT_OK


def add_schemas_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add `schemas compat`, `schemas check` and `schemas register` to the command line."""
    schemas = subparsers.add_parser(
        "schemas",
        help="check canonical Avro schemas and publish them to a schema registry",
        description="Schema author's commands. Exit status: 0 compatible or registered, "
        "1 incompatible, rejected or registry unreachable, 2 invalid input.",
    )
    actions = schemas.add_subparsers(dest="schemas_command", metavar="ACTION", required=True)

    compat = actions.add_parser(
        "compat",
        help="check that a reader schema reads every datum written with a writer schema",
        description="Check, by the Avro specification's resolution rules, that a reader using "
        "the reader schema can read every datum written with the writer schema. Prints every "
        "incompatibility with its field path, and warnings for changes that resolve but change "
        "meaning, such as timestamp-millis read as timestamp-micros. Exit 0 when compatible, "
        "1 when not, 2 when either schema is invalid (including invalid field defaults).",
    )
    compat.add_argument("--writer", required=True, type=Path, metavar="W.avsc",
                        help="schema the data was written with")
    compat.add_argument("--reader", required=True, type=Path, metavar="R.avsc",
                        help="schema the consumer reads with")
    compat.add_argument("--strict", action="store_true",
                        help="also exit 1 when there are warnings")
    compat.set_defaults(handler=_cmd_compat)

    check = actions.add_parser(
        "check",
        help="check a subject's history of versions at a compatibility level",
        description="With files: they are one subject's history, oldest first, and the last "
        "is the candidate checked against the others. Without files: every subject under the "
        "schema folder, each version checked against the versions before it (files named "
        "SUBJECT.vN.avsc, ordered by N). Levels have the schema registry's meaning; plain "
        "levels compare with the latest previous version only, _TRANSITIVE levels with all.",
    )
    check.add_argument("schemas", nargs="*", metavar="SCHEMA",
                       help="schema files of one subject, oldest first")
    check.add_argument("--level", choices=[level.value for level in CompatibilityLevel],
                       default=DEFAULT_LEVEL.value,
                       help=f"compatibility level to check (default {DEFAULT_LEVEL.value})")
    check.add_argument("--strict", action="store_true",
                       help="also fail on warnings about changes of meaning")
    check.add_argument("--schema-dir", type=Path, default=SCHEMA_DIR,
                       help="folder of SUBJECT.vN.avsc files to check when no files are given "
                       "(default: the project's schemas/)")
    check.set_defaults(handler=_cmd_check)

    register = actions.add_parser(
        "register",
        help="publish new schema versions to the schema registry",
        description="Register every version under the schema folder that the registry lacks, "
        "oldest first, under the subject <canonical topic>-value (TopicNameStrategy, such as "
        "canonical.shipment-value). Each new version is first checked locally at the level "
        "the registry has for the subject, and rejected without being sent if incompatible.",
    )
    register.add_argument("subjects", nargs="*", metavar="SUBJECT",
                          help="entity types to publish, such as shipment (default: all)")
    register.add_argument("--url", help=f"schema registry URL (default: ${REGISTRY_URL_VARIABLE})")
    register.add_argument("--strict", action="store_true",
                          help="also reject versions with warnings about changes of meaning")
    register.add_argument("--schema-dir", type=Path, default=SCHEMA_DIR,
                          help="folder of SUBJECT.vN.avsc files (default: the project's schemas/)")
    register.set_defaults(handler=_cmd_register)
