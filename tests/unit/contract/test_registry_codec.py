"""The Confluent wire format through a schema registry served over HTTP on 127.0.0.1."""

import json
import socket

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from contract_samples import sample_events

from canonical import ShipmentEvent
from canonical._datum import to_datum
from canonical.avro import decode, decode_record, encode
from canonical.catalog import default_catalog
from canonical.errors import ErrorCode, RecordError, RetriableError
from canonical.registry import (
    REGISTRY_URL_VARIABLE,
    RegistryCodec,
    registry_from_environment,
    value_subject,
)

SHIPMENT = sample_events()["shipment"]


def register_latest(url: str, entity_type: str) -> int:
    client = SchemaRegistryClient({"url": url})
    version = default_catalog().latest(entity_type)
    return client.register_schema(value_subject(entity_type), Schema(version.schema_str, "AVRO"))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_wire_format_matches_published_example(registry):
    """{"id": "a"} of shop.Order under schema id 1 is 00 00000001 02 61."""
    schema = {"type": "record", "name": "Order", "namespace": "shop",
              "fields": [{"name": "id", "type": "string"}]}
    client = SchemaRegistryClient({"url": registry.url})
    serializer = AvroSerializer(client, json.dumps(schema))
    value = serializer({"id": "a"}, SerializationContext("shop.orders", MessageField.VALUE))
    assert value.hex() == "00000000010261"


def test_encode_frames_with_registered_id(registry, registry_codec):
    schema_id = register_latest(registry.url, "shipment")
    data = encode(SHIPMENT, registry=registry_codec)
    assert data[:1] == b"\x00"
    assert int.from_bytes(data[1:5], "big") == schema_id


def test_encode_only_looks_schema_up(registry, registry_codec):
    register_latest(registry.url, "shipment")
    registrations_before = [r for r in registry.state.requests if r[1].endswith("/versions")]
    encode(SHIPMENT, registry=registry_codec)
    registrations_after = [r for r in registry.state.requests if r[1].endswith("/versions")]
    assert registrations_after == registrations_before


def test_encode_unregistered_schema_fails(registry_codec):
    with pytest.raises(RecordError) as caught:
        encode(SHIPMENT, registry=registry_codec)
    assert caught.value.code is ErrorCode.SCHEMA_NOT_REGISTERED
    assert "canonical.shipment-value" in caught.value.message
    assert "scmflow schemas register" in caught.value.message


def test_unregistered_schema_is_retriable_through_replay():
    assert ErrorCode.SCHEMA_NOT_REGISTERED.retriable


def test_encode_rejects_unknown_field(registry, registry_codec):
    register_latest(registry.url, "shipment")
    schema = default_catalog().latest("shipment")
    datum = to_datum(SHIPMENT, as_class=ShipmentEvent)
    datum["payload"] = {**datum["payload"], "carrier_name": "Acme Freight"}
    with pytest.raises(RecordError) as caught:
        registry_codec.encode(schema, datum)
    assert caught.value.code is ErrorCode.SCHEMA_VALIDATION_FAILED
    assert "carrier_name" in caught.value.message


def test_unreachable_registry_is_retriable():
    client = SchemaRegistryClient({"url": f"http://127.0.0.1:{closed_port()}", "max.retries": 0})
    with pytest.raises(RetriableError) as caught:
        encode(SHIPMENT, registry=RegistryCodec(client))
    assert caught.value.reason == "schema_registry_unavailable"


def test_decode_unknown_schema_id(registry_codec):
    data = b"\x00\x00\x00\x00\x63" + b"\x02a"
    with pytest.raises(RecordError) as caught:
        decode_record(data, registry=registry_codec)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED


def test_decode_schema_of_foreign_record(registry, registry_codec):
    foreign = {"type": "record", "name": "Order", "namespace": "shop",
               "fields": [{"name": "id", "type": "string"}]}
    client = SchemaRegistryClient({"url": registry.url})
    schema_id = client.register_schema("shop.orders-value", Schema(json.dumps(foreign), "AVRO"))
    data = b"\x00" + schema_id.to_bytes(4, "big") + b"\x02a"
    with pytest.raises(RecordError) as caught:
        decode_record(data, registry=registry_codec)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED
    assert "shop.Order" in caught.value.message


def test_decode_truncated_wire_format(registry, registry_codec):
    register_latest(registry.url, "shipment")
    data = encode(SHIPMENT, registry=registry_codec)
    with pytest.raises(RecordError) as caught:
        decode(data[:30], registry=registry_codec)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED


def test_wire_format_without_registry_fails():
    data = b"\x00\x00\x00\x00\x01\x02a"
    with pytest.raises(RecordError) as caught:
        decode_record(data)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED
    assert REGISTRY_URL_VARIABLE in caught.value.message


def test_environment_selects_wire_format(registry, monkeypatch):
    register_latest(registry.url, "shipment")
    monkeypatch.setenv(REGISTRY_URL_VARIABLE, registry.url)
    registry_from_environment.cache_clear()
    data = encode(SHIPMENT)
    assert data[:1] == b"\x00"
    assert decode(data) == SHIPMENT


def test_decoder_reads_both_framings(registry, monkeypatch):
    single_object = encode(SHIPMENT)
    register_latest(registry.url, "shipment")
    monkeypatch.setenv(REGISTRY_URL_VARIABLE, registry.url)
    registry_from_environment.cache_clear()
    wire_format = encode(SHIPMENT)
    assert single_object[:2] == b"\xc3\x01"
    assert wire_format[:1] == b"\x00"
    assert decode(single_object) == decode(wire_format) == SHIPMENT


def test_empty_environment_value_means_no_registry(monkeypatch):
    monkeypatch.setenv(REGISTRY_URL_VARIABLE, "  ")
    registry_from_environment.cache_clear()
    assert registry_from_environment() is None
