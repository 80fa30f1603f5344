"""The Confluent wire format through a schema registry: byte 0x00, a 4-byte schema id, Avro.

Used when SCHEMA_REGISTRY_URL is set. The registry subject of an entity type
follows Confluent's TopicNameStrategy on its canonical topic, such as
``canonical.shipment-value``. Producers never register schemas: the
serializer only looks the local schema up (``auto.register.schemas`` off), so
every schema reaches the registry through ``scmflow schemas register`` and its
compatibility check. Serializers validate strictly (``validate.strict``),
because without it confluent-kafka drops unknown fields and writes a missing
nullable field as null without an error.

Reading fetches the writer schema by id, finds the local subject by the
writer's top-level record name and resolves the data to the newest local
version of that subject, as the single-object reader does.
"""

from __future__ import annotations

import json
import os
import struct
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from fastavro.schema import parse_schema

from canonical.catalog import SchemaCatalog, SchemaVersion
from canonical.errors import ErrorCode, RecordError, RetriableError

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer

REGISTRY_URL_VARIABLE = "SCHEMA_REGISTRY_URL"
CANONICAL_TOPIC_PREFIX = "canonical."
"""Prefix of the canonical topics; equal to the dedupe stage's output prefix in topology.yaml."""
WIRE_FORMAT_MAGIC = b"\x00"
WIRE_FORMAT_HEADER_LENGTH = 5
_RETRIABLE_STATUS = {408, 429}


def value_subject(entity_type: str, topic_prefix: str = CANONICAL_TOPIC_PREFIX) -> str:
    """Return the registry subject of an entity type's canonical topic value (TopicNameStrategy)."""
    return f"{topic_prefix}{entity_type}-value"


class RegistryCodec:
    """Encode and decode canonical records in the Confluent wire format.

    One AvroSerializer per local schema version and one AvroDeserializer per
    reader schema are built on first use and then reused. The client caches
    ids and schemas, so in steady state no request reaches the registry.
    """

    def __init__(
        self, client: SchemaRegistryClient, *, topic_prefix: str = CANONICAL_TOPIC_PREFIX
    ) -> None:
        self.client = client
        self.topic_prefix = topic_prefix
        self._serializers: dict[str, AvroSerializer] = {}
        self._deserializers: dict[tuple[str, bool], AvroDeserializer] = {}
        self._writer_names: dict[int, str] = {}

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RegistryCodec:
        from confluent_kafka.schema_registry import SchemaRegistryClient

        return cls(SchemaRegistryClient({"url": url}), **options)

    def encode(self, schema: SchemaVersion, datum: dict[str, Any]) -> bytes:
        """Serialize ``datum`` with ``schema``, framed with the id the registry gives it.

        Raises RecordError(SCHEMA_NOT_REGISTERED) when the schema is not
        registered under its subject, RecordError(SCHEMA_VALIDATION_FAILED) when
        the datum does not fit, and RetriableError when the registry is unreachable.
        """
        from confluent_kafka.serialization import MessageField, SerializationContext

        serializer = self._serializer(schema)
        topic = f"{self.topic_prefix}{schema.subject}"
        try:
            value = serializer(datum, SerializationContext(topic, MessageField.VALUE))
        except Exception as exc:
            raise self._error(exc, ErrorCode.SCHEMA_NOT_REGISTERED, schema) from exc
        if value is None:
            raise RecordError(ErrorCode.SCHEMA_VALIDATION_FAILED, "the serializer wrote no value")
        return value

    def read(
        self, data: bytes, catalog: SchemaCatalog, *, record_names: bool
    ) -> tuple[SchemaVersion, dict[str, Any]]:
        """Read a wire-format record; return the local reader schema and the record.

        With ``record_names`` every record in a union comes back as
        ``(name, fields)``. Raises RecordError(ENVELOPE_DECODE_FAILED) for an
        unknown schema id or bytes that do not decode, RetriableError when the
        registry is unreachable.
        """
        if len(data) <= WIRE_FORMAT_HEADER_LENGTH or data[:1] != WIRE_FORMAT_MAGIC:
            raise RecordError(
                ErrorCode.ENVELOPE_DECODE_FAILED,
                "value is not in the Confluent wire format (expected 0x00 and a 4-byte schema id)",
            )
        (schema_id,) = struct.unpack(">I", data[1:WIRE_FORMAT_HEADER_LENGTH])
        try:
            record_name = self._writer_record_name(schema_id)
        except Exception as exc:
            raise self._error(exc, ErrorCode.ENVELOPE_DECODE_FAILED, None) from exc
        subject = catalog.subject_of_record(record_name)
        if subject is None:
            raise RecordError(
                ErrorCode.ENVELOPE_DECODE_FAILED,
                f"schema id {schema_id} is the record {record_name}, "
                f"which no schema in {catalog.schema_dir} defines",
            )
        reader = catalog.latest(subject)
        deserializer = self._deserializer(reader, record_names)
        try:
            record = deserializer(data, None)
        except Exception as exc:
            raise self._error(exc, ErrorCode.ENVELOPE_DECODE_FAILED, reader) from exc
        if not isinstance(record, dict):
            raise RecordError(
                ErrorCode.ENVELOPE_DECODE_FAILED, f"schema id {schema_id} is not a record schema"
            )
        return reader, record

    def _serializer(self, schema: SchemaVersion) -> AvroSerializer:
        from confluent_kafka.schema_registry import topic_subject_name_strategy
        from confluent_kafka.schema_registry.avro import AvroSerializer

        key = str(schema.path)
        if key not in self._serializers:
            self._serializers[key] = AvroSerializer(
                self.client,
                schema.schema_str,
                conf={
                    "auto.register.schemas": False,
                    "use.latest.version": False,
                    "subject.name.strategy": topic_subject_name_strategy,
                    "validate.strict": True,
                },
            )
        return self._serializers[key]

    def _deserializer(self, reader: SchemaVersion, record_names: bool) -> AvroDeserializer:
        from confluent_kafka.schema_registry.avro import AvroDeserializer

        key = (str(reader.path), record_names)
        if key not in self._deserializers:
            self._deserializers[key] = AvroDeserializer(
                self.client, reader.schema_str, return_record_name=record_names
            )
        return self._deserializers[key]

    def _writer_record_name(self, schema_id: int) -> str:
        if schema_id not in self._writer_names:
            schema = self.client.get_schema(schema_id)
            parsed = parse_schema(json.loads(schema.schema_str or "null"))
            name = parsed.get("name", "") if isinstance(parsed, dict) else ""
            self._writer_names[schema_id] = name
        return self._writer_names[schema_id]

    def _error(
        self, exc: Exception, not_found: ErrorCode, schema: SchemaVersion | None
    ) -> RecordError | RetriableError:
        """Translate a registry, transport or serialization error into the pipeline's errors."""
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        url = self.client.config().get("url", "the schema registry")
        if isinstance(exc, transport_error_class()):
            return RetriableError("schema_registry_unavailable", f"{url}: {exc}")
        if not isinstance(exc, SchemaRegistryError):
            code = (
                ErrorCode.SCHEMA_VALIDATION_FAILED
                if not_found is ErrorCode.SCHEMA_NOT_REGISTERED
                else ErrorCode.ENVELOPE_DECODE_FAILED
            )
            where = f" with schema {schema.path.name}" if schema else ""
            return RecordError(code, f"{type(exc).__name__}{where}: {exc}")
        status = exc.http_status_code
        if status in _RETRIABLE_STATUS or status >= 500 or status < 0:
            return RetriableError("schema_registry_unavailable", f"{url}: {exc}")
        if status == 404 and schema is not None and not_found is ErrorCode.SCHEMA_NOT_REGISTERED:
            return RecordError(
                not_found,
                f"schema {schema.path.name} is not registered under subject "
                f"{value_subject(schema.subject, self.topic_prefix)} at {url}; "
                f"publish it with `scmflow schemas register`",
            )
        return RecordError(not_found, f"schema registry at {url} returned {exc}")


def transport_error_class() -> type[Exception]:
    """Return the exception the registry client raises when a request gets no response.

    confluent-kafka 2.16 uses httpx2 when it is installed, else httpx, and names
    its choice in a private module. Without that module this falls back to httpx.
    """
    try:
        from confluent_kafka.schema_registry.common._httpx_compat import httpx
    except ImportError:
        import httpx
    return httpx.TransportError


@lru_cache(maxsize=1)
def registry_from_environment() -> RegistryCodec | None:
    """Return a codec for SCHEMA_REGISTRY_URL, or None when the variable is unset or empty.

    The value is read once per process; call ``registry_from_environment.cache_clear()``
    after changing it.
    """
    url = os.environ.get(REGISTRY_URL_VARIABLE, "").strip()
    return RegistryCodec.from_url(url) if url else None
