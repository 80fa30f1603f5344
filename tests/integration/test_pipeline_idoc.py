"""SAP IDoc deliveries through the real broker, Redis and all three stages."""

import pytest

from adapters.idoc import build_sdata, format_control_record, format_data_record, split_idocs
from adapters.publish import RawPublisher
from canonical.avro import decode
from processors.runtime.dlq import decode_headers

pytestmark = pytest.mark.integration

SENDER = "P01CLNT100"
SSCC = "354123450000000014"


def delivery(vbeln: str, docnum: str, unit: str = "ST") -> bytes:
    """Return a DELVRY05 IDoc: one delivery item packed in one handling unit."""

    def segment(name: str, number: int, parent: int, **values: str) -> str:
        return format_data_record(name, docnum, number, parent, 2, build_sdata(name, values))

    control = format_control_record(
        {
            "MANDT": "100",
            "DOCNUM": docnum,
            "IDOCTYP": "DELVRY05",
            "MESTYP": "DESADV",
            "SNDPRT": "LS",
            "SNDPRN": SENDER,
            "RCVPRT": "LS",
            "RCVPRN": "WMS01",
            "CREDAT": "20250312",
            "CRETIM": "143000",
        }
    )
    lines = [
        control,
        segment("E1EDL20", 1, 0, VBELN=vbeln),
        segment("E1EDL37", 3, 1, EXIDV=SSCC),
        segment("E1EDL44", 4, 3, POSNR="000010"),
        segment("E1EDL24", 2, 1, POSNR="000010", MATNR="MAT-100", LFIMG="24.000", VRKME=unit),
    ]
    return ("\n".join(lines) + "\n").encode()


def ingest(pipeline, data: bytes, filename: str = "delvry.idoc"):
    documents = split_idocs(data, filename=filename)
    topic = pipeline.topology.sources["idoc"].topic
    report = RawPublisher(pipeline.bootstrap).publish(topic, documents)
    assert report.failed == []
    return documents


def test_delivery_becomes_canonical_shipment(pipeline):
    [document] = ingest(pipeline, delivery("0080001234", "0000000000000001"))
    pipeline.drain()

    [record] = pipeline.records("canonical.shipment")
    event = decode(record.value())
    assert document.key == f"{SENDER}:DESADV:0080001234"
    assert record.key() == f"{SENDER}:0080001234".encode()
    assert event.envelope.entity_type == "shipment"
    assert event.envelope.event_type == "shipment.notified"
    assert event.payload.shipment_id == "0080001234"
    assert event.payload.packs[0].sscc == SSCC
    assert event.payload.lines[0].pack_hl_id == event.payload.packs[0].hl_id
    assert event.payload.lines[0].quantity_shipped.unit == "H87"
    assert event.envelope.provenance.raw_topic == pipeline.topic("raw.idoc")
    assert decode_headers(record.headers())["scmflow.source"] == "idoc"


def test_resend_with_new_docnum_dropped(pipeline):
    ingest(pipeline, delivery("0080002222", "0000000000000011"))
    ingest(pipeline, delivery("0080002222", "0000000000000012"))
    pipeline.drain()

    assert len(pipeline.records("normalized.shipment")) == 2
    assert len(pipeline.records("canonical.shipment")) == 1
    assert pipeline.stats("dedupe").duplicates == 1


def test_unknown_unit_dead_lettered(pipeline):
    ingest(pipeline, delivery("0080003333", "0000000000000021", unit="XYZ"))
    pipeline.drain()

    [dead] = pipeline.records("dlq.normalize")
    headers = decode_headers(dead.headers())
    assert headers["scmflow.error.code"] == "MAPPING_MISSING"
    assert pipeline.records("canonical.shipment") == []
