"""The 856 ship notice normalizer: hierarchy, units, times, identity and rejections."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.raw import H_DOCUMENT_TYPE, H_RECEIVED_AT, H_SOURCE, H_SPLIT_ERROR_CODE
from adapters.x12 import headers as xh
from adapters.x12 import split_interchanges
from canonical.errors import ErrorCode, RecordError
from canonical.shipment import ShipmentStatus
from processors.normalize import RawRecord, normalize
from processors.normalize.reference_data import PartnerConfig, default_unit_table
from processors.normalize.x12_856 import normalize_856

RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"

HEADER = [
    "BSN*00*SHP-1001*20250312*1430*0001",
    "HL*1**S",
    "TD1*CTN25*3****G*412.5*LB",
    "TD5*B*2*ODFL*M*OLD DOMINION",
    "REF*BM*BOL-881",
    "DTM*011*20250312*1415",
    "N1*SF*ACME DISTRIBUTION*92*MEM1",
    "N3*4200 AIRWAYS BLVD",
    "N4*MEMPHIS*TN*38118*US",
    "N1*ST*RETAILCO DC 7*92*DC07",
]

# Shipment, order, pack, item: two packs under one order.
SOPI = [
    *HEADER,
    "HL*2*1*O",
    "PRF*4500012345***20250301",
    "HL*3*2*P",
    "MAN*GM*006141410000047116",
    "HL*4*3*I",
    "LIN*1*UP*061414100113*VP*WID-100",
    "SN1*1*24*EA",
    "HL*5*3*I",
    "LIN*2*UP*061414100120",
    "SN1*2*36.5*LB",
    "HL*6*2*P",
    "MAN*GM*006141410000047123**CP*PALLET-2",
    "HL*7*6*I",
    "LIN*3*VP*GSK-050",
    "SN1*3*.25*KG",
]

# Shipment, order, item, pack: packs hang under the item they contain.
SOIP = [
    *HEADER,
    "HL*2*1*O",
    "PRF*4500013002",
    "HL*3*2*I",
    "LIN*1*UP*081234502010",
    "SN1*1*40*EA",
    "HL*4*3*P",
    "MAN*GM*108123450000381013",
    "HL*5*3*P",
    "MAN*GM*108123450000381020",
]


def interchange_text(
    body: list[str],
    *,
    control: str = "000000101",
    set_control: str = "0001",
    sender: str = "ACMEDIST",
    element: str = "*",
    terminator: str = "~",
) -> str:
    isa = "*".join(
        ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{sender:<15}", "ZZ", f"{'RETAILCO':<15}",
         "250312", "1430", "U", "00401", control, "0", "P", ">"]
    )  # fmt: skip
    segments = [f"GS*SH*{sender}*RETAILCO*20250312*1430*{int(control)}*X*004010"]
    segments += [f"ST*856*{set_control}", *body, f"SE*{len(body) + 2}*{set_control}"]
    segments += [f"GE*1*{int(control)}", f"IEA*1*{control}"]
    text = isa.replace("*", element) + terminator + "\n"
    return text + "".join(s.replace("*", element) + terminator + "\n" for s in segments)


def records_for(text: str, offset: int = 0) -> list[RawRecord]:
    documents = split_interchanges(
        text.encode("latin-1"), filename="test.edi", received_at=RECEIVED_AT
    )
    return [
        RawRecord(
            topic="raw.x12",
            partition=0,
            offset=offset + index,
            key=document.key.encode(),
            value=document.value,
            headers=document.headers,
            timestamp_ms=None,
        )
        for index, document in enumerate(documents)
    ]


def normalize_one(body: list[str], **options):
    [record] = records_for(interchange_text(body, **options))
    [event] = normalize(record)
    return event


def rejection(body: list[str], **options) -> RecordError:
    [record] = records_for(interchange_text(body, **options))
    with pytest.raises(RecordError) as caught:
        normalize(record)
    return caught.value


def by_id(items):
    return {item.hl_id: item for item in items}


# Hierarchy


def test_sopi_lines_point_to_order_and_pack():
    shipment = normalize_one(SOPI).payload
    lines = by_id(shipment.lines)

    assert [line.hl_id for line in shipment.lines] == ["4", "5", "7"]
    assert lines["4"].order_hl_id == "2"
    assert lines["4"].pack_hl_id == "3"
    assert lines["5"].pack_hl_id == "3"
    assert lines["7"].order_hl_id == "2"
    assert lines["7"].pack_hl_id == "6"
    assert lines["7"].parent_hl_id == "6"


def test_sopi_packs_and_orders():
    shipment = normalize_one(SOPI).payload
    packs = by_id(shipment.packs)

    assert packs["3"].sscc == "006141410000047116"
    assert packs["3"].parent_hl_id == "2"
    assert packs["3"].level_code == "P"
    assert packs["6"].marks[0].qualifier == "CP"
    assert packs["6"].marks[0].value == "PALLET-2"
    [order] = shipment.orders
    assert order.purchase_order_number == "4500012345"
    assert order.purchase_order_date == "20250301"


def test_soip_packs_hang_under_item():
    shipment = normalize_one(SOIP).payload
    [line] = shipment.lines
    packs = by_id(shipment.packs)

    assert line.order_hl_id == "2"
    assert line.pack_hl_id is None
    assert packs["4"].parent_hl_id == "3"
    assert packs["5"].parent_hl_id == "3"


def test_tree_built_from_ids_not_order():
    body = [*HEADER, "HL*4*3*I", "LIN*1*UP*061414100113", "SN1*1*24*EA", "HL*3*2*P",
            "MAN*GM*006141410000047116", "HL*2*1*O", "PRF*PO-1"]  # fmt: skip
    [line] = normalize_one(body).payload.lines

    assert line.order_hl_id == "2"
    assert line.pack_hl_id == "3"


def test_tare_counts_as_pack_level():
    body = [*HEADER, "HL*2*1*O", "HL*3*2*T", "MAN*GM*006141410000047116", "HL*4*3*I",
            "SN1*1*5*EA"]  # fmt: skip
    shipment = normalize_one(body).payload

    assert shipment.packs[0].level_code == "T"
    assert shipment.lines[0].pack_hl_id == "3"


def test_orphan_branch_kept_and_flagged():
    body = [*HEADER, "HL*2*1*O", "HL*3*9*P", "HL*4*3*I", "LIN*1*VP*X", "SN1*1*2*EA"]
    event = normalize_one(body)
    [line] = event.payload.lines
    [pack] = event.payload.packs

    assert "x12.hl_orphan:3" in event.envelope.quality_flags
    assert pack.parent_hl_id == "9"
    assert line.pack_hl_id == "3"
    assert line.order_hl_id is None


def test_missing_shipment_level_rejected():
    body = [HEADER[0], "HL*1**O", "HL*2*1*I", "SN1*1*2*EA"]
    error = rejection(body)

    assert error.code == ErrorCode.X12_HIERARCHY_INVALID
    assert error.field_path == "HL03"


def test_duplicate_hl_id_rejected():
    error = rejection([*HEADER, "HL*2*1*O", "HL*2*1*O"])

    assert error.code == ErrorCode.X12_HIERARCHY_INVALID
    assert error.field_path == "HL[2].HL01"


def test_parent_cycle_rejected():
    error = rejection([*HEADER, "HL*2*3*O", "HL*3*2*P"])

    assert error.code == ErrorCode.X12_HIERARCHY_INVALID
    assert "cycle" in error.message


# Segments and units


def test_shipment_level_fields():
    shipment = normalize_one(SOPI).payload

    assert shipment.shipment_id == "SHP-1001"
    assert shipment.status == ShipmentStatus.HANDED_OFF
    assert shipment.purpose_code == "00"
    assert shipment.structure_code == "0001"
    assert shipment.carrier_scac == "ODFL"
    assert shipment.transport_method == "M"
    assert shipment.gross_weight.value == Decimal("412.5")
    assert shipment.gross_weight.unit == "LBR"
    assert shipment.gross_weight.conversion_rule == "x12-units@1:LB->LBR"
    assert [(ref.qualifier, ref.value) for ref in shipment.references] == [("BM", "BOL-881")]


def test_parties_from_n1_loops():
    parties = normalize_one(SOPI).payload.parties

    assert [party.role for party in parties] == ["SF", "ST"]
    assert parties[0].name == "ACME DISTRIBUTION"
    assert parties[0].id_qualifier == "92"
    assert parties[0].id == "MEM1"
    assert parties[0].address_lines == ["4200 AIRWAYS BLVD"]
    assert parties[0].city == "MEMPHIS"
    assert parties[0].region == "TN"
    assert parties[0].postal_code == "38118"
    assert parties[0].country == "US"


def test_line_products_and_quantities():
    lines = by_id(normalize_one(SOPI).payload.lines)

    assert lines["4"].line_number == "1"
    assert [(p.qualifier, p.value) for p in lines["4"].product_ids] == [
        ("UP", "061414100113"),
        ("VP", "WID-100"),
    ]
    assert lines["4"].quantity_shipped.value == Decimal("24")
    assert lines["4"].quantity_shipped.unit == "EA"


def test_decimal_quantities_kept_exact():
    lines = by_id(normalize_one(SOPI).payload.lines)

    assert lines["5"].quantity_shipped.value == Decimal("36.5")
    assert lines["5"].quantity_shipped.unit == "LBR"
    assert lines["7"].quantity_shipped.value == Decimal("0.25")
    assert lines["7"].quantity_shipped.source_value == ".25"
    assert lines["7"].quantity_shipped.unit == "KGM"


def test_unknown_unit_is_mapping_missing():
    body = [line.replace("SN1*1*24*EA", "SN1*1*24*Q9") for line in SOPI]
    error = rejection(body)

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "HL[4].SN103"
    assert "Q9" in error.message


def test_invalid_quantity_rejected():
    body = [line.replace("SN1*1*24*EA", "SN1*1*2,4*EA") for line in SOPI]
    error = rejection(body)

    assert error.code == ErrorCode.X12_ELEMENT_INVALID
    assert error.field_path == "HL[4].SN102"


def test_invalid_sscc_flagged():
    body = [line.replace("047116", "047117") for line in SOPI]
    event = normalize_one(body)

    assert "x12.sscc_invalid:3" in event.envelope.quality_flags


def test_sscc_with_application_identifier_accepted():
    body = [line.replace("MAN*GM*006141410000047116", "MAN*GM*00006141410000047116") for line in
            SOPI]  # fmt: skip
    event = normalize_one(body)

    assert event.payload.packs[0].sscc == "00006141410000047116"
    assert not any(flag.startswith("x12.sscc_invalid") for flag in event.envelope.quality_flags)


# Purpose, BSN and times


def test_cancellation_purpose():
    body = [SOPI[0].replace("BSN*00", "BSN*01"), *SOPI[1:]]
    event = normalize_one(body)

    assert event.envelope.event_type == "shipment.cancelled"
    assert event.payload.status == ShipmentStatus.CANCELLED
    assert event.payload.purpose_code == "01"


def test_missing_bsn_rejected():
    error = rejection(SOPI[1:])

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "BSN"


def test_placeholder_date_rejected():
    body = [SOPI[0].replace("20250312", "CCYYMMDD"), *SOPI[1:]]
    error = rejection(body)

    assert error.code == ErrorCode.X12_ELEMENT_INVALID
    assert error.field_path == "BSN03"


def test_missing_bsn_time_uses_ingestion_time():
    body = ["BSN*00*SHP-1001*20250312**0001", *SOPI[1:]]
    event = normalize_one(body)

    assert event.envelope.occurred_at == datetime(2025, 3, 12, 20, 0, tzinfo=UTC)
    assert "x12.occurred_at_missing" in event.envelope.quality_flags
    assert event.envelope.occurred_at_source == "20250312"


def test_times_default_to_utc():
    event = normalize_one(SOPI, sender="UNLISTED")

    assert event.envelope.occurred_at == datetime(2025, 3, 12, 14, 30, tzinfo=UTC)
    assert event.envelope.occurred_at_source == "20250312 1430"
    assert event.payload.shipped_at == datetime(2025, 3, 12, 14, 15, tzinfo=UTC)
    assert event.payload.shipped_at_local == "20250312 1415"


def test_partner_time_zone_applied():
    [record] = records_for(interchange_text(SOPI))
    partners = PartnerConfig(
        version="7", default_timezone="UTC", partner_timezones={"ACMEDIST": "America/Chicago"}
    )
    [event] = normalize_856(record, units=default_unit_table(), partners=partners)

    # Daylight saving time began in Chicago on 2025-03-09: UTC-5.
    assert event.envelope.occurred_at == datetime(2025, 3, 12, 19, 30, tzinfo=UTC)
    assert event.payload.shipped_at == datetime(2025, 3, 12, 19, 15, tzinfo=UTC)
    assert event.envelope.provenance.mapping_versions["partners"] == "7"


def test_time_code_overrides_partner_zone():
    body = [line.replace("DTM*011*20250312*1415", "DTM*011*20250312*1415*PS") for line in SOPI]
    event = normalize_one(body)

    assert event.payload.shipped_at == datetime(2025, 3, 12, 22, 15, tzinfo=UTC)
    assert event.payload.shipped_at_local == "20250312 1415 PS"


def test_unknown_time_code_flagged():
    body = [line.replace("DTM*011*20250312*1415", "DTM*011*20250312*1415*QQ") for line in SOPI]
    event = normalize_one(body, sender="UNLISTED")

    assert "x12.time_code_unknown:QQ" in event.envelope.quality_flags
    assert event.payload.shipped_at == datetime(2025, 3, 12, 14, 15, tzinfo=UTC)


def test_entity_version_is_occurred_at_microseconds():
    event = normalize_one(SOPI, sender="UNLISTED")

    expected = int(datetime(2025, 3, 12, 14, 30, tzinfo=UTC).timestamp()) * 1_000_000
    assert event.envelope.entity_version == expected


# Identity and provenance


def test_envelope_identity_fields():
    envelope = normalize_one(SOPI).envelope

    assert envelope.entity_type == "shipment"
    assert envelope.entity_id == "ACMEDIST:SHP-1001"
    assert envelope.event_type == "shipment.notified"
    assert envelope.schema_version == 1
    assert envelope.producer_system == "x12:ACMEDIST"
    assert envelope.correlation_id == "x12:ACMEDIST:000000101:101:0001"
    assert envelope.causation_id is None
    assert envelope.ingested_at == datetime.fromisoformat(RECEIVED_AT)


def test_provenance_fields():
    [record] = records_for(interchange_text(SOPI), offset=41)
    [event] = normalize(record)
    provenance = event.envelope.provenance

    assert provenance.source_document_ids == ["ISA13=000000101", "GS06=101", "ST02=0001"]
    assert provenance.raw_topic == "raw.x12"
    assert provenance.raw_partition == 0
    assert provenance.raw_offset == 41
    assert provenance.payload_sha256 == record.headers["scmflow.payload_sha256"]
    assert provenance.adapter_version == "1"
    assert provenance.transform_version == "x12-856@1"
    assert provenance.mapping_versions == {"x12-units": "1", "partners": "1"}


def test_replay_keeps_event_id():
    [record] = records_for(interchange_text(SOPI))

    assert normalize(record)[0].envelope.event_id == normalize(record)[0].envelope.event_id


def test_resend_with_new_control_numbers_same_key():
    [original] = records_for(interchange_text(SOPI))
    [resend] = records_for(interchange_text(SOPI, control="000000102", set_control="0002"),
                           offset=1)  # fmt: skip
    first, second = normalize(original)[0].envelope, normalize(resend)[0].envelope

    assert first.idempotency_key == second.idempotency_key
    assert first.event_id != second.event_id
    assert first.correlation_id != second.correlation_id


def test_resend_with_other_delimiters_same_key():
    first = normalize_one(SOPI).envelope
    second = normalize_one(SOPI, element="|", terminator="\n").envelope

    assert first.idempotency_key == second.idempotency_key


def test_changed_quantity_new_key():
    changed = [line.replace("SN1*1*24*EA", "SN1*1*30*EA") for line in SOPI]
    changed[0] = changed[0].replace("BSN*00", "BSN*05")

    assert (
        normalize_one(SOPI).envelope.idempotency_key
        != normalize_one(changed).envelope.idempotency_key
    )


def test_other_sender_other_entity():
    first = normalize_one(SOPI).envelope
    second = normalize_one(SOPI, sender="GLOBEXMFG").envelope

    assert first.entity_id != second.entity_id
    assert first.idempotency_key != second.idempotency_key


def test_envelope_flags_carried():
    body_with_bad_count = interchange_text(SOPI).replace("SE*27*0001", "SE*99*0001")
    [record] = records_for(body_with_bad_count)
    [event] = normalize(record)

    assert event.envelope.quality_flags == ["x12.se_count_mismatch"]


# Dispatch


def test_split_error_raised_with_its_code():
    [record] = records_for("NOT AN EDI FILE")
    with pytest.raises(RecordError) as caught:
        normalize(record)

    assert caught.value.code == ErrorCode.X12_INTERCHANGE_INVALID
    assert record.headers[H_SPLIT_ERROR_CODE] == "X12_INTERCHANGE_INVALID"


def test_other_set_type_unsupported():
    [record] = records_for(interchange_text(SOPI))
    headers = {**record.headers, H_DOCUMENT_TYPE: "850"}
    with pytest.raises(RecordError) as caught:
        normalize(_with_headers(record, headers))

    assert caught.value.code == ErrorCode.X12_UNSUPPORTED_SET


@pytest.mark.parametrize(
    "missing",
    [H_SOURCE, H_DOCUMENT_TYPE, H_RECEIVED_AT, xh.H_ISA06, xh.H_ST02, xh.H_ELEMENT_SEPARATOR],
)
def test_missing_header_rejected(missing):
    [record] = records_for(interchange_text(SOPI))
    headers = {name: value for name, value in record.headers.items() if name != missing}
    with pytest.raises(RecordError) as caught:
        normalize(_with_headers(record, headers))

    assert caught.value.code == ErrorCode.RAW_HEADER_MISSING


def test_naive_received_at_rejected():
    [record] = records_for(interchange_text(SOPI))
    headers = {**record.headers, H_RECEIVED_AT: "2025-03-12T20:00:00"}
    with pytest.raises(RecordError) as caught:
        normalize(_with_headers(record, headers))

    assert caught.value.code == ErrorCode.RAW_HEADER_MISSING
    assert caught.value.field_path == H_RECEIVED_AT


def test_any_truncation_raises_only_record_error():
    [record] = records_for(interchange_text(SOPI))
    for cut in range(len(record.value)):
        truncated = _with_value(record, record.value[:cut])
        try:
            normalize(truncated)
        except RecordError:
            pass


def _with_headers(record: RawRecord, headers: dict[str, str]) -> RawRecord:
    return RawRecord(record.topic, record.partition, record.offset, record.key, record.value,
                     headers, record.timestamp_ms)  # fmt: skip


def _with_value(record: RawRecord, value: bytes) -> RawRecord:
    return RawRecord(record.topic, record.partition, record.offset, record.key, value,
                     record.headers, record.timestamp_ms)  # fmt: skip
