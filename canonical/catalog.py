"""The catalog of canonical schemas: one .avsc file per subject and version under schemas/.

A file is named ``SUBJECT.vN.avsc``. The subject is the entity type, such as
``shipment`` or ``inventory-snapshot``, and N counts up from 1. Each file is
parsed once; its fingerprint (CRC-64-AVRO of the Parsing Canonical Form)
identifies it in single-object encoded records.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_FILE_NAME = re.compile(r"^(?P<subject>[a-z0-9_-]+)\.v(?P<version>\d+)\.avsc$")


def compact_schema_json(document: Any) -> str:
    """Return a schema as JSON without insignificant whitespace, as sent to a schema registry.

    Registration and the serializers' look-ups both send this form, so a registry
    that compares schema text finds the version that was registered.
    """
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One .avsc file of the catalog, parsed once."""

    subject: str
    version: int
    path: Path
    parsed: Any
    """The schema as parsed by fastavro, for its readers and writers."""
    fingerprint: bytes
    """CRC-64-AVRO of the Parsing Canonical Form, little-endian, as written after C3 01."""
    schema_str: str
    """The file's JSON without insignificant whitespace, as sent to a schema registry."""

    @property
    def record_name(self) -> str:
        """Full name of the top-level record, such as ``scmflow.canonical.ShipmentEvent``."""
        return self.parsed["name"]


def read_schema_version(path: Path) -> SchemaVersion:
    """Parse one catalog file; raise ValueError when its name or contents are invalid."""
    match = SCHEMA_FILE_NAME.match(path.name)
    if match is None:
        raise ValueError(f"schema file name {path.name!r} does not match SUBJECT.vN.avsc")
    document = json.loads(path.read_text("utf-8"))
    parsed = parse_schema(document)
    canonical_form = to_parsing_canonical_form(parsed)
    return SchemaVersion(
        subject=match["subject"],
        version=int(match["version"]),
        path=path,
        parsed=parsed,
        fingerprint=bytes.fromhex(fingerprint(canonical_form, "CRC-64-AVRO")),
        schema_str=compact_schema_json(document),
    )


class SchemaCatalog:
    """The canonical schemas of a folder, indexed by subject, version, fingerprint and name."""

    def __init__(self, schema_dir: Path = SCHEMA_DIR) -> None:
        self.schema_dir = schema_dir
        self._by_subject: dict[str, dict[int, SchemaVersion]] = {}
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        self._subject_by_record: dict[str, str] = {}
        for path in sorted(schema_dir.glob("*.avsc")):
            version = read_schema_version(path)
            self._by_subject.setdefault(version.subject, {})[version.version] = version
            self._by_fingerprint[version.fingerprint] = version
            self._subject_by_record[version.record_name] = version.subject

    def latest(self, subject: str) -> SchemaVersion:
        versions = self._by_subject.get(subject)
        if not versions:
            raise KeyError(f"no schema for subject {subject!r} in {self.schema_dir}")
        return versions[max(versions)]

    def versions(self, subject: str) -> list[SchemaVersion]:
        """Return every version of a subject, oldest first."""
        versions = self._by_subject.get(subject, {})
        return [versions[number] for number in sorted(versions)]

    def by_fingerprint(self, digest: bytes) -> SchemaVersion | None:
        return self._by_fingerprint.get(digest)

    def subject_of_record(self, record_name: str) -> str | None:
        """Return the subject whose schemas have this top-level record full name."""
        return self._subject_by_record.get(record_name)

    def subjects(self) -> list[str]:
        return sorted(self._by_subject)


@lru_cache(maxsize=1)
def default_catalog() -> SchemaCatalog:
    return SchemaCatalog()
