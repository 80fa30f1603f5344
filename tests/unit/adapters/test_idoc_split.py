"""Splitting SAP IDoc flat files: control records, right-trimmed records, trees and broken input."""

import pytest

from adapters.idoc import (
    ControlRecord,
    build_sdata,
    build_tree,
    format_control_record,
    format_data_record,
    looks_like_idoc,
    parse_data_record,
    split_idocs,
)
from adapters.idoc import headers as ih
from adapters.idoc.records import CONTROL_RECORD_LENGTH
from adapters.idoc.tree import FLAG_PARENT_MISSING, TreeError
from adapters.raw import (
    H_DOCUMENT_TYPE,
    H_PARTNER,
    H_PAYLOAD_SHA256,
    H_SOURCE,
    H_SPLIT_ERROR_CODE,
    H_SPLIT_ERROR_MESSAGE,
    sha256_hex,
)
from canonical.errors import ErrorCode

RECEIVED_AT = "2025-03-12T20:00:00.000000+00:00"


def control(docnum: str, idoc_type: str = "DELVRY05", message_type: str = "DESADV") -> str:
    return format_control_record(
        {
            "MANDT": "100",
            "DOCNUM": docnum,
            "DOCREL": "740",
            "DIRECT": "1",
            "IDOCTYP": idoc_type,
            "MESTYP": message_type,
            "SNDPRT": "LS",
            "SNDPRN": "P01CLNT100",
            "RCVPRT": "LS",
            "RCVPRN": "WMS01",
            "CREDAT": "20250312",
            "CRETIM": "143000",
        }
    )


def segment(docnum: str, name: str, number: int, parent: int, **values: str) -> str:
    return format_data_record(name, docnum, number, parent, 2, build_sdata(name, values))


def delivery(docnum: str, vbeln: str = "0080001234") -> list[str]:
    return [
        control(docnum),
        segment(docnum, "E1EDL20", 1, 0, VBELN=vbeln),
        segment(docnum, "E1EDL24", 2, 1, POSNR="000010", LFIMG="24", VRKME="ST"),
    ]


def file_of(*idocs: list[str], newline: str = "\n") -> bytes:
    return (newline.join(line for idoc in idocs for line in idoc) + newline).encode()


def split(data: bytes):
    return split_idocs(data, filename="idocs.txt", received_at=RECEIVED_AT)


def test_control_record_fields_at_columns():
    line = control("0000000000123456")
    padded = line.ljust(CONTROL_RECORD_LENGTH)

    assert len(line) < CONTROL_RECORD_LENGTH
    assert padded[0:10] == "EDI_DC40  "
    assert padded[13:29] == "0000000000123456"
    assert padded[39:69].strip() == "DELVRY05"
    assert padded[99:129].strip() == "DESADV"
    assert padded[162:172].strip() == "P01CLNT100"
    assert padded[277:287].strip() == "WMS01"
    assert ControlRecord.parse(line)["CREDAT"] == "20250312"


def test_data_record_columns_and_sdata_at_64():
    line = format_data_record("E1EDL20", "0000000000000007", 3, 1, 2, "0080001234")

    record = parse_data_record(line, 2)

    assert line[0:30].rstrip() == "E1EDL20"
    assert line[63:73] == "0080001234"
    assert record.docnum == "0000000000000007"
    assert record.number == 3
    assert record.parent_number == 1
    assert record.level == "02"
    assert record.field(0, 10) == "0080001234"
    assert len(record.sdata) == 1000


def test_right_trimmed_record_padded():
    record = parse_data_record("E1EDL20                       100000000000000000700000", 5)

    assert record.number == 0
    assert record.parent_number == 0
    assert record.sdata == " " * 1000


def test_two_idocs_split_bytes_unchanged():
    first, second = delivery("0000000000000001"), delivery("0000000000000002", "0080009999")
    data = file_of(first, second, newline="\r\n")

    documents = split(data)

    assert [document.value for document in documents] == [
        file_of(first, newline="\r\n"),
        file_of(second, newline="\r\n"),
    ]
    assert b"".join(document.value for document in documents) == data


def test_headers_and_key():
    [document] = split(file_of(delivery("0000000000000001")))

    assert document.key == "P01CLNT100:DESADV:0080001234"
    assert document.headers[H_SOURCE] == "idoc"
    assert document.headers[H_PARTNER] == "P01CLNT100"
    assert document.headers[H_DOCUMENT_TYPE] == "DELVRY05"
    assert document.headers[ih.H_DOCNUM] == "0000000000000001"
    assert document.headers[ih.H_MESTYP] == "DESADV"
    assert document.headers[ih.H_IDOCTP] == "DELVRY05"
    assert document.headers[ih.H_CIMTYP] == ""
    assert document.headers[ih.H_RCVPRN] == "WMS01"
    assert document.headers[ih.H_BUSINESS_NUMBER] == "0080001234"
    assert document.headers[ih.H_SEGMENT_COUNT] == "2"
    assert document.headers[ih.H_BYTE_OFFSET] == "0"
    assert document.headers[H_PAYLOAD_SHA256] == sha256_hex(document.value)
    assert ih.H_QUALITY_FLAGS not in document.headers


def test_resend_new_docnum_same_key():
    [original] = split(file_of(delivery("0000000000000001")))
    [resend] = split(file_of(delivery("0000000000000777")))

    assert original.key == resend.key
    assert original.headers[ih.H_DOCNUM] != resend.headers[ih.H_DOCNUM]


def test_orders_key_uses_belnr():
    docnum = "0000000000000003"
    idoc = [
        control(docnum, "ORDERS05", "ORDERS"),
        segment(docnum, "E1EDK01", 1, 0, BELNR="4500012345"),
    ]

    [document] = split(file_of(idoc))

    assert document.key == "P01CLNT100:ORDERS:4500012345"


def test_tree_from_parent_numbers_out_of_order():
    docnum = "0000000000000004"
    lines = [
        segment(docnum, "E1EDL44", 4, 3, POSNR="000010"),
        segment(docnum, "E1EDL24", 2, 1, POSNR="000010"),
        segment(docnum, "E1EDL37", 3, 1, EXIDV="1"),
        segment(docnum, "E1EDL20", 1, 0, VBELN="1"),
    ]
    records = [parse_data_record(line, number) for number, line in enumerate(lines, 2)]

    tree = build_tree(records)

    [root] = tree.roots
    assert root.name == "E1EDL20"
    assert [child.name for child in root.children] == ["E1EDL24", "E1EDL37"]
    assert [node.name for node in root.child("E1EDL37").children] == ["E1EDL44"]
    assert tree.orphans == []


def test_missing_parent_flagged_branch_dropped():
    docnum = "0000000000000005"
    idoc = [
        control(docnum),
        segment(docnum, "E1EDL20", 1, 0, VBELN="0080005555"),
        segment(docnum, "E1EDL37", 5, 4, EXIDV="1"),
        segment(docnum, "E1EDL44", 6, 5, POSNR="000010"),
    ]

    [document] = split(file_of(idoc))

    assert H_SPLIT_ERROR_CODE not in document.headers
    assert document.headers[ih.H_QUALITY_FLAGS] == FLAG_PARENT_MISSING
    records = [parse_data_record(line, number) for number, line in enumerate(idoc[1:], 2)]
    tree = build_tree(records)
    assert [node.name for node in tree.walk()] == ["E1EDL20"]
    assert [record.number for record in tree.orphans] == [5, 6]


def test_parent_cycle_rejected():
    docnum = "0000000000000006"
    lines = [
        segment(docnum, "E1EDL20", 1, 0),
        segment(docnum, "E1EDL24", 2, 3),
        segment(docnum, "E1EDL24", 3, 2),
    ]
    records = [parse_data_record(line, number) for number, line in enumerate(lines, 2)]

    with pytest.raises(TreeError, match="cycle"):
        build_tree(records)


def test_duplicate_segment_number_split_error():
    docnum = "0000000000000008"
    idoc = [control(docnum), segment(docnum, "E1EDL20", 1, 0), segment(docnum, "E1EDL24", 1, 0)]

    [document] = split(file_of(idoc))

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.IDOC_SEGMENT_INVALID
    assert "used twice" in document.headers[H_SPLIT_ERROR_MESSAGE]
    assert document.key == "idocs.txt:0"


def test_non_numeric_segment_number_split_error():
    docnum = "0000000000000009"
    bad = segment(docnum, "E1EDL20", 1, 0)
    bad = bad[:49] + "00000X" + bad[55:]

    [document] = split(file_of([control(docnum), bad]))

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.IDOC_SEGMENT_INVALID
    assert "SEGNUM" in document.headers[H_SPLIT_ERROR_MESSAGE]


def test_control_record_without_data_records():
    [document] = split(file_of([control("0000000000000010")]))

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.IDOC_SEGMENT_INVALID
    assert "no data records" in document.headers[H_SPLIT_ERROR_MESSAGE]


def test_control_record_without_mestyp():
    line = control("0000000000000011", message_type="")

    [document] = split(file_of([line, segment("0000000000000011", "E1EDL20", 1, 0)]))

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.IDOC_CONTROL_RECORD_INVALID
    assert "MESTYP" in document.headers[H_SPLIT_ERROR_MESSAGE]


def test_data_before_first_control_record():
    stray = segment("0000000000000001", "E1EDL20", 1, 0, VBELN="1")
    good = delivery("0000000000000012")
    data = file_of([stray], good)

    error, document = split(data)

    assert error.headers[H_SPLIT_ERROR_CODE] == ErrorCode.IDOC_FILE_INVALID
    assert error.value == (stray + "\n").encode()
    assert H_SPLIT_ERROR_CODE not in document.headers
    assert error.value + document.value == data


@pytest.mark.parametrize("data", [b"", b"\n\n", b"ISA*00*...~", b"hello world\n"])
def test_not_an_idoc_file(data):
    [document] = split(data)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.IDOC_FILE_INVALID
    assert document.value == data


def test_docnum_mismatch_flagged():
    idoc = [control("0000000000000013"), segment("0000000000000099", "E1EDL20", 1, 0, VBELN="7")]

    [document] = split(file_of(idoc))

    assert document.headers[ih.H_QUALITY_FLAGS] == ih.FLAG_DOCNUM_MISMATCH


def test_business_number_missing_uses_docnum():
    idoc = [control("0000000000000014"), segment("0000000000000014", "E1EDL24", 1, 0)]

    [document] = split(file_of(idoc))

    assert document.key == "P01CLNT100:DESADV:0000000000000014"
    assert document.headers[ih.H_QUALITY_FLAGS] == ih.FLAG_BUSINESS_NUMBER_MISSING


def test_bom_and_latin1_bytes():
    docnum = "0000000000000015"
    idoc = [control(docnum), segment(docnum, "E1EDL20", 1, 0, VBELN="80001")]
    data = b"\xef\xbb\xbf" + file_of(idoc)[:-1] + b"\xe9\n"

    [document] = split(data)

    assert document.headers[ih.H_BYTE_OFFSET] == "3"
    assert document.headers[ih.H_ENCODING] == "latin-1"
    assert document.value == data[3:]


def test_looks_like_idoc():
    assert looks_like_idoc(b"\xef\xbb\xbf" + control("1").encode())
    assert not looks_like_idoc(b"UNB+UNOC:3+X+Y'")
