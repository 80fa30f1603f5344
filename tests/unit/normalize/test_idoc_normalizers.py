"""IDoc normalizers: ORDERS, DELVRY, WMMBID and MATMAS mappings, identity and rejections."""

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.idoc import build_sdata, format_control_record, format_data_record, split_idocs
from canonical.avro import decode, encode
from canonical.errors import ErrorCode, RecordError
from canonical.inventory import MovementStatus, MovementType, StockStatus
from canonical.orders import PurchaseOrderStatus
from canonical.product import ProductStatus
from canonical.shipment import ShipmentStatus
from processors.normalize import RawRecord, normalize
from processors.normalize.idoc import Tables, normalize_idoc
from processors.normalize.idoc.values import parse_number
from processors.normalize.reference_data import PartnerConfig, UnitTable
from scmflow.preview import EXIT_OK, detect_format, run_preview

ROOT = Path(__file__).resolve().parents[3]
RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"
SENDER = "P01CLNT100"
UNITS = UnitTable(name="sap-units", version="1", units={"ST": "H87", "KG": "KGM"})
PARTNERS = PartnerConfig(version="1", default_timezone="UTC", partner_timezones={})
BERLIN = PartnerConfig(
    version="2", default_timezone="UTC", partner_timezones={SENDER: "Europe/Berlin"}
)


def control(docnum: str, idoc_type: str, message_type: str) -> str:
    return format_control_record(
        {
            "MANDT": "100",
            "DOCNUM": docnum,
            "IDOCTYP": idoc_type,
            "MESTYP": message_type,
            "SNDPRT": "LS",
            "SNDPRN": SENDER,
            "RCVPRT": "LS",
            "RCVPRN": "SUPPLIER01",
            "CREDAT": "20250312",
            "CRETIM": "143000",
        }
    )


def seg(docnum: str, name: str, number: int, parent: int, **values: str) -> str:
    return format_data_record(name, docnum, number, parent, 2, build_sdata(name, values))


def orders(docnum: str = "0000000000000001", unit: str = "ST", parent_of_item: int = 0):
    d = docnum
    return [
        control(d, "ORDERS05", "ORDERS"),
        seg(d, "E1EDP19", 7, 6, QUALF="002", IDTNR="V-100"),
        seg(d, "E1EDK01", 1, 0, CURCY="EUR", BELNR="4500012345"),
        seg(d, "E1EDK03", 2, 0, IDDAT="012", DATUM="20250310", UZEIT="080000"),
        seg(d, "E1EDK03", 3, 0, IDDAT="002", DATUM="20250320"),
        seg(d, "E1EDKA1", 4, 0, PARVW="LF", PARTN="VEND-42"),
        seg(d, "E1EDKA1", 5, 0, PARVW="WE", PARTN="DC-1000"),
        seg(d, "E1EDP01", 6, parent_of_item, POSEX="000010", MENGE="100.000", MENEE=unit),
        seg(d, "E1EDP01", 8, 0, POSEX="000020", MENGE="2.500", MENEE="KG"),
    ]


def delivery(docnum: str = "0000000000000002", unit: str = "ST"):
    d = docnum
    return [
        control(d, "DELVRY05", "DESADV"),
        seg(d, "E1EDL20", 1, 0, VBELN="0080001234", BTGEW="12.500", GEWEI="KG", BOLNR="BOL-1"),
        seg(d, "E1EDT13", 2, 1, QUALF="006", NTANF="20250312", ISDD="20250312", ISDZ="101500"),
        seg(d, "E1EDL24", 3, 1, POSNR="000010", MATNR="MAT-100", LFIMG="24.000", VRKME=unit),
        seg(d, "E1EDL41", 4, 3, QUALI="001", BSTNR="PO-7781", BSTDT="20250301"),
        seg(d, "E1EDL37", 5, 1, EXIDV="00354123450000000014"),
        seg(d, "E1EDL44", 6, 5, VBELN="0080001234", POSNR="000010", VEMNG="24", VEMEH="ST"),
        seg(d, "E1EDL37", 7, 5, EXIDV="CARTON-1"),
    ]


def movements(docnum: str = "0000000000000003"):
    d = docnum
    return [
        control(d, "WMMBID02", "WMMBXY"),
        seg(d, "E1MBXYH", 1, 0, BUDAT="20250312", XBLNR="DN-55", MBLNR="4900001111"),
        seg(d, "E1MBXYI", 2, 1, BWART="101", MATNR="M1", WERKS="1000", LGORT="0001",
            ERFMG="24.000", ERFME="ST", EBELN="4500012345", EBELP="00010"),
        seg(d, "E1MBXYI", 3, 1, BWART="311", MATNR="M2", WERKS="1000", LGORT="0001",
            UMLGO="0002", ERFMG="5", ERFME="KG"),
        seg(d, "E1MBXYI", 4, 1, BWART="322", MATNR="M3", WERKS="1000", LGORT="0001",
            ERFMG="1.000-", ERFME="ST"),
    ]  # fmt: skip


def material(docnum: str = "0000000000000004", lvorm: str = ""):
    d = docnum
    return [
        control(d, "MATMAS05", "MATMAS"),
        seg(d, "E1MARAM", 1, 0, MSGFN="005", MATNR="MAT-100", LVORM=lvorm, MATKL="WIDGETS",
            MEINS="ST", BRGEW="1.200", NTGEW="0.000", GEWEI="KG"),
        seg(d, "E1MAKTM", 2, 1, SPRAS="D", MAKTX="Widget blau", SPRAS_ISO="DE"),
        seg(d, "E1MAKTM", 3, 1, SPRAS="E", MAKTX="Widget blue", SPRAS_ISO="EN"),
        seg(d, "E1MARMM", 4, 1, MEINH="ST", UMREZ="1", UMREN="1", EAN11="4000862141404"),
    ]  # fmt: skip


def record_of(lines: list[str], offset: int = 0) -> RawRecord:
    [document] = split_idocs(
        ("\n".join(lines) + "\n").encode(), filename="t.idoc", received_at=RECEIVED_AT
    )
    return RawRecord(
        topic="raw.idoc",
        partition=0,
        offset=offset,
        key=document.key.encode(),
        value=document.value,
        headers=document.headers,
        timestamp_ms=None,
    )


def run(lines: list[str], partners: PartnerConfig = PARTNERS, offset: int = 0):
    return normalize_idoc(record_of(lines, offset), tables=Tables.load(UNITS, partners))


def test_orders_to_purchase_order():
    [event] = run(orders())
    order = event.payload

    assert event.envelope.entity_type == "purchase-order"
    assert event.envelope.event_type == "purchase-order.issued"
    assert event.envelope.entity_id == f"{SENDER}:4500012345"
    assert event.envelope.producer_system == f"erp:{SENDER}"
    assert order.purchase_order_number == "4500012345"
    assert order.status == PurchaseOrderStatus.ISSUED
    assert order.supplier_id == "VEND-42"
    assert order.ship_to_location_id == "DC-1000"
    assert order.ordered_at == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    assert order.requested_delivery_at == datetime(2025, 3, 20, tzinfo=UTC)
    assert [line.line_number for line in order.lines] == ["000010", "000020"]
    assert order.lines[0].quantity_ordered.value == Decimal("100.000")
    assert order.lines[0].quantity_ordered.unit == "H87"
    assert order.lines[0].quantity_ordered.conversion_rule == "sap-units@1:ST->H87"
    assert order.lines[0].product_ids[0].qualifier == "VP"
    assert order.lines[0].product_ids[0].value == "V-100"
    assert order.lines[1].quantity_ordered.unit == "KGM"


def test_orders_times_in_sender_zone():
    [event] = run(orders(), partners=BERLIN)

    assert event.payload.ordered_at == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
    assert event.envelope.occurred_at_source == "20250310080000"
    assert event.envelope.provenance.mapping_versions == {"sap-units": "1", "partners": "2"}


def test_orders_delete_action_cancels():
    lines = orders()
    lines[2] = seg("0000000000000001", "E1EDK01", 1, 0, ACTION="003", BELNR="4500012345")

    [event] = run(lines)

    assert event.envelope.event_type == "purchase-order.cancelled"
    assert event.payload.status == PurchaseOrderStatus.CANCELLED


def test_orders_without_vendor_uses_receiver():
    lines = [line for line in orders() if "VEND-42" not in line]

    [event] = run(lines)

    assert event.payload.supplier_id == "SUPPLIER01"
    assert "idoc.supplier_from_control" in event.envelope.quality_flags


def test_unknown_unit_mapping_missing():
    with pytest.raises(RecordError) as caught:
        run(orders(unit="XYZ"))

    assert caught.value.code == ErrorCode.MAPPING_MISSING
    assert caught.value.field_path == "E1EDP01#6.MENEE"
    assert "XYZ" in caught.value.message


def test_item_with_missing_parent_dropped_and_flagged():
    [event] = run(orders(parent_of_item=42))

    assert [line.line_number for line in event.payload.lines] == ["000020"]
    assert "idoc.parent_missing" in event.envelope.quality_flags


def test_resend_new_docnum_same_key():
    [original] = run(orders("0000000000000001"), offset=0)
    [resend] = run(orders("0000000000009999"), offset=1)

    assert original.envelope.idempotency_key == resend.envelope.idempotency_key
    assert original.envelope.event_id != resend.envelope.event_id
    assert original.envelope.correlation_id != resend.envelope.correlation_id


def test_changed_quantity_new_key():
    changed = orders()
    changed[7] = seg("0000000000000001", "E1EDP01", 6, 0, POSEX="000010", MENGE="90", MENEE="ST")

    [original] = run(orders())
    [update] = run(changed)

    assert original.envelope.idempotency_key != update.envelope.idempotency_key


def test_replay_same_event_id():
    first = run(orders(), offset=5)
    second = run(orders(), offset=5)

    assert first == second


def test_delivery_to_shipment():
    [event] = run(delivery())
    shipment = event.payload

    assert event.envelope.entity_type == "shipment"
    assert event.envelope.entity_id == f"{SENDER}:0080001234"
    assert shipment.shipment_id == "0080001234"
    assert shipment.status == ShipmentStatus.HANDED_OFF
    assert shipment.shipped_at == datetime(2025, 3, 12, 10, 15, tzinfo=UTC)
    assert shipment.gross_weight.unit == "KGM"
    assert shipment.references[0].value == "BOL-1"
    [order] = shipment.orders
    assert order.purchase_order_number == "PO-7781"
    [pallet, carton] = shipment.packs
    assert pallet.sscc == "354123450000000014"
    assert pallet.parent_hl_id is None
    assert carton.sscc is None
    assert carton.parent_hl_id == pallet.hl_id
    [line] = shipment.lines
    assert line.pack_hl_id == pallet.hl_id
    assert line.order_hl_id == order.hl_id
    assert line.quantity_shipped.value == Decimal("24.000")
    assert line.quantity_shipped.unit == "H87"
    assert line.product_ids[0].value == "MAT-100"


def test_delivery_avro_round_trip():
    [event] = run(delivery())

    assert decode(encode(event)) == event


def test_delivery_without_e1edl20_rejected():
    lines = [line for line in delivery() if not line.startswith("E1EDL20")]
    lines = [line.replace("000001", "000000", 1) if "E1EDT13" in line else line for line in lines]

    with pytest.raises(RecordError) as caught:
        run(lines)

    assert caught.value.code == ErrorCode.IDOC_SEGMENT_MISSING


def test_goods_movements():
    receipt, transfer, reversal = run(movements())

    assert receipt.envelope.entity_id == f"{SENDER}:4900001111:1"
    assert receipt.payload.movement_type == MovementType.RECEIPT
    assert receipt.payload.to_location_id == "1000/0001"
    assert receipt.payload.to_stock_status == StockStatus.UNRESTRICTED
    assert receipt.payload.moved_at == datetime(2025, 3, 12, tzinfo=UTC)
    assert receipt.payload.references[-1].value == "4500012345/00010"
    assert transfer.payload.movement_type == MovementType.TRANSFER
    assert transfer.payload.from_location_id == "1000/0001"
    assert transfer.payload.to_location_id == "1000/0002"
    assert reversal.payload.status == MovementStatus.REVERSED
    assert reversal.envelope.event_type == "inventory-movement.reversed"
    assert reversal.payload.movement_type == MovementType.STATUS_CHANGE
    assert reversal.payload.quantity.value == Decimal("1.000")


def test_unknown_movement_type_mapping_missing():
    lines = movements()
    lines[2] = lines[2].replace("101", "999", 1)

    with pytest.raises(RecordError) as caught:
        run(lines)

    assert caught.value.code == ErrorCode.MAPPING_MISSING
    assert caught.value.field_path == "E1MBXYI#2.BWART"


def test_material_to_product():
    [event] = run(material())
    product = event.payload

    assert event.envelope.entity_type == "product"
    assert product.product_id == f"{SENDER}:MAT-100"
    assert product.status == ProductStatus.ACTIVE
    assert product.description == "Widget blue"
    assert product.base_unit == "H87"
    assert product.gtin == "4000862141404"
    assert product.gross_weight.value == Decimal("1.200")
    assert product.net_weight is None
    assert product.category == "WIDGETS"


def test_material_flagged_for_deletion():
    [event] = run(material(lvorm="X"))

    assert event.payload.status == ProductStatus.DISCONTINUED
    assert event.envelope.event_type == "product.discontinued"


def test_unsupported_idoc_type():
    lines = delivery()
    lines[0] = control("0000000000000002", "INVOIC02", "INVOIC")

    with pytest.raises(RecordError) as caught:
        run(lines)

    assert caught.value.code == ErrorCode.IDOC_UNSUPPORTED_TYPE


def test_bad_date_rejected():
    lines = delivery()
    lines[2] = seg("0000000000000002", "E1EDT13", 2, 1, QUALF="006", ISDD="20251399")

    with pytest.raises(RecordError) as caught:
        run(lines)

    assert caught.value.code == ErrorCode.IDOC_FIELD_INVALID
    assert caught.value.field_path == "E1EDT13#2.ISDD"


def test_dispatch_through_normalize():
    events = normalize(record_of(delivery()))

    assert [event.envelope.entity_type for event in events] == ["shipment"]


def test_split_error_dead_lettered_with_code():
    with pytest.raises(RecordError) as caught:
        normalize(record_of([control("0000000000000001", "DELVRY05", "DESADV")]))

    assert caught.value.code == ErrorCode.IDOC_SEGMENT_INVALID


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24", Decimal(24)), ("36.500", Decimal("36.500")), ("5.000-", Decimal("-5.000")),
     ("-2", Decimal(-2)), (".5", Decimal("0.5"))],
)  # fmt: skip
def test_sap_numbers(text, expected):
    assert parse_number(text, "F") == expected


@pytest.mark.parametrize("text", ["1,5", "-5-", "abc", "1e5", ""])
def test_bad_sap_numbers(text):
    with pytest.raises(RecordError) as caught:
        parse_number(text, "F")

    assert caught.value.code == ErrorCode.IDOC_FIELD_INVALID


def test_preview_detects_idoc_samples():
    samples = sorted((ROOT / "samples" / "idoc").glob("*.idoc"))
    stdout, stderr = io.StringIO(), io.StringIO()

    code = run_preview([str(path) for path in samples], "auto", stdout, stderr)

    assert code == EXIT_OK
    assert stderr.getvalue() == ""
    assert len(stdout.getvalue().splitlines()) == 5
    assert detect_format(samples[0].read_bytes()) == "idoc"
