"""Avro encoding of canonical events, in either of two framings.

- Avro single-object encoding (the default): the bytes C3 01, the 8-byte
  little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing
  Canonical Form, then Avro binary. The fingerprint is looked up in the local
  catalog, so no service is needed. fastavro computes fingerprints but does
  not write this framing, which is what ``encode_single_object`` adds.
- The Confluent wire format, when SCHEMA_REGISTRY_URL is set: byte 0x00, the
  4-byte big-endian schema id, then Avro binary (see ``canonical.registry``).

Decoders read both, distinguished by the first byte, and resolve data
written with an older version of a subject to the newest local version, so
data written with v1 decodes under a v2 reader. The subject is the envelope's
``entity_type``.
"""

import io
from typing import Any

import fastavro
from pydantic import ValidationError

from canonical._datum import from_datum, to_datum
from canonical.catalog import SCHEMA_DIR, SchemaCatalog, SchemaVersion, default_catalog
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent, event_class
from canonical.registry import (
    REGISTRY_URL_VARIABLE,
    WIRE_FORMAT_MAGIC,
    RegistryCodec,
    registry_from_environment,
)

__all__ = [
    "SCHEMA_DIR",
    "SINGLE_OBJECT_MARKER",
    "SchemaCatalog",
    "SchemaVersion",
    "decode",
    "decode_record",
    "default_catalog",
    "encode",
    "encode_single_object",
]

SINGLE_OBJECT_MARKER = b"\xc3\x01"
_HEADER_LENGTH = 10
_WRITE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)
_READ_ERRORS = (EOFError, ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError)


def _schema_for(event: CanonicalEvent, catalog: SchemaCatalog) -> SchemaVersion:
    try:
        return catalog.latest(event.envelope.entity_type)
    except KeyError as exc:
        raise RecordError(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            f"no schema for entity type {event.envelope.entity_type!r}: {exc.args[0]}",
            field_path="envelope.entity_type",
        ) from exc


def _event_datum(event: CanonicalEvent) -> dict[str, Any]:
    # The typed event class annotates the payload as one entity, as the schema does;
    # CanonicalEvent's union of every entity would tag the payload as a union branch.
    return to_datum(event, as_class=event_class(event.envelope.entity_type))


def encode(
    event: CanonicalEvent,
    catalog: SchemaCatalog | None = None,
    *,
    registry: RegistryCodec | None = None,
) -> bytes:
    """Encode an event with the newest schema of its entity type.

    Uses the Confluent wire format through ``registry``, or through the
    registry at SCHEMA_REGISTRY_URL when ``registry`` is None and the variable
    is set; otherwise single-object encoding. Raises
    RecordError(SCHEMA_VALIDATION_FAILED) when the event does not fit the
    schema; see ``RegistryCodec.encode`` for the registry's errors.
    """
    catalog = catalog or default_catalog()
    codec = registry if registry is not None else registry_from_environment()
    if codec is None:
        return encode_single_object(event, catalog)
    return codec.encode(_schema_for(event, catalog), _event_datum(event))


def encode_single_object(event: CanonicalEvent, catalog: SchemaCatalog | None = None) -> bytes:
    """Encode an event with Avro single-object encoding, even when SCHEMA_REGISTRY_URL is set."""
    catalog = catalog or default_catalog()
    schema = _schema_for(event, catalog)
    buffer = io.BytesIO()
    buffer.write(SINGLE_OBJECT_MARKER)
    buffer.write(schema.fingerprint)
    try:
        fastavro.schemaless_writer(buffer, schema.parsed, _event_datum(event), strict=True)
    except _WRITE_ERRORS as exc:
        raise RecordError(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            f"event does not fit schema {schema.path.name}: {exc}",
        ) from exc
    return buffer.getvalue()


def _read(
    data: bytes, catalog: SchemaCatalog, registry: RegistryCodec | None, record_names: bool
) -> tuple[SchemaVersion, dict[str, Any]]:
    if data[:2] == SINGLE_OBJECT_MARKER:
        return _read_single_object(data, catalog, record_names)
    if data[:1] == WIRE_FORMAT_MAGIC:
        codec = registry if registry is not None else registry_from_environment()
        if codec is None:
            raise RecordError(
                ErrorCode.ENVELOPE_DECODE_FAILED,
                f"value is in the Confluent wire format (schema id {data[1:5].hex()}) but "
                f"{REGISTRY_URL_VARIABLE} is not set; set it to the schema registry's URL",
            )
        return codec.read(data, catalog, record_names=record_names)
    raise RecordError(
        ErrorCode.ENVELOPE_DECODE_FAILED,
        "value is neither Avro single-object encoded (C3 01 first) "
        "nor in the Confluent wire format (00 first)",
    )


def _read_single_object(
    data: bytes, catalog: SchemaCatalog, record_names: bool
) -> tuple[SchemaVersion, dict[str, Any]]:
    if len(data) < _HEADER_LENGTH:
        raise RecordError(
            ErrorCode.ENVELOPE_DECODE_FAILED,
            f"single-object encoded value is {len(data)} bytes, shorter than its 10-byte header",
        )
    writer = catalog.by_fingerprint(data[2:_HEADER_LENGTH])
    if writer is None:
        raise RecordError(
            ErrorCode.ENVELOPE_DECODE_FAILED,
            f"unknown writer schema fingerprint {data[2:_HEADER_LENGTH].hex()}",
        )
    reader = catalog.latest(writer.subject)
    try:
        record = fastavro.schemaless_reader(
            io.BytesIO(data[_HEADER_LENGTH:]),
            writer.parsed,
            reader.parsed,
            return_record_name=record_names,
        )
    except _READ_ERRORS as exc:
        raise RecordError(
            ErrorCode.ENVELOPE_DECODE_FAILED,
            f"value does not decode with schema {writer.path.name}: {exc}",
        ) from exc
    return reader, record


def decode_record(
    data: bytes,
    catalog: SchemaCatalog | None = None,
    *,
    registry: RegistryCodec | None = None,
) -> dict[str, Any]:
    """Decode a canonical record of either framing into a dict, resolved to the newest version.

    Raises RecordError(ENVELOPE_DECODE_FAILED) for unknown framing, an unknown
    fingerprint or schema id, or bytes that do not match the writer schema.
    """
    _, record = _read(data, catalog or default_catalog(), registry, record_names=False)
    return record


def decode(
    data: bytes,
    catalog: SchemaCatalog | None = None,
    *,
    registry: RegistryCodec | None = None,
) -> CanonicalEvent:
    """Decode a canonical record into the typed event of its subject, such as ShipmentEvent.

    Raises RecordError(ENVELOPE_DECODE_FAILED) as ``decode_record`` does, and
    RecordError(SCHEMA_VALIDATION_FAILED) when the record does not satisfy the model.
    """
    reader, record = _read(data, catalog or default_catalog(), registry, record_names=True)
    try:
        model = event_class(reader.subject)
    except KeyError as exc:
        raise RecordError(ErrorCode.SCHEMA_VALIDATION_FAILED, exc.args[0]) from exc
    try:
        return model.model_validate(from_datum(model, record))
    except ValidationError as exc:
        raise RecordError(ErrorCode.SCHEMA_VALIDATION_FAILED, str(exc)) from exc
