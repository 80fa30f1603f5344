"""Compatibility levels over a subject's history of schema versions.

The levels and their meaning are those of the Confluent Schema Registry:

- BACKWARD: the new schema reads data written with the previous version
  (upgrade consumers first). FORWARD: the previous version reads data written
  with the new schema (upgrade producers first). FULL: both. NONE: no check.
- The plain levels compare with the latest previous version only; the
  ``_TRANSITIVE`` levels compare with every previous version. So v1 {f1},
  v2 adding f2 with a default and v3 dropping that default passes BACKWARD
  step by step, although v3 cannot read v1 data; BACKWARD_TRANSITIVE fails it.

A schema is valid when it is JSON, fastavro parses it (which also checks
field defaults against their types, such as a null default on a plain string
field) and the ``avro`` package parses it. avro 1.12.2 alone would accept such
invalid defaults.
"""

import json
import warnings
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import avro.errors
import avro.schema
from fastavro.schema import SchemaParseException, UnknownType, parse_schema

from canonical.catalog import SCHEMA_FILE_NAME
from canonical.errors import ScmflowError
from canonical.schema_compat import CompatibilityReport, check_compatibility


class CompatibilityLevel(StrEnum):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        return self.endswith("_TRANSITIVE")

    @property
    def backward(self) -> bool:
        """Whether the new schema must read data written with previous versions."""
        return self.startswith(("BACKWARD", "FULL"))

    @property
    def forward(self) -> bool:
        """Whether previous versions must read data written with the new schema."""
        return self.startswith(("FORWARD", "FULL"))


DEFAULT_LEVEL = CompatibilityLevel.BACKWARD_TRANSITIVE


class InvalidSchemaError(ScmflowError):
    """A schema that cannot be checked: unreadable, not JSON, or not a valid Avro schema."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


@dataclass(frozen=True, slots=True)
class SchemaDocument:
    """One schema version to check, from a file or from a registry."""

    source: str
    """The origin: a file path, or a registry subject and version."""
    schema_str: str
    avro_schema: avro.schema.Schema
    version: int | None = None


def parse_schema_document(text: str, source: str, version: int | None = None) -> SchemaDocument:
    """Parse and validate a schema; raise InvalidSchemaError with the parser's reason."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSchemaError(source, f"not valid JSON: {exc}") from exc
    try:
        parse_schema(document)
    except (SchemaParseException, UnknownType, ValueError, TypeError, KeyError) as exc:
        raise InvalidSchemaError(source, f"invalid Avro schema: {exc}") from exc
    try:
        with warnings.catch_warnings():
            # avro warns and falls back to the underlying type for unknown logical
            # types, as the specification requires; fastavro already checked the rest.
            warnings.simplefilter("ignore", avro.errors.IgnoredLogicalType)
            parsed = avro.schema.parse(text)
    except (avro.errors.AvroException, ValueError, TypeError) as exc:
        raise InvalidSchemaError(source, f"invalid Avro schema: {exc}") from exc
    return SchemaDocument(source=source, schema_str=text, avro_schema=parsed, version=version)


def load_schema_file(path: Path) -> SchemaDocument:
    """Read and validate a schema file; the version comes from a SUBJECT.vN.avsc name."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidSchemaError(str(path), f"cannot read the file: {exc}") from exc
    match = SCHEMA_FILE_NAME.match(path.name)
    return parse_schema_document(text, str(path), int(match["version"]) if match else None)


def subject_histories(schema_dir: Path) -> dict[str, list[SchemaDocument]]:
    """Load every SUBJECT.vN.avsc of a folder, grouped by subject, oldest version first."""
    histories: dict[str, list[SchemaDocument]] = {}
    for path in sorted(schema_dir.glob("*.avsc")):
        match = SCHEMA_FILE_NAME.match(path.name)
        if match is None:
            raise InvalidSchemaError(str(path), "file name does not match SUBJECT.vN.avsc")
        histories.setdefault(match["subject"], []).append(load_schema_file(path))
    for history in histories.values():
        history.sort(key=lambda document: document.version or 0)
    return histories


@dataclass(frozen=True, slots=True)
class Comparison:
    """The candidate read against one earlier version, or the reverse."""

    reader: SchemaDocument
    writer: SchemaDocument
    report: CompatibilityReport

    def failed(self, strict: bool = False) -> bool:
        """Return whether this comparison fails the check; ``strict`` also fails on warnings."""
        return bool(self.report.errors or (strict and self.report.warnings))


def check_candidate(
    previous: list[SchemaDocument], candidate: SchemaDocument, level: CompatibilityLevel
) -> list[Comparison]:
    """Compare a candidate with the earlier versions (oldest first) that ``level`` requires."""
    if level is CompatibilityLevel.NONE or not previous:
        return []
    targets = previous if level.transitive else previous[-1:]
    comparisons = []
    for earlier in reversed(targets):
        if level.backward:
            report = check_compatibility(candidate.avro_schema, earlier.avro_schema)
            comparisons.append(Comparison(reader=candidate, writer=earlier, report=report))
        if level.forward:
            report = check_compatibility(earlier.avro_schema, candidate.avro_schema)
            comparisons.append(Comparison(reader=earlier, writer=candidate, report=report))
    return comparisons


def check_history(
    history: list[SchemaDocument], level: CompatibilityLevel
) -> list[tuple[SchemaDocument, list[Comparison]]]:
    """Check every version after the first against the versions before it, as a registry
    did when each was registered."""
    return [
        (candidate, check_candidate(history[:index], candidate, level))
        for index, candidate in enumerate(history)
        if index > 0
    ]
