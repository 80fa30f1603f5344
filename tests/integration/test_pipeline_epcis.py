"""GS1 EPCIS documents through the real broker, Redis and all three stages."""

import json

import pytest

from adapters.epcis import split_epcis
from adapters.publish import RawPublisher
from canonical.avro import decode

pytestmark = pytest.mark.integration

ENTITIES = ["inventory-movement", "receipt", "shipment", "exception-event"]


def receiving_document(event_id: str) -> bytes:
    event = {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": "2024-05-01T08:00:00.000+02:00",
        "eventTimeZoneOffset": "+02:00",
        "action": "ADD",
        "bizStep": "receiving",
        "epcList": ["urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2"],
        "bizLocation": {"id": "urn:epc:id:sgln:4012345.00001.0"},
        "bizTransactionList": [
            {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-9"}
        ],
    }
    return json.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2024-05-01T10:00:00Z",
            "epcisBody": {"eventList": [event]},
        }
    ).encode()


def ingest(pipeline, data: bytes) -> None:
    documents = split_epcis(data, filename="epcis.json")
    report = RawPublisher(pipeline.bootstrap).publish(
        pipeline.topology.sources["epcis"].topic, documents
    )
    assert report.failed == []


def test_epcis_event_becomes_canonical_movement_and_receipt(pipeline_factory):
    pipeline = pipeline_factory(entities=ENTITIES)
    pipeline.start()
    ingest(pipeline, receiving_document("urn:uuid:0b6f1d2e-0000-4000-8000-000000000001"))
    pipeline.drain()

    [movement_record] = pipeline.records("canonical.inventory-movement")
    movement = decode(movement_record.value())
    assert movement.envelope.event_type == "inventory-movement.posted"
    assert movement.payload.quantity.value == 2
    assert movement.envelope.provenance.raw_topic == pipeline.topic("raw.epcis")
    assert movement_record.key() == movement.envelope.entity_id.encode()

    [receipt_record] = pipeline.records("canonical.receipt")
    receipt = decode(receipt_record.value())
    assert receipt.payload.purchase_order_id == "urn:epcglobal:cbv:bt:4012345000009:PO-9"


def test_same_event_twice_yields_one_record(pipeline_factory):
    pipeline = pipeline_factory(entities=ENTITIES)
    pipeline.start()
    data = receiving_document("urn:uuid:0b6f1d2e-0000-4000-8000-000000000002")
    ingest(pipeline, data)
    ingest(pipeline, data)
    pipeline.drain()

    assert len(pipeline.records("normalized.inventory-movement")) == 2
    assert len(pipeline.records("canonical.inventory-movement")) == 1


def test_invalid_event_dead_lettered(pipeline_factory):
    pipeline = pipeline_factory(entities=ENTITIES)
    pipeline.start()
    data = receiving_document("urn:uuid:0b6f1d2e-0000-4000-8000-000000000003")
    ingest(pipeline, data.replace(b'"ADD"', b'"CREATE"'))
    pipeline.drain()

    [dead] = pipeline.records("dlq.normalize")
    headers = {name: value.decode() for name, value in dead.headers()}
    assert headers["scmflow.error.code"] == "EPCIS_EVENT_INVALID"
