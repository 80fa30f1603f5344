"""Avro encoding of canonical events: the schemas/ catalog and single-object encoding.

Records are framed with Avro single-object encoding: the bytes C3 01, the
8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing
Canonical Form, then Avro binary. A reader looks the fingerprint up in the
catalog and resolves the writer schema to the newest version of the same
subject, so data written with v1 decodes under a v2 reader.

fastavro computes fingerprints and reads and writes Avro binary; it does not
write the two-byte marker and fingerprint, which is what ``encode`` adds.
"""

import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

from canonical.envelope import CanonicalEvent
from canonical.errors import ErrorCode, RecordError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SINGLE_OBJECT_MARKER = b"\xc3\x01"
_HEADER_LENGTH = 10
_FILE_NAME = re.compile(r"^(?P<subject>[a-z0-9_-]+)\.v(?P<version>\d+)\.avsc$")


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One .avsc file of the catalog, parsed once."""

    subject: str
    version: int
    path: Path
    parsed: Any
    fingerprint: bytes
    """CRC-64-AVRO of the Parsing Canonical Form, little-endian, as written after C3 01."""


class SchemaCatalog:
    """The canonical schemas under schemas/, indexed by subject, version and fingerprint."""

    def __init__(self, schema_dir: Path = SCHEMA_DIR) -> None:
        self._by_subject: dict[str, dict[int, SchemaVersion]] = {}
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        for path in sorted(schema_dir.glob("*.avsc")):
            match = _FILE_NAME.match(path.name)
            if match is None:
                raise ValueError(
                    f"schema file name {path.name!r} does not match SUBJECT.vN.avsc"
                )
            parsed = parse_schema(json.loads(path.read_text("utf-8")))
            canonical_form = to_parsing_canonical_form(parsed)
            digest = bytes.fromhex(fingerprint(canonical_form, "CRC-64-AVRO"))
            version = SchemaVersion(
                subject=match["subject"],
                version=int(match["version"]),
                path=path,
                parsed=parsed,
                fingerprint=digest,
            )
            self._by_subject.setdefault(version.subject, {})[version.version] = version
            self._by_fingerprint[digest] = version

    def latest(self, subject: str) -> SchemaVersion:
        versions = self._by_subject.get(subject)
        if not versions:
            raise KeyError(f"no schema for subject {subject!r} in the catalog")
        return versions[max(versions)]

    def by_fingerprint(self, digest: bytes) -> SchemaVersion | None:
        return self._by_fingerprint.get(digest)

    def subjects(self) -> list[str]:
        return sorted(self._by_subject)


@lru_cache(maxsize=1)
def default_catalog() -> SchemaCatalog:
    return SchemaCatalog()


def encode(event: CanonicalEvent, catalog: SchemaCatalog | None = None) -> bytes:
    """Encode an event with the newest schema of its entity type, framed as a single object.

    Raises RecordError(SCHEMA_VALIDATION_FAILED) when the event does not fit the schema.
    """
    catalog = catalog or default_catalog()
    schema = catalog.latest(event.envelope.entity_type)
    buffer = io.BytesIO()
    buffer.write(SINGLE_OBJECT_MARKER)
    buffer.write(schema.fingerprint)
    try:
        fastavro.schemaless_writer(buffer, schema.parsed, event.model_dump(mode="python"))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RecordError(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            f"event does not fit schema {schema.path.name}: {exc}",
        ) from exc
    return buffer.getvalue()


def decode_record(data: bytes, catalog: SchemaCatalog | None = None) -> dict[str, Any]:
    """Decode a single-object encoded record into a dict, resolved to the newest version.

    Raises RecordError(ENVELOPE_DECODE_FAILED) for unknown framing, an unknown
    fingerprint or bytes that do not match the writer schema.
    """
    catalog = catalog or default_catalog()
    if len(data) < _HEADER_LENGTH or data[:2] != SINGLE_OBJECT_MARKER:
        raise RecordError(
            ErrorCode.ENVELOPE_DECODE_FAILED,
            "value is not Avro single-object encoded (expected the bytes C3 01 first)",
        )
    writer = catalog.by_fingerprint(data[2:_HEADER_LENGTH])
    if writer is None:
        raise RecordError(
            ErrorCode.ENVELOPE_DECODE_FAILED,
            f"unknown writer schema fingerprint {data[2:_HEADER_LENGTH].hex()}",
        )
    reader = catalog.latest(writer.subject)
    try:
        return fastavro.schemaless_reader(
            io.BytesIO(data[_HEADER_LENGTH:]), writer.parsed, reader.parsed
        )
    except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise RecordError(
            ErrorCode.ENVELOPE_DECODE_FAILED,
            f"value does not decode with schema {writer.path.name}: {exc}",
        ) from exc


def decode(data: bytes, catalog: SchemaCatalog | None = None) -> CanonicalEvent:
    """Decode a single-object encoded record into a typed CanonicalEvent."""
    record = decode_record(data, catalog)
    try:
        return CanonicalEvent.model_validate(record)
    except ValueError as exc:
        raise RecordError(ErrorCode.SCHEMA_VALIDATION_FAILED, str(exc)) from exc
