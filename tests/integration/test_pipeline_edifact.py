"""EDIFACT despatch advices through the real broker, Redis and all three stages."""

import pytest

from adapters.edifact import split_interchange
from adapters.publish import RawPublisher
from canonical.avro import decode
from processors.runtime.dlq import decode_headers

pytestmark = pytest.mark.integration

SSCC = "354123450000000014"


def despatch_advice(
    number: str, *, reference: str = "R1", quantity: str = "24", unit: str = "PCE"
) -> bytes:
    """Return an interchange with one DESADV: a pallet holding one line."""
    body = [
        f"BGM+351+{number}+9",
        "DTM+137:202503121430:203",
        "RFF+ON:PO-7781",
        "CPS+1",
        "CPS+2+1",
        "PAC+1++201",
        f"GIN+BJ+{SSCC}",
        "LIN+1++4000862141404:SRV",
        f"QTY+12:{quantity}:{unit}",
    ]
    segments = [
        f"UNB+UNOC:3+5412345000013:14+8712345000019:14+250312:1430+{reference}",
        f"UNH+M{reference}+DESADV:D:96A:UN:EAN005",
        *body,
        f"UNT+{len(body) + 2}+M{reference}",
        f"UNZ+1+{reference}",
    ]
    return ("UNA:+,? '\n" + "\n".join(segment + "'" for segment in segments) + "\n").encode()


def ingest(pipeline, data: bytes, filename: str = "desadv.edi"):
    documents = split_interchange(data, filename=filename)
    topic = pipeline.topology.sources["edifact"].topic
    report = RawPublisher(pipeline.bootstrap).publish(topic, documents)
    assert report.failed == []
    return documents


def test_despatch_advice_becomes_canonical_shipment(pipeline):
    ingest(pipeline, despatch_advice("DES-1001"))
    pipeline.drain()

    [record] = pipeline.records("canonical.shipment")
    event = decode(record.value())
    assert event.envelope.entity_type == "shipment"
    assert event.envelope.event_type == "shipment.notified"
    assert record.key() == b"5412345000013:DES-1001"
    assert event.payload.shipment_id == "DES-1001"
    assert event.payload.packs[0].sscc == SSCC
    assert event.payload.lines[0].pack_hl_id == "2"
    assert event.payload.lines[0].quantity_shipped.value == 24
    assert event.payload.lines[0].quantity_shipped.unit == "H87"
    assert event.envelope.provenance.raw_topic == pipeline.topic("raw.edifact")
    assert decode_headers(record.headers())["scmflow.source"] == "edifact"


def test_resend_under_new_references_dropped(pipeline):
    ingest(pipeline, despatch_advice("DES-2001", reference="R1"))
    ingest(pipeline, despatch_advice("DES-2001", reference="R2"))
    pipeline.drain()

    assert len(pipeline.records("normalized.shipment")) == 2
    assert len(pipeline.records("canonical.shipment")) == 1
    assert pipeline.stats("dedupe").duplicates == 1


def test_unknown_unit_dead_lettered(pipeline):
    [document] = ingest(pipeline, despatch_advice("DES-3001", unit="XYZ"))
    ingest(pipeline, despatch_advice("DES-3002", reference="R2"))
    pipeline.drain()

    [dead] = pipeline.records("dlq.normalize")
    headers = decode_headers(dead.headers())
    assert dead.value() == document.value
    assert headers["scmflow.error.code"] == "MAPPING_MISSING"
    assert headers["scmflow.error.field_path"] == "LIN[1].QTY[12].C186:3"
    assert headers["scmflow.error.topic"] == pipeline.topic("raw.edifact")
    canonical = pipeline.records("canonical.shipment")
    assert [decode(record.value()).payload.shipment_id for record in canonical] == ["DES-3002"]
