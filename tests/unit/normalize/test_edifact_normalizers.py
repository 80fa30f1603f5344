"""EDIFACT normalizers: DESADV tree, RECADV discrepancies, ORDERS, INVRPT, IFTSTA and identity."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from adapters.edifact import Delimiters, parse_segments, split_interchange
from canonical.avro import decode, encode
from canonical.errors import ErrorCode, RecordError
from canonical.exception_event import QuantityDiscrepancy
from canonical.inventory import StockStatus
from canonical.shipment import ShipmentStatus
from processors.normalize import RawRecord, normalize
from processors.normalize.edifact import Tables, normalize_edifact
from processors.normalize.edifact.profile import EdifactSettings, load_edifact_settings
from processors.normalize.edifact.values import parse_dtm
from processors.normalize.reference_data import PartnerConfig

RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"
SENDER = "5412345000013"
PALLET_SSCC = "354123450000000014"
CARTON_SSCC = "354123450000000021"
LOOSE_SSCC = "354123450000000038"

DESADV = [
    "BGM+351+DES-1001+9",
    "DTM+137:202503121430:203",
    "DTM+11:20250312:102",
    "MEA+PD+AAD+KGM:412,5",
    "RFF+ON:PO-7781",
    "DTM+171:20250301:102",
    "NAD+SU+5412345000013::9",
    "NAD+DP+8712345000019::9++RETAILCO DC 7+KEIZERSGRACHT 1+AMSTERDAM++1015CJ+NL",
    "TDT+20++30+31+ODFL::182",
    "CPS+1",
    "CPS+2+1",
    "PAC+1++201",
    "PCI+33E",
    f"GIN+BJ+{PALLET_SSCC}",
    "CPS+3+2",
    "PAC+4++CT",
    f"GIN+BJ+{CARTON_SSCC}",
    "LIN+1++4000862141404:SRV",
    "PIA+1+WID-100:SA",
    "QTY+12:24:PCE",
    "LIN+2++4000862141411:SRV",
    "QTY+12:36,5:KGM",
    "CPS+4+1",
    "PAC+1++CT",
    f"GIN+BJ+{LOOSE_SSCC}",
    "LIN+3++4000862141428:SRV",
    "QTY+12:6",
    "RFF+ON:PO-7799",
    "CNT+2:3",
]

RECADV = [
    "BGM+632+REC-501+9",
    "DTM+137:20250314:102",
    "DTM+50:202503140930:203",
    "RFF+AAK:DES-1001",
    "RFF+ON:PO-7781",
    "NAD+BY+8712345000002::9",
    "NAD+SU+5412345000013::9",
    "NAD+DP+8712345000019::9",
    "CPS+1",
    f"GIN+BJ+{PALLET_SSCC}",
    "LIN+1++4000862141404:SRV",
    "QTY+12:24:PCE",
    "QTY+48:20:PCE",
    "QVR+-4:48+CP+SD",
    "LIN+2++4000862141411:SRV",
    "QTY+21:10:KGM",
    "QTY+48:12:KGM",
    "LIN+3++4000862141428:SRV",
    "QTY+12:6",
    "QTY+48:6",
    "GIN+BX+LOT-77",
]

ORDERS = [
    "BGM+220::9+801715918011+9+NA",
    "DTM+137:201508030000:203",
    "DTM+2:201508060000:203",
    "RFF+PD:50515",
    "NAD+SU+5020436000004::9",
    "NAD+BY+8711576000012::9",
    "NAD+DP+8711576100019::9",
    "LIN+1++5020436373085:EN",
    "QTY+21:8",
    "LIN+2++5020436373108:EN",
    "QTY+21:2,5:KGM",
    "DTM+2:20150807:102",
    "UNS+S",
]

INVRPT = [
    "BGM+35+INV-9+9",
    "DTM+137:20250312:102",
    "NAD+WH+8712345000026::9",
    "LIN+1++4000862141404:SRV",
    "QTY+145:120:PCE",
    "LIN+2++4000862141411:SRV",
    "LOC+18+8712345000033::9",
    "GIN+BX+LOT-5",
    "QTY+145:7,5:KGM",
]

IFTSTA = [
    "BGM+44+95-455+9",
    "DTM+137:20250204:102",
    "NAD+FW+5422331123459::9",
    "NAD+CZ+5412345123453::9",
    "CNI+1+4215A",
    "STS+1+21",
    "RFF+DQ:5/2334",
    "DTM+334:202502011450:203",
    "CNI+2+7655S",
    "STS+1+49",
    "DTM+334:20250128:102",
    "GID+1+1:CT",
    f"GIN+BJ+{CARTON_SSCC}",
    "STS+1+21",
]


def interchange(
    body: list[str],
    message_type: str,
    *,
    reference: str = "REF1",
    message_reference: str = "M1",
    una: str = "UNA:+,? '",
    sender: str = SENDER,
    with_unb: bool = True,
) -> bytes:
    segments = [f"UNH+{message_reference}+{message_type}:D:96A:UN:EAN008", *body]
    segments.append(f"UNT+{len(segments) + 1}+{message_reference}")
    if with_unb:
        segments.insert(0, f"UNB+UNOC:3+{sender}:14+8712345000019:14+250312:1430+{reference}")
        segments.append(f"UNZ+1+{reference}")
    return (una + "\n" + "\n".join(segment + "'" for segment in segments) + "\n").encode("latin-1")


def records(data: bytes, offset: int = 0) -> list[RawRecord]:
    documents = split_interchange(data, filename="test.edi", received_at=RECEIVED_AT)
    return [
        RawRecord("raw.edifact", 0, offset + index, None, doc.value, doc.headers, None)
        for index, doc in enumerate(documents)
    ]


def run(body: list[str], message_type: str, *, tables: Tables | None = None, **options):
    [record] = records(interchange(body, message_type, **options))
    if tables is not None:
        return normalize_edifact(record, tables=tables)
    return normalize(record)


def tables_with(*, timezone: str = "UTC", **edifact_partner) -> Tables:
    """Return the configured tables with a time zone and EDIFACT settings for SENDER."""
    base = load_edifact_settings()
    settings = EdifactSettings(
        version=base.version, defaults=base.defaults, partners={SENDER: edifact_partner}
    )
    partners = PartnerConfig(
        version="1", default_timezone="UTC", partner_timezones={SENDER: timezone}
    )
    return Tables.load(partners=partners, edifact=settings)


def rejection(body: list[str], message_type: str, **options) -> RecordError:
    with pytest.raises(RecordError) as caught:
        run(body, message_type, **options)
    return caught.value


# DESADV


def test_desadv_shipment_header():
    [event] = run(DESADV, "DESADV")
    shipment = event.payload

    assert event.envelope.event_type == "shipment.notified"
    assert event.envelope.entity_id == f"{SENDER}:DES-1001"
    assert shipment.shipment_id == "DES-1001"
    assert shipment.status == ShipmentStatus.HANDED_OFF
    assert shipment.purpose_code == "9"
    assert shipment.shipped_at == datetime(2025, 3, 12, tzinfo=UTC)
    assert shipment.carrier_scac == "ODFL"
    assert shipment.transport_method == "30"
    assert shipment.gross_weight.value == Decimal("412.5")
    assert shipment.gross_weight.unit == "KGM"
    assert shipment.parties[1].city == "AMSTERDAM"
    assert shipment.parties[1].postal_code == "1015CJ"


def test_desadv_packing_tree():
    [event] = run(DESADV, "DESADV")
    packs = {pack.hl_id: pack for pack in event.payload.packs}

    assert sorted(packs) == ["2", "3", "4"]
    assert packs["2"].parent_hl_id == "1"
    assert packs["2"].sscc == PALLET_SSCC
    assert packs["3"].parent_hl_id == "2"
    assert packs["3"].sscc == CARTON_SSCC
    assert packs["4"].sscc == LOOSE_SSCC
    assert event.envelope.quality_flags == []


def test_desadv_lines_point_to_packs_and_orders():
    [event] = run(DESADV, "DESADV")
    lines = event.payload.lines
    orders = {order.hl_id: order for order in event.payload.orders}

    assert [line.hl_id for line in lines] == ["LIN-1", "LIN-2", "LIN-3"]
    assert [line.parent_hl_id for line in lines] == ["3", "3", "4"]
    assert [line.pack_hl_id for line in lines] == ["3", "3", "4"]
    assert [line.order_hl_id for line in lines] == ["ON-PO-7781", "ON-PO-7781", "ON-PO-7799"]
    assert orders["ON-PO-7781"].purchase_order_date == "20250301"
    assert orders["ON-PO-7781"].parent_hl_id == "1"
    assert lines[0].product_ids[1].value == "WID-100"


def test_desadv_quantities_and_units():
    [event] = run(DESADV, "DESADV")
    first, second, third = (line.quantity_shipped for line in event.payload.lines)

    assert (first.value, first.unit, first.source_unit) == (24, "H87", "PCE")
    assert first.conversion_rule == "rec20-units@1:PCE->H87"
    assert (second.value, second.unit, second.source_value) == (Decimal("36.5"), "KGM", "36,5")
    assert (third.value, third.unit, third.source_unit) == (6, "C62", "")


def test_desadv_cancellation():
    body = [line.replace("BGM+351+DES-1001+9", "BGM+351+DES-1001+1") for line in DESADV]
    [event] = run(body, "DESADV")

    assert event.envelope.event_type == "shipment.cancelled"
    assert event.payload.status == ShipmentStatus.CANCELLED


def test_desadv_document_time_in_partner_zone():
    [event] = run(DESADV, "DESADV", tables=tables_with(timezone="Europe/Amsterdam"))

    assert event.envelope.occurred_at == datetime(2025, 3, 12, 13, 30, tzinfo=UTC)
    assert event.envelope.occurred_at_source == "202503121430:203"


def test_desadv_orphan_cps_flagged():
    body = [line.replace("CPS+4+1", "CPS+4+9") for line in DESADV]
    [event] = run(body, "DESADV")

    assert "edifact.cps_orphan:4" in event.envelope.quality_flags


def test_desadv_duplicate_cps_rejected():
    body = [line.replace("CPS+4+1", "CPS+3+1") for line in DESADV]
    error = rejection(body, "DESADV")

    assert error.code == ErrorCode.EDIFACT_HIERARCHY_INVALID
    assert error.field_path == "CPS[3].CPS01"


def test_desadv_cps_cycle_rejected():
    body = [line.replace("CPS+2+1", "CPS+2+3") for line in DESADV]
    error = rejection(body, "DESADV")

    assert error.code == ErrorCode.EDIFACT_HIERARCHY_INVALID
    assert "cycle" in error.message


def test_desadv_bad_sscc_flagged():
    body = [line.replace(PALLET_SSCC, "354123450000000015") for line in DESADV]
    [event] = run(body, "DESADV")

    assert "edifact.sscc_invalid:2" in event.envelope.quality_flags


def test_desadv_without_cps():
    body = ["BGM+351+DES-2+9", "DTM+137:20250312:102", "LIN+1++4000862141404:SRV", "QTY+12:5"]
    [event] = run(body, "DESADV")

    assert event.payload.packs == []
    assert [line.parent_hl_id for line in event.payload.lines] == [None]
    assert event.payload.lines[0].quantity_shipped.value == 5


def test_unknown_unit_is_mapping_missing():
    body = [line.replace("QTY+12:24:PCE", "QTY+12:24:XYZ") for line in DESADV]
    error = rejection(body, "DESADV")

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "LIN[1].QTY[12].C186:3"
    assert "rec20-units version 1" in error.message


def test_bad_number_is_element_invalid():
    body = [line.replace("QTY+12:24:PCE", "QTY+12:2.4,0:PCE") for line in DESADV]
    error = rejection(body, "DESADV")

    assert error.code == ErrorCode.EDIFACT_ELEMENT_INVALID
    assert error.field_path == "LIN[1].QTY[12].C186:2"


def test_other_decimal_mark_read_and_flagged():
    body = [line.replace("QTY+12:36,5:KGM", "QTY+12:36.5:KGM") for line in DESADV]
    [event] = run(body, "DESADV")

    assert event.payload.lines[1].quantity_shipped.value == Decimal("36.5")
    assert "edifact.decimal_mark_mismatch" in event.envelope.quality_flags


def test_missing_bgm_is_segment_missing():
    error = rejection(DESADV[1:], "DESADV")

    assert error.code == ErrorCode.EDIFACT_SEGMENT_MISSING
    assert error.field_path == "BGM"


# Identity


def test_resend_under_new_references_keeps_idempotency_key():
    first = run(DESADV, "DESADV", reference="R1", message_reference="M1")[0].envelope
    resend = run(DESADV, "DESADV", reference="R2", message_reference="M9", una="UNA:+,?*'")
    second = resend[0].envelope

    assert first.idempotency_key == second.idempotency_key
    assert first.correlation_id != second.correlation_id
    assert second.provenance.source_document_ids == ["UNB05=R2", "UNH01=M9"]


def test_changed_content_changes_idempotency_key():
    first = run(DESADV, "DESADV")[0].envelope
    body = [line.replace("QTY+12:24:PCE", "QTY+12:30:PCE") for line in DESADV]
    changed = run(body, "DESADV")[0].envelope

    assert first.idempotency_key != changed.idempotency_key


def test_replace_function_changes_idempotency_key():
    first = run(DESADV, "DESADV")[0].envelope
    body = [line.replace("BGM+351+DES-1001+9", "BGM+351+DES-1001+5") for line in DESADV]
    replaced = run(body, "DESADV")[0].envelope

    assert first.idempotency_key != replaced.idempotency_key


def test_event_id_stable_across_replays():
    first = run(DESADV, "DESADV")[0].envelope
    again = run(DESADV, "DESADV")[0].envelope

    assert first.event_id == again.event_id


def test_provenance_and_producer():
    envelope = run(DESADV, "DESADV")[0].envelope

    assert envelope.producer_system == f"edifact:{SENDER}"
    assert envelope.correlation_id == f"edifact:{SENDER}:REF1:M1"
    assert envelope.provenance.transform_version == "edifact-desadv@1"
    assert envelope.provenance.mapping_versions == {"rec20-units": "1", "partners": "1"}
    assert envelope.provenance.raw_topic == "raw.edifact"


def test_message_without_unb():
    [event] = run(DESADV, "DESADV", with_unb=False)

    assert event.envelope.entity_id == ":DES-1001"
    assert event.envelope.producer_system == "edifact"
    assert "edifact.unb_missing" in event.envelope.quality_flags


# RECADV


def test_recadv_receipt():
    events = run(RECADV, "RECADV")
    receipt = events[0].payload

    assert events[0].envelope.event_type == "receipt.received"
    assert receipt.receipt_id == f"{SENDER}:REC-501"
    assert receipt.location_id == "8712345000019"
    assert receipt.shipment_id == f"{SENDER}:DES-1001"
    assert receipt.purchase_order_id == "8712345000002:PO-7781"
    assert receipt.received_at == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    assert [line.quantity_received.value for line in receipt.lines] == [20, 12, 6]
    assert receipt.lines[0].sscc == PALLET_SSCC
    assert receipt.lines[2].lot_number == "LOT-77"


def test_recadv_discrepancies_become_exception_events():
    events = run(RECADV, "RECADV")
    exceptions = [event for event in events if event.envelope.entity_type == "exception-event"]

    assert len(events) == 3
    assert [event.envelope.event_type for event in exceptions] == ["exception-event.raised"] * 2
    short, over = (event.payload for event in exceptions)
    assert short.kind == "receipt.short_delivery"
    assert short.exception_id == f"{SENDER}:REC-501:1:quantity"
    assert short.subject_entity_type == "receipt"
    assert short.subject_entity_id == f"{SENDER}:REC-501"
    assert isinstance(short.details, QuantityDiscrepancy)
    assert (short.details.expected.value, short.details.actual.value) == (24, 20)
    assert short.details.reason_code == "SD"
    assert "despatched 24" in short.description
    assert over.kind == "receipt.over_delivery"
    assert (over.details.expected.value, over.details.actual.value) == (10, 12)
    assert "ordered 10" in over.description


def test_recadv_events_have_distinct_idempotency_keys():
    events = run(RECADV, "RECADV")
    keys = {event.envelope.idempotency_key for event in events}

    assert len(keys) == len(events)


def test_recadv_units_differ_flagged_not_compared():
    body = [line.replace("QTY+48:12:KGM", "QTY+48:12:GRM") for line in RECADV]
    events = run(body, "RECADV")

    assert len(events) == 2
    assert "edifact.discrepancy_units_differ:2" in events[0].envelope.quality_flags


def test_recadv_line_without_received_quantity_rejected():
    body = [line for line in RECADV if line != "QTY+48:6"]
    error = rejection(body, "RECADV")

    assert error.code == ErrorCode.EDIFACT_SEGMENT_MISSING
    assert error.field_path == "LIN[3].QTY[48]"


def test_recadv_cancellation_raises_no_exceptions():
    body = [line.replace("BGM+632+REC-501+9", "BGM+632+REC-501+1") for line in RECADV]
    events = run(body, "RECADV")

    assert [event.envelope.event_type for event in events] == ["receipt.cancelled"]


# ORDERS


def test_orders_default_to_purchase_order():
    [event] = run(ORDERS, "ORDERS")
    order = event.payload

    assert event.envelope.entity_type == "purchase-order"
    assert event.envelope.event_type == "purchase-order.issued"
    assert order.purchase_order_id == "8711576000012:801715918011"
    assert order.purchase_order_number == "801715918011"
    assert order.supplier_id == "5020436000004"
    assert order.ship_to_location_id == "8711576100019"
    assert order.ordered_at == datetime(2015, 8, 3, tzinfo=UTC)
    assert order.requested_delivery_at == datetime(2015, 8, 6, tzinfo=UTC)
    assert [line.quantity_ordered.value for line in order.lines] == [8, Decimal("2.5")]
    assert order.lines[1].requested_delivery_at == datetime(2015, 8, 7, tzinfo=UTC)
    assert order.references[0].value == "50515"


def test_orders_customer_direction_from_profile():
    [event] = run(ORDERS, "ORDERS", tables=tables_with(order_direction="customer"))
    order = event.payload

    assert event.envelope.entity_type == "customer-order"
    assert event.envelope.event_type == "customer-order.received"
    assert order.order_id == "8711576000012:801715918011"
    assert order.customer_id == "8711576000012"
    assert order.ship_to.id == "8711576100019"
    assert order.channel == "edi"


def test_orders_supplier_from_envelope_flagged():
    body = [line for line in ORDERS if not line.startswith("NAD+SU")]
    [event] = run(body, "ORDERS")

    assert event.payload.supplier_id == "8712345000019"
    assert "edifact.supplier_from_envelope" in event.envelope.quality_flags


def test_orders_line_without_ordered_quantity_rejected():
    body = [line.replace("QTY+21:8", "QTY+1:8") for line in ORDERS]
    error = rejection(body, "ORDERS")

    assert error.code == ErrorCode.EDIFACT_SEGMENT_MISSING
    assert error.field_path == "LIN[1].QTY[21]"


def test_orders_cancellation():
    body = [line.replace("801715918011+9", "801715918011+1") for line in ORDERS]
    [event] = run(body, "ORDERS")

    assert event.envelope.event_type == "purchase-order.cancelled"


# INVRPT


def test_invrpt_snapshot_per_line():
    events = run(INVRPT, "INVRPT")
    first, second = (event.payload for event in events)

    assert [event.envelope.event_type for event in events] == ["inventory-snapshot.reported"] * 2
    assert first.location_id == "8712345000026"
    assert first.product_id == "4000862141404"
    assert first.stock_status == StockStatus.UNRESTRICTED
    assert first.on_hand.value == 120
    assert first.available.value == 120
    assert first.reserved.value == 0
    assert first.as_of == datetime(2025, 3, 12, tzinfo=UTC)
    assert second.location_id == "8712345000033"
    assert second.lot_number == "LOT-5"
    assert second.on_hand.value == Decimal("7.5")
    assert events[1].envelope.entity_id == "8712345000033:4000862141411:LOT-5:unrestricted"


def test_invrpt_unreported_reserved_flagged():
    events = run(INVRPT, "INVRPT")

    assert all("edifact.reserved_not_reported" in e.envelope.quality_flags for e in events)
    assert events[0].payload.reserved.unit == "H87"


def test_invrpt_qualifiers_from_profile():
    body = [*INVRPT[:5], "QTY+1:15:PCE"]
    tables = tables_with(inventory_quantities={"reserved": "1"})
    [event] = run(body, "INVRPT", tables=tables)

    assert event.payload.reserved.value == 15
    assert "edifact.reserved_not_reported" not in event.envelope.quality_flags


def test_invrpt_line_without_stock_quantity_rejected():
    body = [line.replace("QTY+145:120:PCE", "QTY+1:120:PCE") for line in INVRPT]
    error = rejection(body, "INVRPT")

    assert error.code == ErrorCode.EDIFACT_SEGMENT_MISSING
    assert error.field_path == "LIN[1].QTY[145]"


# IFTSTA


def test_iftsta_status_per_consignment():
    events = run(IFTSTA, "IFTSTA")
    delivered, lost = (event.payload for event in events)

    assert [event.envelope.event_type for event in events] == ["shipment.status_reported"] * 2
    assert events[0].envelope.entity_id == "5412345123453:4215A"
    assert delivered.status == ShipmentStatus.DELIVERED
    assert events[0].envelope.occurred_at == datetime(2025, 2, 1, 14, 50, tzinfo=UTC)
    assert delivered.references[0].value == "21"
    assert delivered.references[1].value == "5/2334"
    assert lost.status == ShipmentStatus.IN_EXCEPTION
    assert lost.lines == []


def test_iftsta_goods_items_become_packs():
    events = run(IFTSTA, "IFTSTA")
    [pack] = events[1].payload.packs

    assert pack.hl_id == "GID-1"
    assert pack.sscc == CARTON_SSCC
    assert pack.marks[0].value == "21"


def test_iftsta_unmapped_status_is_mapping_missing():
    body = [line.replace("STS+1+49", "STS+1+17+39") for line in IFTSTA]
    error = rejection(body, "IFTSTA")

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "CNI[2].STS02"


def test_iftsta_without_consignment_rejected():
    error = rejection(IFTSTA[:4], "IFTSTA")

    assert error.code == ErrorCode.EDIFACT_SEGMENT_MISSING


# Dispatch


def test_unsupported_message_type():
    error = rejection(["BGM+380+INV-1+9"], "INVOIC")

    assert error.code == ErrorCode.EDIFACT_UNSUPPORTED_MESSAGE
    assert error.field_path == "UNH02"


def test_split_error_keeps_its_code():
    [record] = records(b"not edifact at all")

    with pytest.raises(RecordError) as caught:
        normalize(record)

    assert caught.value.code == ErrorCode.EDIFACT_INTERCHANGE_INVALID


def test_missing_delimiter_header_is_raw_header_missing():
    [record] = records(interchange(DESADV, "DESADV"))
    headers = {k: v for k, v in record.headers.items() if k != "edifact.segment_terminator"}
    broken = RawRecord(record.topic, 0, 0, None, record.value, headers, None)

    with pytest.raises(RecordError) as caught:
        normalize(broken)

    assert caught.value.code == ErrorCode.RAW_HEADER_MISSING


def test_encoding_override_from_profile():
    body = ["BGM+351+DES-3+9", "NAD+DP+1::9++PRICE \x80"]
    tables = tables_with(encoding="cp1252")
    [record] = records(interchange(body, "DESADV"))
    [event] = normalize_edifact(record, tables=tables)

    assert event.payload.parties[0].name == "PRICE €"
    assert "edifact.encoding_overridden" in event.envelope.quality_flags


# Dates


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("DTM+137:20250312:102", datetime(2025, 3, 11, 23, 0, tzinfo=UTC)),
        ("DTM+137:250312:101", datetime(2025, 3, 11, 23, 0, tzinfo=UTC)),
        ("DTM+137:202503121430:203", datetime(2025, 3, 12, 13, 30, tzinfo=UTC)),
        ("DTM+137:20250312143015:204", datetime(2025, 3, 12, 13, 30, 15, tzinfo=UTC)),
        ("DTM+137:202503121430?+0200:205", datetime(2025, 3, 12, 12, 30, tzinfo=UTC)),
        ("DTM+137:202503121430UTC:303", datetime(2025, 3, 12, 14, 30, tzinfo=UTC)),
        ("DTM+137:20250312-20250314:718", datetime(2025, 3, 11, 23, 0, tzinfo=UTC)),
        ("DTM+137:202503121430", datetime(2025, 3, 12, 13, 30, tzinfo=UTC)),
    ],
    ids=["102", "101", "203", "204", "205", "303", "718", "inferred"],
)
def test_dtm_formats(written, expected):
    [segment] = parse_segments(f"{written}'".encode(), Delimiters(), "ascii")
    instant, source = parse_dtm(segment, ZoneInfo("Europe/Amsterdam"), "DTM[137]")

    value, qualifier = segment.component(1, 2), segment.component(1, 3)
    assert instant == expected
    assert source == (f"{value}:{qualifier}" if qualifier else value)


@pytest.mark.parametrize(
    "written", ["DTM+137:2025031:102", "DTM+137:20251332:102", "DTM+137:12:802", "DTM+137"]
)
def test_dtm_invalid_rejected(written):
    [segment] = parse_segments(f"{written}'".encode(), Delimiters(), "ascii")

    with pytest.raises(RecordError) as caught:
        parse_dtm(segment, ZoneInfo("UTC"), "DTM[137]")

    assert caught.value.code == ErrorCode.EDIFACT_ELEMENT_INVALID
    assert caught.value.field_path == "DTM[137]"


@pytest.mark.parametrize(
    ("body", "message_type"),
    [(DESADV, "DESADV"), (RECADV, "RECADV"), (ORDERS, "ORDERS"), (INVRPT, "INVRPT"),
     (IFTSTA, "IFTSTA")],
    ids=["DESADV", "RECADV", "ORDERS", "INVRPT", "IFTSTA"],
)  # fmt: skip
def test_events_round_trip_through_avro(body, message_type):
    events = run(body, message_type)

    assert events
    for event in events:
        assert decode(encode(event)) == event


def test_invrpt_without_lines_rejected():
    error = rejection(INVRPT[:3], "INVRPT")

    assert error.code == ErrorCode.EDIFACT_SEGMENT_MISSING
    assert error.field_path == "LIN"
