"""Splitting EPCIS documents into one raw record per event, and the event hash."""

import json

from adapters.epcis import canonical_epc, load_event, prehash_string, split_epcis
from adapters.epcis import headers as eh
from adapters.raw import H_SOURCE, H_SPLIT_ERROR_CODE, H_SPLIT_ERROR_MESSAGE, sha256_hex
from canonical.errors import ErrorCode

JSON_DOCUMENT = {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2022-02-17T11:30:47.0Z",
    "epcisBody": {
        "eventList": [
            {
                "type": "ObjectEvent",
                "eventID": "urn:uuid:1c8a3a16-4c5f-4b0e-9a43-7b8f1b2b9a01",
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "epcList": [
                    "urn:epc:id:sgtin:0614141.107346.2017",
                    "urn:epc:id:sgtin:0614141.107346.2018",
                ],
                "eventTime": "2022-02-16T20:33:31.116000-06:00",
                "eventTimeZoneOffset": "-06:00",
                "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
                "bizTransactionList": [
                    {"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}
                ],
            }
        ]
    },
}

XML_DOCUMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
    creationDate="2022-02-17T11:30:47.0Z">
  <EPCISBody>
    <EventList>
      <ObjectEvent>
        <eventTime>2022-02-16T20:33:31.116-06:00</eventTime>
        <eventTimeZoneOffset>-06:00</eventTimeZoneOffset>
        <epcList>
          <epc>https://id.gs1.org/01/10614141073464/21/2018</epc>
          <epc>https://id.gs1.org/01/10614141073464/21/2017</epc>
        </epcList>
        <action>OBSERVE</action>
        <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
        <disposition>urn:epcglobal:cbv:disp:in_transit</disposition>
        <readPoint><id>urn:epc:id:sgln:0614141.07346.1234</id></readPoint>
        <bizTransactionList>
          <bizTransaction type="urn:epcglobal:cbv:btt:po">http://transaction.acme.com/po/12345678</bizTransaction>
        </bizTransactionList>
      </ObjectEvent>
    </EventList>
  </EPCISBody>
</epcis:EPCISDocument>
"""

# Published with the CBV 2.0 hash algorithm for the event above.
EXPECTED_HASH = (
    "ni:///sha-256;ffa491b16867e34a7791a8d5389d826afc24e63a121026b6a4004ace38631b4b?ver=CBV2.0"
)


def json_bytes(document: dict) -> bytes:
    return json.dumps(document, indent=2).encode()


def with_events(*events: dict) -> bytes:
    document = json.loads(json.dumps(JSON_DOCUMENT))
    document["epcisBody"]["eventList"] = list(events)
    return json_bytes(document)


def event(**fields) -> dict:
    base = dict(JSON_DOCUMENT["epcisBody"]["eventList"][0])
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def test_json_event_record_headers():
    data = json_bytes(JSON_DOCUMENT)
    [record] = split_epcis(data, filename="doc.json", received_at="2024-01-01T00:00:00+00:00")
    assert record.value == data
    assert record.headers[H_SOURCE] == "epcis"
    assert record.headers[eh.H_EVENT_INDEX] == "0"
    assert record.headers[eh.H_EVENT_TYPE] == "ObjectEvent"
    assert record.headers[eh.H_EVENT_ID] == "urn:uuid:1c8a3a16-4c5f-4b0e-9a43-7b8f1b2b9a01"
    assert record.headers[eh.H_SYNTAX] == "json-ld"
    assert record.headers[eh.H_SCHEMA_VERSION] == "2.0"
    assert "epcis-context.jsonld" in record.headers[eh.H_CONTEXT]
    assert record.headers[eh.H_EVENT_HASH] == EXPECTED_HASH
    assert record.key == EXPECTED_HASH
    assert H_SPLIT_ERROR_CODE not in record.headers


def test_xml_event_has_same_hash():
    [record] = split_epcis(XML_DOCUMENT, filename="doc.xml")
    assert record.headers[eh.H_SYNTAX] == "xml"
    assert record.headers[eh.H_CONTEXT] == "urn:epcglobal:epcis:xsd:2"
    assert record.headers[eh.H_EVENT_HASH] == EXPECTED_HASH


def test_one_record_per_event_whole_document():
    second = event(eventID=None, action="ADD", bizStep="receiving")
    data = with_events(event(), second)
    records = split_epcis(data, filename="doc.json")
    assert [r.headers[eh.H_EVENT_INDEX] for r in records] == ["0", "1"]
    assert all(r.value == data for r in records)
    assert all(r.headers[eh.H_EVENT_COUNT] == "2" for r in records)
    assert records[0].key != records[1].key


def test_json_and_xml_give_same_event():
    _, from_json = load_event(json_bytes(JSON_DOCUMENT), 0)
    _, from_xml = load_event(XML_DOCUMENT, 0)
    assert prehash_string(from_json) == prehash_string(from_xml)
    assert from_json.biz_step == from_xml.biz_step == "shipping"
    assert from_json.disposition == from_xml.disposition == "in_transit"
    assert sorted(e.value for e in from_json.epcs("epcList")) == sorted(
        e.value for e in from_xml.epcs("epcList")
    )
    assert from_json.event_time == from_xml.event_time


def test_digital_link_and_urn_same_epc():
    urn = "urn:epc:id:sgtin:0614141.107346.2017"
    link = "https://id.gs1.org/01/10614141073464/21/2017"
    assert canonical_epc(urn) == canonical_epc(link) == link
    assert canonical_epc("https://example.com/01/10614141073464/21/2017?x=1") == link
    assert canonical_epc("urn:epc:id:sscc:0614141.1234567890") == (
        "https://id.gs1.org/00/106141412345678908"
    )


def test_digital_link_epc_keeps_source():
    _, parsed = load_event(XML_DOCUMENT, 0)
    sources = {e.source for e in parsed.epcs("epcList")}
    assert "https://id.gs1.org/01/10614141073464/21/2018" in sources


def test_time_zone_offset_kept_when_differing():
    data = with_events(
        event(eventTime="2022-02-16T20:33:31.116-06:00", eventTimeZoneOffset="+01:00")
    )
    _, parsed = load_event(data, 0)
    assert parsed.time_zone_offset == "+01:00"
    assert parsed.event_time_source == "2022-02-16T20:33:31.116-06:00"
    assert parsed.event_time.isoformat() == "2022-02-17T02:33:31.116000+00:00"


def test_xxe_rejected():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody><EventList>
<ObjectEvent><eventTime>&xxe;</eventTime></ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>"""
    [record] = split_epcis(data, filename="xxe.xml")
    assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_DOCUMENT_INVALID
    assert "DTD" in record.headers[H_SPLIT_ERROR_MESSAGE]
    assert record.value == data


def test_entity_expansion_rejected():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">&lol2;</epcis:EPCISDocument>"""
    [record] = split_epcis(data, filename="bomb.xml")
    assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_DOCUMENT_INVALID


def test_not_epcis_is_document_error():
    for data in (b"hello", b"{not json", b"<a/>", json_bytes({"type": "Other"})):
        [record] = split_epcis(data, filename="x")
        assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_DOCUMENT_INVALID, data
        assert record.headers[H_SOURCE] == "epcis"
        assert record.headers["scmflow.payload_sha256"] == sha256_hex(data)


def test_missing_context_is_document_error():
    document = dict(JSON_DOCUMENT)
    del document["@context"]
    [record] = split_epcis(json_bytes(document), filename="x.json")
    assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_DOCUMENT_INVALID
    assert "@context" in record.headers[H_SPLIT_ERROR_MESSAGE]


def test_invalid_event_split_error_others_kept():
    data = with_events(event(action="CREATE"), event(eventTime=None), event())
    records = split_epcis(data, filename="x.json")
    codes = [r.headers.get(H_SPLIT_ERROR_CODE) for r in records]
    assert codes == [ErrorCode.EPCIS_EVENT_INVALID, ErrorCode.EPCIS_EVENT_INVALID, None]
    assert "action" in records[0].headers[H_SPLIT_ERROR_MESSAGE]
    assert "eventTime" in records[1].headers[H_SPLIT_ERROR_MESSAGE]


def test_bare_word_outside_cbv_rejected():
    [record] = split_epcis(with_events(event(bizStep="transforming")), filename="x.json")
    assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_EVENT_INVALID


def test_custom_vocabulary_uri_is_flag():
    data = with_events(event(bizStep="https://example.com/bizstep/counting"))
    [record] = split_epcis(data, filename="x.json")
    assert H_SPLIT_ERROR_CODE not in record.headers
    assert "epcis.vocabulary_custom:bizStep" in record.headers[eh.H_QUALITY_FLAGS]


def test_object_event_without_objects_rejected():
    [record] = split_epcis(with_events(event(epcList=None)), filename="x.json")
    assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_EVENT_INVALID


def test_xml_12_extension_wrapped_event():
    data = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" schemaVersion="1.2">
<EPCISBody><EventList><extension><TransformationEvent>
<eventTime>2019-10-21T12:58:56.591+02:00</eventTime>
<eventTimeZoneOffset>+02:00</eventTimeZoneOffset>
<baseExtension><eventID>urn:uuid:5b8fd1c4-0000-4000-8000-000000000001</eventID></baseExtension>
<inputEPCList><epc>urn:epc:id:sgtin:4012345.011122.25</epc></inputEPCList>
<outputEPCList><epc>urn:epc:id:sgtin:4012345.077889.25</epc></outputEPCList>
</TransformationEvent></extension></EventList></EPCISBody></epcis:EPCISDocument>"""
    [record] = split_epcis(data, filename="v12.xml")
    assert H_SPLIT_ERROR_CODE not in record.headers
    assert record.headers[eh.H_EVENT_TYPE] == "TransformationEvent"
    assert record.headers[eh.H_SCHEMA_VERSION] == "1.2"
    assert record.headers[eh.H_EVENT_ID] == "urn:uuid:5b8fd1c4-0000-4000-8000-000000000001"
    _, parsed = load_event(data, 0)
    assert parsed.event_id == "urn:uuid:5b8fd1c4-0000-4000-8000-000000000001"


def test_empty_event_list_is_document_error():
    [record] = split_epcis(with_events(), filename="x.json")
    assert record.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EPCIS_DOCUMENT_INVALID
