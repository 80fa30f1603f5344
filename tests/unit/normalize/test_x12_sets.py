"""The 850, 940, 945, 846 and 944 normalizers: field mapping, rejections and identity."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.x12 import split_interchanges
from canonical.errors import ErrorCode, RecordError
from processors.normalize import SUPPORTED_X12_SETS, RawRecord, normalize
from processors.normalize.x12 import normalize_850
from processors.normalize.x12.profile import X12Settings
from processors.normalize.x12.transaction import Tables

RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"
FUNCTIONAL_IDS = {"850": "PO", "940": "OW", "945": "SW", "846": "IB", "944": "RE"}

PURCHASE_ORDER = [
    "BEG*00*SA*PO-7781**20250310",
    "REF*DP*038",
    "DTM*002*20250320",
    "TD5*B*2*ODFL",
    "N1*BY*RETAILCO*92*BUY01",
    "N1*ST*RETAILCO DC 7*92*DC07",
    "N3*4200 AIRWAYS BLVD",
    "N4*MEMPHIS*TN*38118*US",
    "N1*SU*ACME DISTRIBUTION*92*SUP9",
    "PO1*1*120*EA*9.25*TE*UP*061414100113*VN*WID-100",
    "PID*F****SMALL WIDGET",
    "PO1*2*36.5*LB*13.79**VN*GSK-050",
    "DTM*002*20250325*0800",
    "CTT*2",
]

SHIPPING_ORDER = [
    "W05*N*DO-538686*PO-991",
    "N1*ST*ST COMPANY*ZZ*CUST01",
    "N3*1 MAIN ST",
    "N4*DALLAS*TX*75201",
    "N1*WH*WAREHOUSE EAST*9*WH-EAST",
    "G62*04*20250310*W*0930",
    "G62*02*20250315",
    "N9*BR*R1121",
    "LX*1",
    "W01*12*CA*000100000010*VN*000100*UC*DEC0199",
    "LX*2",
    "W01*32*EA**VN*000200",
    "W76*44*500*LB",
]

SHIPPING_ADVICE = [
    "W06*F*DO-538686*20250312*SHP-945*AG-1*PO-991",
    "N1*SF*WAREHOUSE EAST*9*WH-EAST",
    "N1*ST*ST COMPANY*ZZ*CUST01",
    "G62*11*20250312*8*1415",
    "W27*M*ODFL*OLD DOMINION",
    "LX*1",
    "W12*CC*12*12*0*CA*000100000010*VN*000100",
    "LX*2",
    "W12*CP*32*30*2*EA**VN*000200",
    "W03*2*412.5*LB",
]

INVENTORY_ADVICE = [
    "BIA*00*DD*INV-2025-03-12*20250312*0600",
    "N1*WH*WAREHOUSE EAST*9*WH-EAST",
    "LIN*1*UP*061414100113*VN*WID-100",
    "QTY*17*120*EA",
    "QTY*33*100*EA",
    "LIN*2*VN*GSK-050*LT*LOT-7",
    "N1*WH*WAREHOUSE WEST*9*WH-WEST",
    "QTY*17*36.5*LB",
    "CTT*2",
]

RECEIPT_ADVICE = [
    "W17*F*20250312*RCPT-44*DO-538686*SHP-945",
    "N1*WH*WAREHOUSE EAST*9*WH-EAST",
    "LX*1",
    "W07*10*CA*000100000010*VN*000100***LOT-1",
    "W13*2*CA*01**DM",
    "LX*2",
    "W07*30*EA**VN*000200",
    "W13*2*EA*02",
    "W14*40",
]


def interchange_text(
    set_type: str,
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
    gs01 = FUNCTIONAL_IDS[set_type]
    segments = [f"GS*{gs01}*{sender}*RETAILCO*20250312*1430*{int(control)}*X*004010"]
    segments += [f"ST*{set_type}*{set_control}", *body, f"SE*{len(body) + 2}*{set_control}"]
    segments += [f"GE*1*{int(control)}", f"IEA*1*{control}"]
    text = isa.replace("*", element) + terminator + "\n"
    return text + "".join(s.replace("*", element) + terminator + "\n" for s in segments)


def record_for(set_type: str, body: list[str], offset: int = 0, **options) -> RawRecord:
    text = interchange_text(set_type, body, **options)
    [document] = split_interchanges(
        text.encode("latin-1"), filename="test.edi", received_at=RECEIVED_AT
    )
    return RawRecord("raw.x12", 0, offset, document.key.encode(), document.value,
                     document.headers, None)  # fmt: skip


def events_for(set_type: str, body: list[str], **options):
    return normalize(record_for(set_type, body, **options))


def rejection(set_type: str, body: list[str], **options) -> RecordError:
    with pytest.raises(RecordError) as caught:
        events_for(set_type, body, **options)
    return caught.value


def replace(body: list[str], old: str, new: str | None) -> list[str]:
    """Return ``body`` with the segment starting with ``old`` replaced, or dropped for None."""
    result = []
    for segment in body:
        if segment.startswith(old):
            if new is not None:
                result.append(new)
        else:
            result.append(segment)
    return result


def outbound_tables() -> Tables:
    settings = X12Settings(
        version="test", defaults={}, partners={"ACMEDIST": {"order_direction": "outbound"}}
    )
    return Tables.load(x12=settings)


# Dispatch


def test_sets_registered_in_dispatch():
    assert {"846", "850", "856", "940", "944", "945"} <= set(SUPPORTED_X12_SETS)


def test_unregistered_set_stays_unsupported():
    body = ["BIG*20250312*INV-1"]
    text = interchange_text("850", body).replace("ST*850", "ST*810").replace("GS*PO", "GS*IN")
    [document] = split_interchanges(text.encode(), filename="t.edi", received_at=RECEIVED_AT)
    record = RawRecord("raw.x12", 0, 0, None, document.value, document.headers, None)

    with pytest.raises(RecordError) as caught:
        normalize(record)

    assert caught.value.code == ErrorCode.X12_UNSUPPORTED_SET


# 850


def test_850_inbound_is_customer_order():
    [event] = events_for("850", PURCHASE_ORDER)
    order = event.payload

    assert event.envelope.entity_type == "customer-order"
    assert event.envelope.event_type == "customer-order.received"
    assert event.envelope.entity_id == "ACMEDIST:PO-7781"
    assert order.order_id == "ACMEDIST:PO-7781"
    assert order.customer_id == "BUY01"
    assert order.channel == "edi"
    assert order.carrier_scac == "ODFL"
    assert order.ship_to.id == "DC07"
    assert order.ship_to.postal_code == "38118"
    assert order.references[0].qualifier == "DP"


def test_850_order_date_in_partner_zone():
    [event] = events_for("850", PURCHASE_ORDER)

    # ACMEDIST writes in America/Chicago (CDT, UTC-5, from 2025-03-09).
    assert event.payload.ordered_at == datetime(2025, 3, 10, 5, 0, tzinfo=UTC)
    assert event.envelope.occurred_at == datetime(2025, 3, 10, 5, 0, tzinfo=UTC)
    assert event.envelope.occurred_at_source == "20250310"
    assert event.payload.requested_delivery_at == datetime(2025, 3, 20, 5, 0, tzinfo=UTC)


def test_850_lines():
    [event] = events_for("850", PURCHASE_ORDER)
    first, second = event.payload.lines

    assert first.line_number == "1"
    assert first.quantity_ordered.value == Decimal("120")
    assert first.quantity_ordered.unit == "EA"
    assert [(p.qualifier, p.value) for p in first.product_ids] == [
        ("UP", "061414100113"),
        ("VN", "WID-100"),
    ]
    assert first.requested_delivery_at is None
    assert second.quantity_ordered.value == Decimal("36.5")
    assert second.quantity_ordered.unit == "LBR"
    assert [(p.qualifier, p.value) for p in second.product_ids] == [("VN", "GSK-050")]
    assert second.requested_delivery_at == datetime(2025, 3, 25, 13, 0, tzinfo=UTC)


def test_850_outbound_is_purchase_order():
    [event] = normalize_850(record_for("850", PURCHASE_ORDER), tables=outbound_tables())
    order = event.payload

    assert event.envelope.entity_type == "purchase-order"
    assert event.envelope.event_type == "purchase-order.issued"
    assert order.purchase_order_id == "ACMEDIST:PO-7781"
    assert order.purchase_order_number == "PO-7781"
    assert order.supplier_id == "SUP9"
    assert order.ship_to_location_id == "DC07"
    assert len(order.lines) == 2


def test_850_outbound_supplier_from_envelope():
    body = replace(PURCHASE_ORDER, "N1*SU", None)
    [event] = normalize_850(record_for("850", body), tables=outbound_tables())

    assert event.payload.supplier_id == "RETAILCO"
    assert "x12.supplier_from_envelope" in event.envelope.quality_flags


def test_850_cancellation():
    body = replace(PURCHASE_ORDER, "BEG", "BEG*01*SA*PO-7781**20250310")
    [event] = events_for("850", body)

    assert event.envelope.event_type == "customer-order.cancelled"
    assert event.payload.status == "cancelled"


def test_850_ctt_mismatch_flagged():
    body = replace(PURCHASE_ORDER, "CTT", "CTT*3")
    [event] = events_for("850", body)

    assert "x12.ctt_line_count_mismatch" in event.envelope.quality_flags


def test_850_missing_beg_rejected():
    error = rejection("850", replace(PURCHASE_ORDER, "BEG", None))

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "BEG"


def test_850_empty_po_number_rejected():
    error = rejection("850", replace(PURCHASE_ORDER, "BEG", "BEG*00*SA***20250310"))

    assert error.code == ErrorCode.X12_ELEMENT_INVALID
    assert error.field_path == "BEG03"


def test_850_unknown_unit_mapping_missing():
    body = replace(PURCHASE_ORDER, "PO1*1", "PO1*1*120*KI*9.25**VN*WID-100")
    error = rejection("850", body)

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "PO1[1].PO103"


def test_850_missing_date_uses_ingestion_time():
    [event] = events_for("850", replace(PURCHASE_ORDER, "BEG", "BEG*00*SA*PO-7781"))

    assert event.envelope.occurred_at == datetime(2025, 3, 12, 20, 0, tzinfo=UTC)
    assert "x12.occurred_at_missing" in event.envelope.quality_flags


# 940


def test_940_header_fields():
    [event] = events_for("940", SHIPPING_ORDER)
    order = event.payload

    assert event.envelope.entity_type == "customer-order"
    assert event.envelope.event_type == "customer-order.received"
    assert order.order_id == "ACMEDIST:DO-538686"
    assert order.customer_id == "CUST01"
    assert order.ship_from_location_id == "WH-EAST"
    assert order.ship_to.name == "ST COMPANY"
    assert order.ordered_at == datetime(2025, 3, 10, 14, 30, tzinfo=UTC)
    assert order.requested_delivery_at == datetime(2025, 3, 15, 5, 0, tzinfo=UTC)
    assert [(r.qualifier, r.value) for r in order.references] == [
        ("PO", "PO-991"),
        ("BR", "R1121"),
    ]


def test_940_lines():
    [event] = events_for("940", SHIPPING_ORDER)
    first, second = event.payload.lines

    assert first.line_number == "1"
    assert first.quantity_ordered.value == Decimal("12")
    assert first.quantity_ordered.unit == "CS"
    assert first.quantity_ordered.source_unit == "CA"
    assert [(p.qualifier, p.value) for p in first.product_ids] == [
        ("UA", "000100000010"),
        ("VN", "000100"),
        ("UC", "DEC0199"),
    ]
    assert second.line_number == "2"
    assert second.quantity_ordered.value == Decimal("32")
    assert [(p.qualifier, p.value) for p in second.product_ids] == [("VN", "000200")]


def test_940_lines_without_lx():
    body = [segment for segment in SHIPPING_ORDER if not segment.startswith("LX")]
    [event] = events_for("940", body)

    assert [line.line_number for line in event.payload.lines] == ["1", "2"]


def test_940_cancel_status():
    [event] = events_for("940", replace(SHIPPING_ORDER, "W05", "W05*F*DO-538686"))

    assert event.envelope.event_type == "customer-order.cancelled"


def test_940_missing_w05_rejected():
    error = rejection("940", replace(SHIPPING_ORDER, "W05", None))

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "W05"


def test_940_missing_quantity_rejected():
    body = replace(SHIPPING_ORDER, "W01*32", "W01**EA**VN*000200")
    error = rejection("940", body)

    assert error.code == ErrorCode.X12_ELEMENT_INVALID
    assert error.field_path == "LX[2].W0101"


def test_940_lx_without_w01_rejected():
    body = replace(SHIPPING_ORDER, "W01*32", None)
    error = rejection("940", body)

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "LX[2].W01"


def test_940_unknown_unit_mapping_missing():
    error = rejection("940", replace(SHIPPING_ORDER, "W01*32", "W01*32*ZZ**VN*000200"))

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "LX[2].W0102"


# 945


def test_945_shipment_fields():
    [event] = events_for("945", SHIPPING_ADVICE)
    shipment = event.payload

    assert event.envelope.entity_type == "shipment"
    assert event.envelope.event_type == "shipment.notified"
    assert event.envelope.entity_id == "ACMEDIST:SHP-945"
    assert shipment.shipment_id == "SHP-945"
    assert shipment.purpose_code == "F"
    assert shipment.carrier_scac == "ODFL"
    assert shipment.transport_method == "M"
    # G62 time code 8 is not in the X12 time code table, so the partner zone applies.
    assert shipment.shipped_at == datetime(2025, 3, 12, 19, 15, tzinfo=UTC)
    assert shipment.gross_weight.value == Decimal("412.5")
    assert shipment.gross_weight.unit == "LBR"
    assert shipment.orders[0].purchase_order_number == "PO-991"
    assert ("DO", "DO-538686") in [(r.qualifier, r.value) for r in shipment.references]
    assert [party.role for party in shipment.parties] == ["SF", "ST"]


def test_945_lines():
    [event] = events_for("945", SHIPPING_ADVICE)
    first, second = event.payload.lines

    assert first.line_number == "1"
    assert first.quantity_shipped.value == Decimal("12")
    assert first.quantity_shipped.unit == "CS"
    assert [(p.qualifier, p.value) for p in first.product_ids] == [
        ("UA", "000100000010"),
        ("VN", "000100"),
    ]
    assert second.quantity_shipped.value == Decimal("30")
    assert second.order_hl_id == first.order_hl_id == event.payload.orders[0].hl_id


def test_945_shipment_id_from_order():
    body = replace(SHIPPING_ADVICE, "W06", "W06*F*DO-538686*20250312")
    [event] = events_for("945", body)

    assert event.payload.shipment_id == "DO-538686"
    assert "x12.shipment_id_from_order" in event.envelope.quality_flags


def test_945_ship_date_from_w06_without_g62():
    [event] = events_for("945", replace(SHIPPING_ADVICE, "G62", None))

    assert event.payload.shipped_at == datetime(2025, 3, 12, 5, 0, tzinfo=UTC)


def test_945_missing_w06_rejected():
    error = rejection("945", replace(SHIPPING_ADVICE, "W06", None))

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "W06"


def test_945_unknown_unit_mapping_missing():
    body = replace(SHIPPING_ADVICE, "W12*CP", "W12*CP*32*30*2*XX**VN*000200")
    error = rejection("945", body)

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "LX[2].W1205"


# 846


def test_846_one_snapshot_per_item():
    events = events_for("846", INVENTORY_ADVICE)

    assert [event.envelope.event_type for event in events] == ["inventory-snapshot.reported"] * 2
    assert len({event.envelope.idempotency_key for event in events}) == 2


def test_846_quantities_and_location():
    first, second = (event.payload for event in events_for("846", INVENTORY_ADVICE))

    assert first.location_id == "WH-EAST"
    assert first.product_id == "061414100113"
    assert first.on_hand.value == Decimal("120")
    assert first.available.value == Decimal("100")
    assert first.reserved.value == Decimal("0")
    assert first.as_of == datetime(2025, 3, 12, 11, 0, tzinfo=UTC)
    assert second.location_id == "WH-WEST"
    assert second.product_id == "GSK-050"
    assert second.lot_number == "LOT-7"
    assert second.on_hand.unit == "LBR"


def test_846_missing_quantities_flagged():
    first, second = events_for("846", INVENTORY_ADVICE)

    assert "x12.reserved_not_reported" in first.envelope.quality_flags
    assert "x12.available_not_reported" not in first.envelope.quality_flags
    assert "x12.available_not_reported" in second.envelope.quality_flags


def test_846_location_from_envelope():
    body = [segment for segment in INVENTORY_ADVICE if not segment.startswith("N1")]
    first, _ = events_for("846", body)

    assert first.payload.location_id == "ACMEDIST"
    assert "x12.location_from_envelope" in first.envelope.quality_flags


def test_846_item_without_quantity_rejected():
    body = replace(INVENTORY_ADVICE, "QTY*17*36.5", "QTY*63*10*EA")
    error = rejection("846", body)

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "LIN[2].QTY"


def test_846_missing_bia_rejected():
    error = rejection("846", replace(INVENTORY_ADVICE, "BIA", None))

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "BIA"


def test_846_without_items_rejected():
    body = [INVENTORY_ADVICE[0], INVENTORY_ADVICE[1]]
    error = rejection("846", body)

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "LIN"


def test_846_unknown_unit_mapping_missing():
    error = rejection("846", replace(INVENTORY_ADVICE, "QTY*33", "QTY*33*100*QQ"))

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "LIN[1].QTY[33]03"


# 944


def test_944_receipt_fields():
    receipt_event, *_ = events_for("944", RECEIPT_ADVICE)
    receipt = receipt_event.payload

    assert receipt_event.envelope.entity_type == "receipt"
    assert receipt_event.envelope.event_type == "receipt.received"
    assert receipt.receipt_id == "ACMEDIST:RCPT-44"
    assert receipt.location_id == "WH-EAST"
    assert receipt.shipment_id == "ACMEDIST:SHP-945"
    assert receipt.received_at == datetime(2025, 3, 12, 5, 0, tzinfo=UTC)
    assert receipt.references[0].value == "DO-538686"


def test_944_lines_and_damaged_quantity():
    receipt_event, *_ = events_for("944", RECEIPT_ADVICE)
    first, second = receipt_event.payload.lines

    assert first.quantity_received.value == Decimal("10")
    assert first.quantity_received.unit == "CS"
    assert first.quantity_damaged.value == Decimal("2")
    assert first.lot_number == "LOT-1"
    assert second.quantity_received.value == Decimal("30")
    assert second.quantity_damaged is None


def test_944_exceptions_become_events():
    _, damaged, short = events_for("944", RECEIPT_ADVICE)

    assert damaged.envelope.entity_type == "exception-event"
    assert damaged.envelope.event_type == "exception-event.raised"
    assert damaged.payload.kind == "receipt.damaged"
    assert damaged.payload.subject_entity_id == "ACMEDIST:RCPT-44"
    assert damaged.payload.details.actual.value == Decimal("2")
    assert damaged.payload.details.reason_code == "DM"
    assert short.payload.kind == "receipt.short_delivery"
    assert short.payload.details.reason_code == "02"
    assert damaged.envelope.idempotency_key != short.envelope.idempotency_key


def test_944_over_condition():
    body = replace(RECEIPT_ADVICE, "W13*2*EA", "W13*5*EA*03")
    _, _, over = events_for("944", body)

    assert over.payload.kind == "receipt.over_delivery"


def test_944_missing_w17_rejected():
    error = rejection("944", replace(RECEIPT_ADVICE, "W17", None))

    assert error.code == ErrorCode.X12_SEGMENT_MISSING
    assert error.field_path == "W17"


def test_944_unknown_unit_mapping_missing():
    error = rejection("944", replace(RECEIPT_ADVICE, "W07*30", "W07*30*QQ**VN*000200"))

    assert error.code == ErrorCode.MAPPING_MISSING
    assert error.field_path == "LX[2].W0702"


# Identity


SETS = [
    ("850", PURCHASE_ORDER),
    ("940", SHIPPING_ORDER),
    ("945", SHIPPING_ADVICE),
    ("846", INVENTORY_ADVICE),
    ("944", RECEIPT_ADVICE),
]


@pytest.mark.parametrize(("set_type", "body"), SETS, ids=[item[0] for item in SETS])
def test_resend_with_new_control_numbers_same_key(set_type, body):
    original = events_for(set_type, body)
    resent = normalize(
        record_for(set_type, body, offset=7, control="000000977", set_control="0042")
    )

    assert [e.envelope.idempotency_key for e in original] == [
        e.envelope.idempotency_key for e in resent
    ]
    assert [e.envelope.event_id for e in original] != [e.envelope.event_id for e in resent]


@pytest.mark.parametrize(("set_type", "body"), SETS, ids=[item[0] for item in SETS])
def test_resend_with_other_delimiters_same_key(set_type, body):
    original = events_for(set_type, body)
    resent = events_for(set_type, body, element="|", terminator="\n")

    assert [e.envelope.idempotency_key for e in original] == [
        e.envelope.idempotency_key for e in resent
    ]


@pytest.mark.parametrize(("set_type", "body"), SETS, ids=[item[0] for item in SETS])
def test_provenance_names_transform(set_type, body):
    event = events_for(set_type, body)[0]

    assert event.envelope.provenance.transform_version == f"x12-{set_type}@1"
    assert event.envelope.provenance.mapping_versions["x12-units"] == "1"
    assert event.envelope.producer_system == "x12:ACMEDIST"
    assert event.envelope.correlation_id == "x12:ACMEDIST:000000101:101:0001"


@pytest.mark.parametrize(("set_type", "body"), SETS, ids=[item[0] for item in SETS])
def test_changed_content_new_key(set_type, body):
    original = events_for(set_type, body)
    changed = events_for(set_type, [body[0], "N9*ZZ*CHANGED", *body[1:]])

    assert original[0].envelope.idempotency_key != changed[0].envelope.idempotency_key
