"""EPCIS events normalized to movements, receipts, pack hierarchies and exception events."""

import json

import pytest

from adapters.epcis import split_epcis
from canonical.avro import decode, encode
from canonical.errors import ErrorCode, RecordError
from processors.normalize import RawRecord, normalize

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
RECEIVED_AT = "2024-05-01T12:00:00+00:00"


def document(*events: dict) -> bytes:
    return json.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2024-05-01T10:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    ).encode()


def object_event(**fields) -> dict:
    base = {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:6a2f7c1e-1111-4a4a-9b9b-000000000001",
        "eventTime": "2024-05-01T08:00:00.000+02:00",
        "eventTimeZoneOffset": "+02:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "epcList": [
            "urn:epc:id:sgtin:4012345.011111.1",
            "urn:epc:id:sgtin:4012345.011111.2",
            "https://id.gs1.org/01/04012345111118/21/3",
        ],
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
        "bizTransactionList": [
            {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-77"},
            {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:ASN-5"},
        ],
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def records_of(data: bytes, first_offset: int = 0) -> list[RawRecord]:
    return [
        RawRecord(
            topic="raw.epcis",
            partition=0,
            offset=first_offset + offset,
            key=raw.key.encode(),
            value=raw.value,
            headers=raw.headers,
            timestamp_ms=None,
        )
        for offset, raw in enumerate(split_epcis(data, filename="t.json", received_at=RECEIVED_AT))
    ]


def run(data: bytes, first_offset: int = 0):
    [record] = records_of(data, first_offset)
    return normalize(record)


def test_shipping_event_becomes_issue_movement():
    [movement] = run(document(object_event()))
    assert movement.envelope.event_type == "inventory-movement.posted"
    payload = movement.payload
    assert payload.movement_type == "issue"
    assert payload.product_id == "https://id.gs1.org/01/04012345111118"
    assert payload.quantity.value == 3
    assert payload.quantity.unit == "C62"
    assert payload.from_location_id == "https://id.gs1.org/414/4012345000016"
    assert payload.reason_code == "shipping"
    qualifiers = {ref.qualifier: ref.value for ref in payload.references}
    assert qualifiers["po"] == "urn:epcglobal:cbv:bt:4012345000009:PO-77"
    assert qualifiers["desadv"] == "urn:epcglobal:cbv:bt:4012345000009:ASN-5"
    assert qualifiers["eventID"] == "urn:uuid:6a2f7c1e-1111-4a4a-9b9b-000000000001"
    assert decode(encode(movement)) == movement


def test_receiving_gives_receipt_and_movement():
    events = run(document(object_event(bizStep="receiving", action="ADD")))
    types = [e.envelope.event_type for e in events]
    assert types == ["inventory-movement.posted", "receipt.received"]
    receipt = events[1].payload
    assert receipt.location_id == "https://id.gs1.org/414/4012345000016"
    assert receipt.purchase_order_id == "urn:epcglobal:cbv:bt:4012345000009:PO-77"
    assert receipt.shipment_id == "urn:epcglobal:cbv:bt:4012345000009:ASN-5"
    assert receipt.lines[0].quantity_received.value == 3
    assert events[0].payload.movement_type == "receipt"


def test_quantity_list_keeps_unit_and_lot():
    event = object_event(
        epcList=None,
        quantityList=[
            {"epcClass": "urn:epc:class:lgtin:4012345.011111.LOT9", "quantity": 12.5, "uom": "KGM"}
        ],
    )
    [movement] = run(document(event))
    assert movement.payload.quantity.value == pytest.approx(12.5)
    assert movement.payload.quantity.unit == "KGM"
    assert movement.payload.lot_number == "LOT9"


def test_json_and_xml_give_same_canonical_event():
    xml = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0">
<EPCISBody><EventList><ObjectEvent>
<eventTime>2024-05-01T06:00:00Z</eventTime><eventTimeZoneOffset>+02:00</eventTimeZoneOffset>
<eventID>urn:uuid:6a2f7c1e-1111-4a4a-9b9b-000000000001</eventID>
<epcList><epc>https://id.gs1.org/01/04012345111118/21/3</epc>
<epc>https://id.gs1.org/01/04012345111118/21/1</epc>
<epc>urn:epc:id:sgtin:4012345.011111.2</epc></epcList>
<action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
<readPoint><id>https://id.gs1.org/414/4012345000016</id></readPoint>
<bizTransactionList>
<bizTransaction type="urn:epcglobal:cbv:btt:po"
>urn:epcglobal:cbv:bt:4012345000009:PO-77</bizTransaction>
<bizTransaction type="urn:epcglobal:cbv:btt:desadv"
>urn:epcglobal:cbv:bt:4012345000009:ASN-5</bizTransaction>
</bizTransactionList>
</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""
    [from_json] = run(document(object_event()))
    [from_xml] = run(xml)
    assert from_json.payload == from_xml.payload
    assert from_json.envelope.entity_id == from_xml.envelope.entity_id
    assert from_json.envelope.idempotency_key == from_xml.envelope.idempotency_key
    assert from_json.envelope.occurred_at == from_xml.envelope.occurred_at


def test_offset_differing_from_event_time_kept():
    event = object_event(eventTime="2024-05-01T08:00:00.000+02:00", eventTimeZoneOffset="-05:00")
    [movement] = run(document(event))
    assert movement.envelope.occurred_at_source == "2024-05-01T08:00:00.000+02:00"
    references = {ref.qualifier: ref.value for ref in movement.payload.references}
    assert references["eventTimeZoneOffset"] == "-05:00"
    assert "epcis.time_zone_offset_differs" in movement.envelope.quality_flags


def test_error_declaration_is_correction():
    original = object_event()
    declared = object_event(
        errorDeclaration={
            "declarationTime": "2024-05-02T09:00:00Z",
            "reason": "incorrect_data",
            "correctiveEventIDs": ["urn:uuid:6a2f7c1e-1111-4a4a-9b9b-000000000002"],
        }
    )
    [first] = run(document(original))
    [correction] = run(document(declared), first_offset=10)
    assert correction.envelope.entity_id == first.envelope.entity_id
    assert correction.envelope.entity_version > first.envelope.entity_version
    assert correction.envelope.event_type == "inventory-movement.corrected"
    assert correction.envelope.causation_id == "urn:uuid:6a2f7c1e-1111-4a4a-9b9b-000000000001"
    assert correction.envelope.idempotency_key != first.envelope.idempotency_key
    assert correction.payload.status == "reversed"


def test_sensor_alarm_becomes_exception_event():
    event = object_event(
        bizStep="inspecting",
        sensorElementList=[
            {
                "sensorMetadata": {"time": "2024-05-01T07:55:00Z"},
                "sensorReport": [
                    {"type": "Temperature", "value": 12.5, "uom": "CEL"},
                    {
                        "type": "Temperature",
                        "exception": "ALARM_CONDITION",
                        "maxValue": 9.2,
                        "uom": "CEL",
                    },
                ],
            }
        ],
    )
    movement, alarm = run(document(event))
    assert alarm.envelope.event_type == "exception-event.raised"
    report = alarm.payload
    assert report.kind == "inventory-movement.sensor_alarm"
    assert report.severity == "critical"
    assert report.subject_entity_id == movement.envelope.entity_id
    assert "ALARM_CONDITION" in report.description
    assert decode(encode(alarm)) == alarm


def test_damaged_disposition_raises_exception():
    events = run(document(object_event(bizStep="inspecting", disposition="damaged")))
    assert [e.envelope.entity_type for e in events] == ["inventory-movement", "exception-event"]
    assert events[1].payload.kind == "inventory-movement.disposition_damaged"


def test_aggregation_becomes_pack_hierarchy():
    event = {
        "type": "AggregationEvent",
        "eventTime": "2024-05-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": "urn:epc:id:sscc:4012345.0000000001",
        "childEPCs": [
            "urn:epc:id:sscc:4012345.0000000002",
            "urn:epc:id:sgtin:4012345.011111.7",
        ],
        "action": "ADD",
        "bizStep": "packing",
    }
    [shipment] = run(document(event))
    assert shipment.envelope.event_type == "shipment.packed"
    payload = shipment.payload
    assert payload.shipment_id == "epcis:https://id.gs1.org/00/040123450000000016"
    assert [(p.level_code, p.sscc, p.parent_hl_id) for p in payload.packs] == [
        ("T", "040123450000000016", None),
        ("P", "040123450000000023", "1"),
    ]
    assert payload.lines[0].pack_hl_id == "1"
    assert payload.lines[0].product_ids[0].value == "https://id.gs1.org/01/04012345111118/21/7"


def test_aggregation_delete_is_unpacked():
    event = {
        "type": "AggregationEvent",
        "eventTime": "2024-05-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": "https://id.gs1.org/00/040123450000000016",
        "action": "DELETE",
        "bizStep": "unpacking",
    }
    [shipment] = run(document(event))
    assert shipment.envelope.event_type == "shipment.unpacked"
    assert shipment.payload.status == "created"


def test_transaction_event_keeps_join_keys():
    event = object_event(type="TransactionEvent", action="ADD", bizStep="shipping")
    [movement] = run(document(event))
    qualifiers = [ref.qualifier for ref in movement.payload.references]
    assert "po" in qualifiers
    assert "desadv" in qualifiers


def test_transformation_inputs_and_outputs():
    event = {
        "type": "TransformationEvent",
        "eventTime": "2024-05-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "inputQuantityList": [
            {"epcClass": "urn:epc:class:lgtin:4012345.011111.A1", "quantity": 500, "uom": "KGM"}
        ],
        "outputEPCList": ["urn:epc:id:sgtin:4012345.033333.1"],
        "bizStep": "commissioning",
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
    }
    consumed, produced = run(document(event))
    assert consumed.payload.movement_type == "issue"
    assert consumed.payload.quantity.unit == "KGM"
    assert produced.payload.movement_type == "receipt"
    assert produced.payload.reason_code == "transformation"


def test_association_event_maps_to_packs():
    event = {
        "type": "AssociationEvent",
        "eventTime": "2024-05-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": "urn:epc:id:grai:4012345.55555.1",
        "childEPCs": ["urn:epc:id:giai:4000001.12345"],
        "action": "ADD",
        "bizStep": "assembling",
    }
    [shipment] = run(document(event))
    assert shipment.payload.structure_code == "AssociationEvent"
    assert shipment.payload.packs[0].sscc is None


def test_custom_bizstep_without_mapping_is_mapping_missing():
    event = object_event(bizStep="https://example.com/bizstep/counting")
    with pytest.raises(RecordError) as caught:
        run(document(event))
    assert caught.value.code == ErrorCode.MAPPING_MISSING
    assert caught.value.code.retriable


def test_custom_disposition_is_flag():
    [movement] = run(document(object_event(disposition="https://example.com/disp/wet")))
    assert "epcis.vocabulary_custom:disposition" in movement.envelope.quality_flags


def test_split_error_becomes_coded_rejection():
    with pytest.raises(RecordError) as caught:
        run(document(object_event(action="CREATE")))
    assert caught.value.code == ErrorCode.EPCIS_EVENT_INVALID


def test_sensor_only_event_without_alarm_rejected():
    event = object_event(
        epcList=[],
        bizStep="inspecting",
        sensorElementList=[{"sensorReport": [{"type": "Temperature", "value": 4}]}],
    )
    with pytest.raises(RecordError) as caught:
        run(document(event))
    assert caught.value.code == ErrorCode.EPCIS_UNSUPPORTED_EVENT


def test_partner_hash_differing_flagged():
    event = object_event(eventID="ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0")
    [movement] = run(document(event))
    assert "epcis.partner_hash_differs" in movement.envelope.quality_flags
    assert movement.envelope.correlation_id.startswith("epcis:ni:///sha-256;0000")


MALFORMED_FIELDS = [
    {"sensorElementList": [{"sensorMetadata": [1], "sensorReport": [{}]}]},
    {"sensorElementList": [{"sensorReport": [1]}]},
    {"errorDeclaration": {"declarationTime": "2024-05-02T00:00:00Z", "correctiveEventIDs": 1}},
    {"errorDeclaration": {"reason": "incorrect_data"}},
    {"readPoint": [1]},
    {"parentID": {"a": 1}},
    {"ilmd": [1]},
    {"eventTimeZoneOffset": 5},
    {"eventTime": "0001-01-01T00:00:00+14:00"},
    {"eventTime": "2024-05-01T08:00:00"},
    {"quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.A", "quantity": -5}]},
    {"quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.A", "quantity": "1e400"}]},
    {"bizTransactionList": [{"type": "po"}]},
    {"certificationInfo": 5},
    {"type": "ShipmentEvent"},
]


@pytest.mark.parametrize("fields", MALFORMED_FIELDS, ids=lambda fields: next(iter(fields)))
def test_malformed_field_is_coded_rejection(fields):
    with pytest.raises(RecordError) as caught:
        run(document(object_event(**fields)))
    assert caught.value.code in (
        ErrorCode.EPCIS_EVENT_INVALID,
        ErrorCode.SCHEMA_VALIDATION_FAILED,
    )
    assert caught.value.message
