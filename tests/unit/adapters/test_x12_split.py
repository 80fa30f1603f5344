"""Splitting X12 files into transaction sets: delimiters, envelopes and broken input."""

import pytest

from adapters.raw import (
    ADAPTER_VERSION,
    H_ADAPTER_VERSION,
    H_DOCUMENT_TYPE,
    H_FILENAME,
    H_PARTNER,
    H_PAYLOAD_SHA256,
    H_RECEIVED_AT,
    H_SOURCE,
    H_SPLIT_ERROR_CODE,
    H_SPLIT_ERROR_MESSAGE,
    sha256_hex,
)
from adapters.x12 import Delimiters, parse_segments, split_interchanges
from adapters.x12 import headers as xh
from canonical.errors import ErrorCode

RECEIVED_AT = "2025-03-12T19:45:00.000000+00:00"

SHIP_NOTICE = [
    "BSN*00*SHP-1001*20250312*1430*0001",
    "HL*1**S",
    "TD1*CTN25*2****G*120.5*LB",
    "N1*ST*RETAILCO DC 7*92*DC07",
    "N4*ATLANTA*GA*31139-0020*US",
    "HL*2*1*O",
    "PRF*PO-7781***20250301",
    "HL*3*2*I",
    "LIN*1*UP*012345678905*VP*WIDGET-RED",
    "SN1*1*24*EA",
]


def isa(
    element: str = "*",
    isa11: str = "U",
    component: str = ">",
    terminator: str = "~",
    *,
    version: str = "00401",
    control: str = "000000101",
    sender: str = "ACMEDIST",
) -> str:
    """Build a fixed-width ISA segment with the given delimiters."""
    fields = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{sender:<15}", "ZZ", f"{'RETAILCO':<15}",
        "250312", "1430", isa11, version, control, "0", "P", component,
    ]  # fmt: skip
    segment = element.join(fields) + terminator
    assert len(segment) == 106
    return segment


def transaction_set(
    body: list[str], *, set_type: str = "856", control: str = "0001", se_count: int | None = None
) -> list[str]:
    """Return ST, the body and SE with a correct segment count unless ``se_count`` is given."""
    count = len(body) + 2 if se_count is None else se_count
    return [f"ST*{set_type}*{control}", *body, f"SE*{count}*{control}"]


def interchange(
    sets: list[list[str]],
    *,
    element: str = "*",
    isa11: str = "U",
    component: str = ">",
    terminator: str = "~",
    line_break: str = "\n",
    version: str = "00401",
    control: str = "000000101",
    sender: str = "ACMEDIST",
    functional_id: str = "SH",
    ge: str | None = None,
    iea: str | None = None,
) -> str:
    """Build one interchange; segments are written with ``*`` and converted to ``element``."""
    group_control = str(int(control))
    segments = [f"GS*{functional_id}*{sender}*RETAILCO*20250312*1430*{group_control}*X*004010"]
    for set_segments in sets:
        segments += set_segments
    segments.append(ge if ge is not None else f"GE*{len(sets)}*{group_control}")
    segments.append(iea if iea is not None else f"IEA*1*{control}")
    body = "".join(s.replace("*", element) + terminator + line_break for s in segments)
    head = isa(element, isa11, component, terminator, version=version, control=control,
               sender=sender)  # fmt: skip
    return head + line_break + body


def split(text: str | bytes, **options) -> list:
    data = text.encode("latin-1") if isinstance(text, str) else text
    return split_interchanges(data, filename="test.edi", received_at=RECEIVED_AT, **options)


def set_documents(documents: list) -> list:
    return [doc for doc in documents if H_SPLIT_ERROR_CODE not in doc.headers]


def error_documents(documents: list) -> list:
    return [doc for doc in documents if H_SPLIT_ERROR_CODE in doc.headers]


def flags_of(document) -> list[str]:
    return [flag for flag in document.headers.get(xh.H_QUALITY_FLAGS, "").split(",") if flag]


def segment_tags(document) -> list[str]:
    return [segment.tag for segment in parse_segments(document.value, delimiters_of(document))]


def delimiters_of(document) -> Delimiters:
    return Delimiters.from_headers(document.headers)


# Exact bytes and headers


def test_value_is_exact_set_bytes():
    text = interchange([transaction_set(SHIP_NOTICE)], line_break="\r\n")
    [document] = split(text)

    start = text.index("ST*856")
    end = text.index("SE*12*0001~") + len("SE*12*0001~")
    assert document.value == text[start:end].encode("latin-1")


def test_provenance_headers():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)]))
    headers = document.headers

    assert headers[H_SOURCE] == "x12"
    assert headers[H_PARTNER] == "ACMEDIST"
    assert headers[H_RECEIVED_AT] == RECEIVED_AT
    assert headers[H_PAYLOAD_SHA256] == sha256_hex(document.value)
    assert headers[H_FILENAME] == "test.edi"
    assert headers[H_ADAPTER_VERSION] == ADAPTER_VERSION
    assert headers[H_DOCUMENT_TYPE] == "856"
    assert all(isinstance(value, str) for value in headers.values())


def test_envelope_headers():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)]))
    headers = document.headers

    assert headers[xh.H_ISA05] == "ZZ"
    assert headers[xh.H_ISA06] == "ACMEDIST"
    assert headers[xh.H_ISA07] == "ZZ"
    assert headers[xh.H_ISA08] == "RETAILCO"
    assert headers[xh.H_ISA12] == "00401"
    assert headers[xh.H_ISA13] == "000000101"
    assert headers[xh.H_ISA15] == "P"
    assert headers[xh.H_GS01] == "SH"
    assert headers[xh.H_GS02] == "ACMEDIST"
    assert headers[xh.H_GS03] == "RETAILCO"
    assert headers[xh.H_GS06] == "101"
    assert headers[xh.H_GS08] == "004010"
    assert headers[xh.H_ST01] == "856"
    assert headers[xh.H_ST02] == "0001"
    assert xh.H_QUALITY_FLAGS not in headers


def test_key_uses_business_document_number():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)]))

    assert document.key == "ACMEDIST:856:SHP-1001"


def test_key_of_purchase_order_is_beg03():
    order = transaction_set(["BEG*00*SA*PO-55012**20250301", "PO1*1*10*EA*2.5**VP*W1"],
                            set_type="850")  # fmt: skip
    [document] = split(interchange([order], functional_id="PO"))

    assert document.key == "ACMEDIST:850:PO-55012"


def test_key_falls_back_to_control_numbers():
    acknowledgment = transaction_set(["AK1*SH*101", "AK9*A*1*1*1"], set_type="997", control="0042")
    [document] = split(interchange([acknowledgment], functional_id="FA"))

    assert document.key == "ACMEDIST:997:000000101:0042"


# Delimiters


@pytest.mark.parametrize(
    ("element", "isa11", "component", "terminator", "version", "repetition"),
    [
        ("*", "U", ">", "~", "00401", ""),
        ("|", "^", ":", "\n", "00501", "^"),
        ("_", "U", ":", "'", "00401", ""),
        ("\x1d", "\x1f", "\x1c", "\x1e", "00501", "\x1f"),
        ("*", "U", ">", "\n", "00401", ""),
        ("!", "U", "@", "\x85", "00401", ""),
    ],
    ids=["star-tilde", "pipe-newline", "underscore", "control-chars", "newline", "latin1"],
)
def test_delimiters_read_from_isa(element, isa11, component, terminator, version, repetition):
    line_break = "" if terminator == "\n" else "\r\n"
    text = interchange([transaction_set(SHIP_NOTICE)], element=element, isa11=isa11,
                       component=component, terminator=terminator, version=version,
                       line_break=line_break)  # fmt: skip
    [document] = split(text)

    assert document.headers[xh.H_ELEMENT_SEPARATOR] == element
    assert document.headers[xh.H_COMPONENT_SEPARATOR] == component
    assert document.headers[xh.H_SEGMENT_TERMINATOR] == terminator
    assert document.headers[xh.H_REPETITION_SEPARATOR] == repetition
    segments = parse_segments(document.value, delimiters_of(document))
    assert [segment.tag for segment in segments][:3] == ["ST", "BSN", "HL"]
    assert segments[1].element(2) == "SHP-1001"
    assert document.key == "ACMEDIST:856:SHP-1001"


def test_isa11_is_letter_before_00402():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], isa11="U", version="00401"))

    assert document.headers[xh.H_REPETITION_SEPARATOR] == ""


def test_isa11_letter_is_no_repetition_in_00501():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], isa11="U", version="00501"))

    assert document.headers[xh.H_REPETITION_SEPARATOR] == ""


def test_isa11_symbol_ignored_before_00402():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], isa11="^", version="00401"))

    assert document.headers[xh.H_REPETITION_SEPARATOR] == ""


def test_repetition_separator_inside_data_kept():
    # 00406 declares "-" as repetition separator while N403 contains a ZIP+4 code.
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], isa11="-", version="00406"))
    segments = parse_segments(document.value, delimiters_of(document))
    n4 = next(segment for segment in segments if segment.tag == "N4")

    assert document.headers[xh.H_REPETITION_SEPARATOR] == "-"
    assert n4.element(3) == "31139-0020"
    assert n4.repeats(3) == ["31139", "0020"]


def test_utf8_bom_skipped():
    text = interchange([transaction_set(SHIP_NOTICE)])
    [document] = split(b"\xef\xbb\xbf" + text.encode("latin-1"))

    assert document.value.startswith(b"ST*856*0001~")
    assert document.headers[xh.H_BYTE_OFFSET] == str(3 + text.index("ST*856"))


def test_crlf_after_terminators():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], line_break="\r\n"))

    assert b"~\r\nBSN" in document.value
    assert document.value.endswith(b"SE*12*0001~")
    assert segment_tags(document)[-1] == "SE"
    assert "\r" not in "".join(segment_tags(document))


def test_interchange_on_one_line():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], line_break=""))

    assert document.value.startswith(b"ST*856*0001~BSN*00*SHP-1001")
    assert len(segment_tags(document)) == 12


def test_mailbag_with_different_delimiters():
    first = interchange([transaction_set(SHIP_NOTICE)], control="000000101")
    second = interchange(
        [transaction_set(SHIP_NOTICE, control="0007")],
        element="|",
        isa11="^",
        component=":",
        terminator="\n",
        line_break="",
        version="00501",
        control="000000102",
        sender="GLOBEXMFG",
    )
    documents = split(first + "\r\n" + second)

    assert [doc.headers[H_PARTNER] for doc in documents] == ["ACMEDIST", "GLOBEXMFG"]
    assert [doc.headers[xh.H_ELEMENT_SEPARATOR] for doc in documents] == ["*", "|"]
    assert [doc.headers[xh.H_SEGMENT_TERMINATOR] for doc in documents] == ["~", "\n"]
    assert documents[1].value.startswith(b"ST|856|0007\nBSN|00|SHP-1001")
    assert error_documents(documents) == []


def test_isa_inside_data_is_not_an_interchange():
    body = [*SHIP_NOTICE, "N1*BY*ISA*00*          *ZZ", "MSG*DELIVER TO ISA STORE 12"]
    documents = split(interchange([transaction_set(body)], line_break=""))

    assert len(documents) == 1
    assert error_documents(documents) == []
    assert b"N1*BY*ISA*00*" in documents[0].value


def test_segment_named_isa_text_is_not_an_interchange():
    body = [*SHIP_NOTICE, "ISA STORE 12 RECEIVING"]
    [document] = split(interchange([transaction_set(body)]))

    assert H_SPLIT_ERROR_CODE not in document.headers
    assert document.value.endswith(b"ISA STORE 12 RECEIVING~\nSE*13*0001~")


def test_isa_inside_garbage_after_interchange():
    text = interchange([transaction_set(SHIP_NOTICE)]) + "NOTE FROM THE ISA TEAM~\n"
    documents = split(text)

    assert len(set_documents(documents)) == 1
    [garbage] = error_documents(documents)
    assert garbage.value == b"NOTE FROM THE ISA TEAM~"
    assert garbage.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_ENVELOPE_INVALID


# Broken interchange headers


def test_truncated_isa_reports_offset():
    text = interchange([transaction_set(SHIP_NOTICE)])[:60]
    [document] = split(text)

    assert document.value == text.encode("latin-1")
    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_INTERCHANGE_INVALID
    message = document.headers[H_SPLIT_ERROR_MESSAGE]
    assert "byte 0" in message
    assert "expected 106 bytes, found 60" in message


def test_truncated_second_isa_reports_its_offset():
    first = interchange([transaction_set(SHIP_NOTICE)])
    second = interchange([transaction_set(SHIP_NOTICE)], control="000000102")[:80]
    documents = split(first + second)

    assert len(set_documents(documents)) == 1
    [error] = error_documents(documents)
    assert error.value == second.encode("latin-1")
    assert f"byte {len(first)}" in error.headers[H_SPLIT_ERROR_MESSAGE]


def test_variable_width_isa_rejected_by_default():
    text = interchange([transaction_set(SHIP_NOTICE)]).replace("ACMEDIST       ", "ACMEDIST", 1)
    [document] = split(text)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_INTERCHANGE_INVALID
    message = document.headers[H_SPLIT_ERROR_MESSAGE]
    assert "not fixed width" in message
    assert "at byte 50" in message
    assert document.value == text.encode("latin-1")


def test_variable_width_isa_allowed_by_profile():
    text = interchange([transaction_set(SHIP_NOTICE)], terminator="!", component="@")
    text = text.replace("ACMEDIST       ", "ACMEDIST", 1).replace("          ", " ", 2)
    [document] = split(text, allow_variable_isa=True)

    assert H_SPLIT_ERROR_CODE not in document.headers
    assert document.headers[xh.H_ISA06] == "ACMEDIST"
    assert document.headers[xh.H_SEGMENT_TERMINATOR] == "!"
    assert document.headers[xh.H_COMPONENT_SEPARATOR] == "@"
    assert document.key == "ACMEDIST:856:SHP-1001"


def test_clashing_delimiters_rejected():
    text = interchange([transaction_set(SHIP_NOTICE)], component="~")
    [document] = split(text)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_INTERCHANGE_INVALID
    assert "clashing delimiters" in document.headers[H_SPLIT_ERROR_MESSAGE]


def test_non_edi_input_kept_whole():
    data = b"Tk9OIEVESSBGSUxFISAasadsdfs\n"
    [document] = split(data)

    assert document.value == data
    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_INTERCHANGE_INVALID
    assert document.headers[H_PARTNER] == ""
    assert document.key == "test.edi:0"


def test_empty_input_reported():
    [document] = split(b"\r\n")

    assert document.value == b"\r\n"
    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_INTERCHANGE_INVALID
    assert "empty" in document.headers[H_SPLIT_ERROR_MESSAGE]


# Envelope defects


def test_set_without_se_is_split_error():
    broken = transaction_set(SHIP_NOTICE, control="0001")[:-1]
    good = transaction_set(SHIP_NOTICE, control="0002")
    text = interchange([broken, good])
    documents = split(text)

    [error] = error_documents(documents)
    assert error.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_ENVELOPE_INVALID
    assert error.headers[xh.H_ST02] == "0001"
    assert "no SE segment" in error.headers[H_SPLIT_ERROR_MESSAGE]
    assert error.value.startswith(b"ST*856*0001~")
    assert error.value.endswith(b"SN1*1*24*EA~")
    [good_document] = set_documents(documents)
    assert good_document.headers[xh.H_ST02] == "0002"


def test_truncated_file_keeps_remainder():
    text = interchange([transaction_set(SHIP_NOTICE)])
    cut = text.index("LIN*1*UP*01") + len("LIN*1*UP*01")
    [document] = split(text[:cut])

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_ENVELOPE_INVALID
    assert document.value == text[text.index("ST*856") : cut].encode("latin-1")


def test_set_outside_group_is_split_error():
    body = "".join(segment + "~" for segment in transaction_set(SHIP_NOTICE))
    text = isa() + body + "IEA*0*000000101~"
    [document] = split(text)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_ENVELOPE_INVALID
    assert "outside a functional group" in document.headers[H_SPLIT_ERROR_MESSAGE]
    assert document.value == body.encode("latin-1")


def test_garbage_between_sets_is_split_error():
    first = transaction_set(SHIP_NOTICE, control="0001")
    second = transaction_set(SHIP_NOTICE, control="0002")
    text = interchange([first, ["XYZ*JUNK", "N1*ST*LOST"], second], ge="GE*2*101")
    documents = split(text)

    assert [doc.headers[xh.H_ST02] for doc in set_documents(documents)] == ["0001", "0002"]
    [garbage] = error_documents(documents)
    assert garbage.value == b"XYZ*JUNK~\nN1*ST*LOST~"
    assert garbage.headers[H_SPLIT_ERROR_CODE] == ErrorCode.X12_ENVELOPE_INVALID


@pytest.mark.parametrize(
    ("options", "set_options", "flag"),
    [
        ({}, {"se_count": 99}, xh.FLAG_SE_COUNT_MISMATCH),
        ({"ge": "GE*3*101"}, {}, xh.FLAG_GE_COUNT_MISMATCH),
        ({"ge": "GE*1*999"}, {}, xh.FLAG_GE_CONTROL_NUMBER_MISMATCH),
        ({"iea": "IEA*2*000000101"}, {}, xh.FLAG_IEA_COUNT_MISMATCH),
        ({"iea": "IEA*1*000000999"}, {}, xh.FLAG_IEA_CONTROL_NUMBER_MISMATCH),
        ({"functional_id": "PO"}, {}, xh.FLAG_GS01_MISMATCH),
    ],
)
def test_envelope_defect_flagged(options, set_options, flag):
    [document] = split(interchange([transaction_set(SHIP_NOTICE, **set_options)], **options))

    assert H_SPLIT_ERROR_CODE not in document.headers
    assert flags_of(document) == [flag]


def test_se_control_number_mismatch_flagged():
    segments = transaction_set(SHIP_NOTICE)
    segments[-1] = "SE*12*0002"
    [document] = split(interchange([segments]))

    assert flags_of(document) == [xh.FLAG_SE_CONTROL_NUMBER_MISMATCH]


def test_zero_padding_is_same_control_number():
    [document] = split(interchange([transaction_set(SHIP_NOTICE)], iea="IEA*1*101"))

    assert flags_of(document) == []


def test_missing_trailers_flagged():
    text = interchange([transaction_set(SHIP_NOTICE)])
    text = text[: text.index("GE*1*101")]
    [document] = split(text)

    assert flags_of(document) == [xh.FLAG_GE_MISSING, xh.FLAG_IEA_MISSING]


def test_unterminated_last_se_flagged():
    text = interchange([transaction_set(SHIP_NOTICE)])
    text = text[: text.index("SE*12*0001") + len("SE*12*0001")]
    [document] = split(text)

    assert xh.FLAG_SE_UNTERMINATED in flags_of(document)
    assert document.value.endswith(b"SE*12*0001")


def test_every_content_byte_in_one_record():
    first = interchange([transaction_set(SHIP_NOTICE), transaction_set(SHIP_NOTICE)[:-1]])
    second = interchange([transaction_set(SHIP_NOTICE)], element="|", terminator="\n",
                         line_break="", control="000000102")[:-20]  # fmt: skip
    text = first + "JUNK~\n" + second
    documents = split(text)

    covered = [0] * len(text)
    for document in documents:
        start = int(document.headers[xh.H_BYTE_OFFSET])
        assert text[start : start + len(document.value)].encode("latin-1") == document.value
        for index in range(start, start + len(document.value)):
            covered[index] += 1
    assert max(covered) == 1
    # Only envelope segments, which travel as headers, and line breaks are left out.
    uncovered = "".join(
        char if count == 0 else "\0" for char, count in zip(text, covered, strict=True)
    )
    leftovers = [
        part.strip() for part in uncovered.replace("\n", "~").replace("\0", "~").split("~")
    ]
    assert {part[:3].rstrip("*|") for part in leftovers if part} <= {"ISA", "GS", "GE", "IEA"}


# Segment accessors


def test_segment_accessors():
    delimiters = Delimiters(element="*", component=">", segment="~", repetition="^")
    [segment] = parse_segments(b"MEA*PD*G*3401*LB>1>2*A^B*~", delimiters)

    assert segment.tag == "MEA"
    assert segment.element(3) == "3401"
    assert segment.element(9) == ""
    assert segment.components(4) == ["LB", "1", "2"]
    assert segment.component(4, 1) == "LB"
    assert segment.component(4, 5) == ""
    assert segment.repeats(5) == ["A", "B"]


def test_content_key_ignores_delimiters():
    star = Delimiters(element="*", component=">", segment="~")
    pipe = Delimiters(element="|", component=":", segment="\n")
    [first] = parse_segments(b"REF*BM*123>A**~", star)
    [second] = parse_segments(b"REF|BM|123:A\n", pipe)

    assert first.content_key() == second.content_key()


def test_parse_keeps_latin1_bytes():
    delimiters = Delimiters(element="*", component=">", segment="~")
    [segment] = parse_segments("N1*ST*CAFÉ MÜLLER~".encode("latin-1"), delimiters)

    assert segment.element(2) == "CAFÉ MÜLLER"
    assert segment.element(2).encode("latin-1") == "CAFÉ MÜLLER".encode("latin-1")
