"""Avro single-object encoding of canonical events."""

import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import fastavro
import pytest
from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form
from pydantic import ValidationError

from canonical import (
    CanonicalEvent,
    Envelope,
    Provenance,
    Quantity,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)
from canonical.avro import SINGLE_OBJECT_MARKER, decode, decode_record, default_catalog, encode
from canonical.errors import ErrorCode, RecordError
from canonical.shipment import ProductId, ShipmentStatus


def make_event(**envelope_changes) -> CanonicalEvent:
    occurred = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=UTC)
    envelope = {
        "event_id": UUID("8a6e0804-2bd0-4672-b79d-d97027f9071a"),
        "event_type": "shipment.notified",
        "schema_version": 1,
        "entity_type": "shipment",
        "entity_id": "ACME:SH-1001",
        "entity_version": 1772375415123456,
        "producer_system": "x12:ACME",
        "occurred_at": occurred,
        "occurred_at_source": "20260301 1430",
        "ingested_at": occurred + timedelta(minutes=5),
        "correlation_id": "x12:ACME:000000101:101:0001",
        "causation_id": None,
        "idempotency_key": "a" * 64,
        "quality_flags": ["x12.se_count_mismatch"],
        "provenance": Provenance(
            source_document_ids=["ISA13=000000101", "GS06=101", "ST02=0001"],
            raw_topic="raw.x12",
            raw_partition=2,
            raw_offset=41,
            payload_sha256="b" * 64,
            adapter_version="1",
            transform_version="x12-856@1",
            mapping_versions={"x12-units": "1"},
        ),
    }
    envelope.update(envelope_changes)
    payload = Shipment(
        shipment_id="SH-1001",
        status=ShipmentStatus.HANDED_OFF,
        purpose_code="00",
        structure_code="0001",
        shipped_at=occurred,
        shipped_at_local="20260301 1430",
        carrier_scac="ABCD",
        transport_method="M",
        gross_weight=Quantity(
            value=Decimal("120.5"),
            unit="LBR",
            source_value="120.5",
            source_unit="LB",
            conversion_rule="x12-units@1:LB->LBR",
        ),
        lines=[
            ShipmentLine(
                hl_id="4",
                parent_hl_id="3",
                order_hl_id="2",
                pack_hl_id="3",
                line_number="1",
                product_ids=[ProductId(qualifier="UP", value="012345678905")],
                quantity_shipped=Quantity(
                    value=Decimal("2.25"),
                    unit="KGM",
                    source_value="2.25",
                    source_unit="KG",
                    conversion_rule="x12-units@1:KG->KGM",
                ),
            )
        ],
    )
    return CanonicalEvent(envelope=Envelope(**envelope), payload=payload)


def test_fingerprint_matches_published_vector():
    """The framing reproduces the single-object encoding of shop.Order {"id": "a"}."""
    schema = parse_schema(
        {"type": "record", "name": "Order", "namespace": "shop",
         "fields": [{"name": "id", "type": "string"}]}
    )
    digest = bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schema, {"id": "a"})
    framed = SINGLE_OBJECT_MARKER + digest + body.getvalue()
    assert framed.hex() == "c3016a2c1683aaf40d7e0261"


def test_encode_decode_round_trip():
    event = make_event()
    data = encode(event)
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == default_catalog().latest("shipment").fingerprint
    assert decode(data) == event


def test_decode_keeps_microseconds_and_utc():
    decoded = decode(encode(make_event()))
    assert decoded.envelope.occurred_at.microsecond == 123456
    assert decoded.envelope.occurred_at.utcoffset() == timedelta(0)


def test_offset_datetime_is_the_same_instant():
    local = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    decoded = decode(encode(make_event(occurred_at=local)))
    assert decoded.envelope.occurred_at == local


def test_naive_datetime_rejected():
    with pytest.raises(ValidationError, match="timezone"):
        make_event(occurred_at=datetime(2026, 3, 1, 9, 30))


def test_decode_rejects_plain_json():
    with pytest.raises(RecordError) as caught:
        decode_record(b'{"shipment_id": "SH-1"}')
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED


def test_decode_rejects_unknown_fingerprint():
    data = SINGLE_OBJECT_MARKER + b"\x00" * 8 + b"\x02a"
    with pytest.raises(RecordError) as caught:
        decode_record(data)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED
    assert "0000000000000000" in caught.value.message


def test_decode_rejects_truncated_body():
    data = encode(make_event())
    with pytest.raises(RecordError) as caught:
        decode_record(data[:40])
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED


def test_decode_returns_typed_event():
    decoded = decode(encode(make_event()))
    assert type(decoded) is ShipmentEvent


def test_decode_rejects_short_single_object():
    with pytest.raises(RecordError) as caught:
        decode_record(SINGLE_OBJECT_MARKER + b"\x00\x01")
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED
    assert "10-byte header" in caught.value.message


def test_encode_rejects_value_outside_schema():
    event = make_event()
    too_precise = event.payload.gross_weight.model_copy(update={"value": Decimal("1.1234567")})
    payload = event.payload.model_copy(update={"gross_weight": too_precise})
    with pytest.raises(RecordError) as caught:
        encode(event.model_copy(update={"payload": payload}))
    assert caught.value.code is ErrorCode.SCHEMA_VALIDATION_FAILED
