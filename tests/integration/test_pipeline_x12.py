"""X12 856 ship notices through the real broker, Redis and all three stages."""

from pathlib import Path

import pytest
from x12_fixtures import SHARED_SAMPLES, ship_notice

from canonical.avro import decode
from canonical.headers import H_IDEMPOTENCY_KEY
from processors.runtime.dlq import decode_headers

pytestmark = pytest.mark.integration


def test_ship_notice_becomes_canonical_shipment(pipeline):
    pipeline.ingest_x12(ship_notice("SH-1001").encode())
    pipeline.drain()

    records = pipeline.records("canonical.shipment")
    assert len(records) == 1
    event = decode(records[0].value())
    assert event.payload.shipment_id == "SH-1001"
    assert records[0].key() == event.envelope.entity_id.encode()
    assert event.envelope.entity_type == "shipment"
    assert len(event.payload.lines) == 1
    assert event.payload.lines[0].quantity_shipped.value == 24
    assert event.payload.packs[0].sscc == "00012345600000000017"
    assert event.envelope.provenance.raw_topic == pipeline.topic("raw.x12")


def test_canonical_record_headers(pipeline):
    pipeline.ingest_x12(ship_notice("SH-1002").encode())
    pipeline.drain()

    headers = decode_headers(pipeline.records("canonical.shipment")[0].headers())
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == "scmflow.shipment.notified"
    assert headers["ce_subject"].endswith("SH-1002")
    assert headers[H_IDEMPOTENCY_KEY]


def test_fanout_routes_to_consumer_topic(pipeline):
    pipeline.ingest_x12(ship_notice("SH-1003").encode())
    pipeline.ingest_x12(ship_notice("SH-1004", purpose="01", control="000000102").encode())
    pipeline.drain()

    inbound = pipeline.records("consumer.warehouse.inbound-shipments")
    cancellations = pipeline.records("consumer.transport.shipment-cancellations")
    everything = pipeline.records("consumer.analytics.events")
    assert [decode(r.value()).payload.shipment_id for r in inbound] == ["SH-1003"]
    assert [decode(r.value()).payload.shipment_id for r in cancellations] == ["SH-1004"]
    assert len(everything) == 2


def test_same_file_twice_yields_one_record(pipeline):
    data = ship_notice("SH-2001").encode()
    pipeline.ingest_x12(data)
    pipeline.ingest_x12(data)
    pipeline.drain()

    assert len(pipeline.records("normalized.shipment")) == 2
    assert len(pipeline.records("canonical.shipment")) == 1
    assert pipeline.stats("dedupe").duplicates == 1


def test_resend_with_new_control_numbers_dropped(pipeline):
    pipeline.ingest_x12(ship_notice("SH-2002", control="000000201").encode())
    pipeline.drain()
    pipeline.ingest_x12(ship_notice("SH-2002", control="000000202").encode())
    pipeline.drain()

    assert len(pipeline.records("canonical.shipment")) == 1
    assert pipeline.stats("dedupe").duplicates == 1


def test_changed_document_is_not_a_duplicate(pipeline):
    pipeline.ingest_x12(ship_notice("SH-2003", quantity="24").encode())
    pipeline.ingest_x12(ship_notice("SH-2003", quantity="30", purpose="05").encode())
    pipeline.drain()

    shipped = [
        decode(r.value()).payload.lines[0].quantity_shipped.value
        for r in pipeline.records("canonical.shipment")
    ]
    assert sorted(shipped) == [24, 30]


def test_broken_documents_dead_lettered(pipeline):
    unknown_unit = ship_notice("SH-3001", unit="Q9", control="000000301")
    missing_bsn = ship_notice("SH-3002", with_bsn=False, control="000000302")
    truncated = ship_notice("SH-3003")[:60]
    good = ship_notice("SH-3004", control="000000304")
    documents = pipeline.ingest_x12(unknown_unit.encode(), filename="unknown-unit.edi")
    documents += pipeline.ingest_x12(missing_bsn.encode(), filename="missing-bsn.edi")
    documents += pipeline.ingest_x12(truncated.encode(), filename="truncated.edi")
    documents += pipeline.ingest_x12(good.encode(), filename="good.edi")
    pipeline.drain()

    dead = pipeline.records("dlq.normalize")
    codes = sorted(decode_headers(r.headers())["scmflow.error.code"] for r in dead)
    assert codes == ["MAPPING_MISSING", "X12_INTERCHANGE_INVALID", "X12_SEGMENT_MISSING"]
    canonical = pipeline.records("canonical.shipment")
    assert [decode(r.value()).payload.shipment_id for r in canonical] == ["SH-3004"]


def test_dead_letter_carries_origin(pipeline):
    documents = pipeline.ingest_x12(ship_notice("SH-3101", unit="Q9").encode())
    pipeline.drain()

    [dead] = pipeline.records("dlq.normalize")
    headers = decode_headers(dead.headers())
    [raw] = pipeline.records("raw.x12")
    assert dead.value() == documents[0].value
    assert dead.key() == raw.key()
    assert headers["scmflow.error.stage"] == "normalize"
    assert headers["scmflow.error.code"] == "MAPPING_MISSING"
    assert headers["scmflow.error.message"]
    assert "SN103" in headers["scmflow.error.field_path"]
    assert headers["scmflow.error.topic"] == pipeline.topic("raw.x12")
    assert headers["scmflow.error.partition"] == str(raw.partition())
    assert headers["scmflow.error.offset"] == str(raw.offset())
    assert headers["scmflow.source"] == "x12"


def test_garbage_on_canonical_topic_dead_lettered_by_fanout(pipeline):
    pipeline.produce_raw("canonical.shipment", b"not avro")
    pipeline.drain()

    [dead] = pipeline.records("dlq.fanout")
    assert decode_headers(dead.headers())["scmflow.error.code"] == "ENVELOPE_DECODE_FAILED"
    assert dead.value() == b"not avro"


def test_garbage_on_normalized_topic_dead_lettered_by_dedupe(pipeline):
    pipeline.produce_raw("normalized.shipment", b"\xc3\x01garbage!")
    pipeline.drain()

    [dead] = pipeline.records("dlq.dedupe")
    assert decode_headers(dead.headers())["scmflow.error.code"] == "ENVELOPE_DECODE_FAILED"
    assert pipeline.records("canonical.shipment") == []


def test_unmatched_event_dead_lettered_by_fanout(pipeline_factory):
    pipeline = pipeline_factory(
        routes=[
            {"name": "cancel-only", "topic": "unused", "when": {"event_type": "shipment.cancelled"}}
        ]
    )
    pipeline.start()
    pipeline.ingest_x12(ship_notice("SH-4001").encode())
    pipeline.drain()

    [dead] = pipeline.records("dlq.fanout")
    assert decode_headers(dead.headers())["scmflow.error.code"] == "ROUTE_NOT_FOUND"


@pytest.mark.skipif(not (SHARED_SAMPLES / "x12").is_dir(), reason="public samples not present")
def test_public_856_sample(pipeline):
    data = (SHARED_SAMPLES / "x12" / "node-x12" / "856.edi").read_bytes()
    pipeline.ingest_x12(data, filename="856.edi")
    pipeline.drain()

    [record] = pipeline.records("canonical.shipment")
    shipment = decode(record.value()).payload
    assert shipment.shipment_id == "829716"
    assert shipment.lines


def test_bundled_samples_directory_exists():
    assert list((Path(__file__).resolve().parents[2] / "samples" / "x12").glob("*.edi"))
