"""Splitting EDIFACT files into messages: service characters, envelopes and broken input."""

import pytest

from adapters.edifact import Delimiters, choose_decoding, parse_segments, split_interchange
from adapters.edifact import headers as eh
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
from canonical.errors import ErrorCode

RECEIVED_AT = "2025-03-12T19:45:00.000000+00:00"

DESPATCH_ADVICE = [
    "BGM+351+DES-1001+9",
    "DTM+137:20250312:102",
    "NAD+SU+5412345000013::9",
    "CPS+1",
    "CPS+2+1",
    "PAC+1++201",
    "GIN+BJ+354123450000000014",
    "LIN+1++4000862141404:SRV",
    "QTY+12:24:PCE",
]


def message(
    body: list[str], *, message_type: str = "DESADV:D:96A:UN:EAN005", reference: str = "M1",
    count: int | None = None,
) -> list[str]:  # fmt: skip
    """Return UNH, the body and UNT with a correct segment count unless ``count`` is given."""
    segments = len(body) + 2 if count is None else count
    return [f"UNH+{reference}+{message_type}", *body, f"UNT+{segments}+{reference}"]


def interchange(
    messages: list[list[str]],
    *,
    una: str | None = "UNA:+.? '",
    charset: str = "UNOA:3",
    sender: str = "5412345000013:14",
    reference: str = "REF1",
    unz: str | None = None,
    terminator: str = "'",
    line_break: str = "\n",
) -> str:
    """Build an interchange: UNA, UNB, the messages and UNZ (``unz=""`` leaves UNZ out)."""
    segments = [f"UNB+{charset}+{sender}+8712345000019:14+250312:1430+{reference}"]
    for item in messages:
        segments.extend(item)
    if unz is None:
        segments.append(f"UNZ+{len(messages)}+{reference}")
    elif unz:
        segments.append(unz)
    text = line_break.join(segment + terminator for segment in segments) + line_break
    return (una + line_break if una else "") + text


def split(text: str | bytes, filename: str = "test.edi"):
    data = text.encode("latin-1") if isinstance(text, str) else text
    return split_interchange(data, filename=filename, received_at=RECEIVED_AT)


def flags(document) -> list[str]:
    return [flag for flag in document.headers.get(eh.H_QUALITY_FLAGS, "").split(",") if flag]


def segments_of(document):
    delimiters = Delimiters.from_headers(document.headers)
    return parse_segments(document.value, delimiters, document.headers[eh.H_ENCODING])


def test_one_message_with_provenance_headers():
    text = interchange([message(DESPATCH_ADVICE)])
    [document] = split(text, filename="asn.edi")
    headers = document.headers

    assert document.key == "5412345000013:DESADV:DES-1001"
    assert headers[H_SOURCE] == "edifact"
    assert headers[H_PARTNER] == "5412345000013"
    assert headers[H_RECEIVED_AT] == RECEIVED_AT
    assert headers[H_FILENAME] == "asn.edi"
    assert headers[H_ADAPTER_VERSION] == ADAPTER_VERSION
    assert headers[H_DOCUMENT_TYPE] == "DESADV"
    assert headers[H_PAYLOAD_SHA256] == sha256_hex(document.value)
    assert flags(document) == []


def test_envelope_headers():
    [document] = split(interchange([message(DESPATCH_ADVICE)]))
    headers = document.headers

    assert headers[eh.H_CHARSET] == "UNOA"
    assert headers[eh.H_SYNTAX_VERSION] == "3"
    assert headers[eh.H_UNB_SENDER_QUALIFIER] == "14"
    assert headers[eh.H_UNB_RECIPIENT] == "8712345000019"
    assert headers[eh.H_UNB_PREPARED_AT] == "250312:1430"
    assert headers[eh.H_UNB_REFERENCE] == "REF1"
    assert headers[eh.H_UNH_REFERENCE] == "M1"
    assert headers[eh.H_MESSAGE_VERSION] == "D"
    assert headers[eh.H_MESSAGE_RELEASE] == "96A"
    assert headers[eh.H_CONTROLLING_AGENCY] == "UN"
    assert headers[eh.H_ASSOCIATION_CODE] == "EAN005"
    assert headers[eh.H_BGM_DOCUMENT_NAME] == "351"
    assert headers[eh.H_BGM_DOCUMENT_NUMBER] == "DES-1001"
    assert headers[eh.H_BGM_MESSAGE_FUNCTION] == "9"
    assert headers[eh.H_UNA_PRESENT] == "true"


def test_value_is_exact_message_bytes():
    text = interchange([message(DESPATCH_ADVICE)])
    data = text.encode("latin-1")
    [document] = split(data)
    offset = int(document.headers[eh.H_BYTE_OFFSET])

    assert document.value.startswith(b"UNH+M1+")
    assert document.value.endswith(b"UNT+11+M1'")
    assert data[offset : offset + len(document.value)] == document.value


def test_una_changes_every_delimiter_and_decimal_comma():
    body = [
        "BGM|351|DES-2001|9",
        "QTY|12^2,5^KGM",
        "FTX|AAA|||A\\|B\\^C\\~D\\\\",
    ]
    segments = ["UNB|UNOA^4|SENDER|RECEIVER|250312^1430|R9", *message(body)]
    segments = [segment.replace("+", "|").replace(":", "^") for segment in segments]
    text = "UNA^|,\\ ~" + "".join(segment + "~" for segment in segments) + "UNZ|1|R9~"
    [document] = split(text)
    headers = document.headers

    assert headers[eh.H_COMPONENT_SEPARATOR] == "^"
    assert headers[eh.H_ELEMENT_SEPARATOR] == "|"
    assert headers[eh.H_DECIMAL_MARK] == ","
    assert headers[eh.H_RELEASE_CHARACTER] == "\\"
    assert headers[eh.H_REPETITION_SEPARATOR] == ""
    assert headers[eh.H_SEGMENT_TERMINATOR] == "~"
    assert document.key == "SENDER:DESADV:DES-2001"
    qty, ftx = segments_of(document)[2:4]
    assert qty.components(1) == ["12", "2,5", "KGM"]
    assert ftx.component(4) == "A|B^C~D\\"


def test_default_delimiters_without_una():
    [document] = split(interchange([message(DESPATCH_ADVICE)], una=None))

    assert document.headers[eh.H_UNA_PRESENT] == "false"
    assert document.headers[eh.H_DECIMAL_MARK] == "."
    assert document.headers[eh.H_RELEASE_CHARACTER] == "?"
    assert document.key == "5412345000013:DESADV:DES-1001"


def test_level_b_control_characters_without_una():
    segments = ["UNB\x1dUNOB\x1f3\x1dSENDER\x1dRECEIVER\x1d250312\x1f1430\x1dR1"]
    segments += ["UNH\x1dM1\x1dDESADV\x1fD\x1f96A\x1fUN", "BGM\x1d351\x1dLB-1", "UNT\x1d3\x1dM1"]
    segments += ["UNZ\x1d1\x1dR1"]
    [document] = split("".join(segment + "\x1c" for segment in segments))

    assert document.headers[eh.H_ELEMENT_SEPARATOR] == "\x1d"
    assert document.headers[eh.H_RELEASE_CHARACTER] == ""
    assert document.key == "SENDER:DESADV:LB-1"
    assert flags(document) == []


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("O?'NEILL", ["O'NEILL"]),
        ("A??", ["A?"]),
        ("A???'B", ["A?'B"]),
        ("10?+10=20", ["10+10=20"]),
        ("X?:Y:Z", ["X:Y", "Z"]),
    ],
    ids=["released-terminator", "even-run", "odd-run", "released-element", "released-component"],
)
def test_release_character(written, expected):
    body = ["BGM+351+REL-1+9", f"FTX+AAA+++{written}", "DTM+137:20250312:102"]
    [document] = split(interchange([message(body)]))
    ftx, dtm = segments_of(document)[2:4]

    assert ftx.components(4) == expected
    assert dtm.tag == "DTM"
    assert flags(document) == []


def test_released_release_before_terminator_ends_segment():
    body = ["BGM+351+REL-2+9", "FTX+AAA+++PATH C:??", "DTM+137:20250312:102"]
    [document] = split(interchange([message(body)]))
    tags = [segment.tag for segment in segments_of(document)]

    assert tags == ["UNH", "BGM", "FTX", "DTM", "UNT"]
    assert segments_of(document)[2].components(4) == ["PATH C", "?"]


def test_wrapped_at_80_columns():
    flat = interchange([message([*DESPATCH_ADVICE, "FTX+AAA+++O?'NEILL AND SONS"])], line_break="")
    wrapped = "\r\n".join(flat[index : index + 80] for index in range(0, len(flat), 80))
    [plain] = split(flat)
    [document] = split(wrapped)

    assert document.key == plain.key
    assert flags(document) == []
    assert [s.content_key() for s in segments_of(document)] == [
        s.content_key() for s in segments_of(plain)
    ]
    assert b"\r\n" in document.value


def test_release_wrapped_away_from_its_character():
    flat = interchange([message(["BGM+351+WRAP-1+9", "FTX+AAA+++X?'Y"])], line_break="")
    cut = flat.index("?'") + 1
    [document] = split(flat[:cut] + "\n" + flat[cut:])

    assert segments_of(document)[2].component(4) == "X'Y"


def test_whole_file_on_one_line():
    text = interchange([message(DESPATCH_ADVICE), message(DESPATCH_ADVICE, reference="M2")],
                       line_break="")  # fmt: skip
    documents = split(text)

    assert "\n" not in text
    assert [d.headers[eh.H_UNH_REFERENCE] for d in documents] == ["M1", "M2"]
    assert all(flags(d) == [] for d in documents)


def test_mixed_line_endings():
    lines = interchange([message(DESPATCH_ADVICE)]).split("\n")
    text = "".join(line + ("\r\n" if index % 2 else "\n") for index, line in enumerate(lines))
    [document] = split(text)

    assert document.key == "5412345000013:DESADV:DES-1001"
    assert flags(document) == []


def test_proprietary_header_before_una():
    header = "$$ADD ID=EDIPARTNER1 BID='DESADV' PASSWORD=X$$\r\n"
    text = header + interchange([message(DESPATCH_ADVICE)])
    [document] = split(text)

    assert document.headers[eh.H_PREAMBLE] == header
    assert document.key == "5412345000013:DESADV:DES-1001"
    assert flags(document) == []


def test_ung_une_group():
    group = ["UNG+DESADV+GSENDER+GRECEIVER+250312:1430+G7+UN+D:96A"]
    group += message(DESPATCH_ADVICE) + message(DESPATCH_ADVICE, reference="M2") + ["UNE+2+G7"]
    documents = split(interchange([group]))

    assert len(documents) == 2
    assert documents[0].headers[eh.H_UNG_GROUP_ID] == "DESADV"
    assert documents[0].headers[eh.H_UNG_SENDER] == "GSENDER"
    assert documents[0].headers[eh.H_UNG_REFERENCE] == "G7"
    assert [flags(d) for d in documents] == [[], []]


def test_une_defects_flagged():
    group = ["UNG+DESADV+GS+GR+250312:1430+G7+UN+D:96A", *message(DESPATCH_ADVICE), "UNE+3+G8"]
    [document] = split(interchange([group]))

    assert eh.FLAG_UNE_COUNT_MISMATCH in flags(document)
    assert eh.FLAG_UNE_REFERENCE_MISMATCH in flags(document)


def test_une_missing_flagged():
    group = ["UNG+DESADV+GS+GR+250312:1430+G7+UN+D:96A", *message(DESPATCH_ADVICE)]
    [document] = split(interchange([group]))

    assert flags(document) == [eh.FLAG_UNE_MISSING]


def test_message_without_unb():
    text = "\n".join(segment + "'" for segment in message(DESPATCH_ADVICE))
    [document] = split(text)

    assert document.key == ":DESADV:DES-1001"
    assert document.headers[H_PARTNER] == ""
    assert document.headers[eh.H_CHARSET] == ""
    assert flags(document) == [eh.FLAG_UNB_MISSING]


def test_charset_mismatch_cjk_under_unoa_kept_and_flagged():
    name = "报文测试天津有限公司"
    body = ["BGM+351+CJK-1+9", f"NAD+DP+GCCN33::91++{name}+天津空港经济区103号"]
    data = interchange([message(body)]).encode("utf-8")
    [document] = split(data)
    nad = segments_of(document)[2]

    assert flags(document) == [eh.FLAG_CHARSET_MISMATCH]
    assert document.headers[eh.H_CHARSET] == "UNOA"
    assert document.headers[eh.H_ENCODING] == "utf-8"
    assert name.encode("utf-8") in document.value
    assert nad.component(4) == name
    assert nad.component(5) == "天津空港经济区103号"


def test_latin1_under_unoc_is_no_mismatch():
    body = ["BGM+351+LAT-1+9", "NAD+DP+1::9++Müller Straße"]
    [document] = split(interchange([message(body)], charset="UNOC:3").encode("latin-1"))

    assert flags(document) == []
    assert document.headers[eh.H_ENCODING] == "latin-1"
    assert segments_of(document)[2].component(4) == "Müller Straße"


def test_utf8_under_unoc_is_mismatch():
    body = ["BGM+351+LAT-2+9", "NAD+DP+1::9++Müller Straße"]
    [document] = split(interchange([message(body)], charset="UNOC:3").encode("utf-8"))

    assert flags(document) == [eh.FLAG_CHARSET_MISMATCH]
    assert segments_of(document)[2].component(4) == "Müller Straße"


def test_undecodable_bytes_fall_back_to_latin1():
    decoding = choose_decoding("UNOA", b"NAD+DP+M\xfcller'")

    assert decoding.encoding == "latin-1"
    assert decoding.flags == (eh.FLAG_CHARSET_MISMATCH,)


def test_unknown_charset_flagged():
    [document] = split(interchange([message(DESPATCH_ADVICE)], charset="IATB:1"))

    assert flags(document) == [eh.FLAG_CHARSET_UNKNOWN]


def test_missing_unz_flagged():
    [document] = split(interchange([message(DESPATCH_ADVICE)], unz=""))

    assert flags(document) == [eh.FLAG_UNZ_MISSING]


def test_unt_count_mismatch_flagged():
    [document] = split(interchange([message(DESPATCH_ADVICE, count=4)]))

    assert flags(document) == [eh.FLAG_UNT_COUNT_MISMATCH]
    assert document.headers.get(H_SPLIT_ERROR_CODE) is None


def test_unt_reference_mismatch_flagged():
    text = interchange([message(DESPATCH_ADVICE)]).replace("UNT+11+M1", "UNT+11+M9")
    [document] = split(text)

    assert flags(document) == [eh.FLAG_UNT_REFERENCE_MISMATCH]


def test_unz_count_and_reference_mismatch_flagged():
    [document] = split(interchange([message(DESPATCH_ADVICE)], unz="UNZ+2+OTHER"))

    assert flags(document) == [eh.FLAG_UNZ_COUNT_MISMATCH, eh.FLAG_UNZ_REFERENCE_MISMATCH]


def test_control_references_compare_as_numbers():
    text = interchange([message(DESPATCH_ADVICE)], reference="000123", unz="UNZ+1+123")
    [document] = split(text)

    assert flags(document) == []


def test_unterminated_unt_flagged():
    text = interchange([message(DESPATCH_ADVICE)], unz="").rstrip("\n").removesuffix("'")
    [document] = split(text)

    assert flags(document) == [eh.FLAG_UNT_UNTERMINATED, eh.FLAG_UNZ_MISSING]


def test_unh_without_unt_rejected():
    broken = message(DESPATCH_ADVICE)[:-1]
    documents = split(interchange([broken, message(DESPATCH_ADVICE, reference="M2")]))

    assert len(documents) == 2
    assert documents[0].headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_ENVELOPE_INVALID
    assert "no UNT segment" in documents[0].headers[H_SPLIT_ERROR_MESSAGE]
    assert documents[0].key == f"test.edi:{documents[0].headers[eh.H_BYTE_OFFSET]}"
    assert documents[1].headers.get(H_SPLIT_ERROR_CODE) is None
    assert documents[1].headers[eh.H_UNH_REFERENCE] == "M2"


def test_segments_outside_message_are_split_error():
    documents = split(interchange([["FTX+AAA+++STRAY"], message(DESPATCH_ADVICE)]))

    assert documents[0].headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_ENVELOPE_INVALID
    assert documents[0].value == b"FTX+AAA+++STRAY'"
    assert documents[1].key == "5412345000013:DESADV:DES-1001"


def test_not_edifact_is_interchange_error():
    [document] = split(b"hello\nworld\n")

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_INTERCHANGE_INVALID
    assert document.value == b"hello\nworld\n"
    assert document.key == "test.edi:0"


def test_empty_input_is_interchange_error():
    [document] = split(b"")

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_INTERCHANGE_INVALID
    assert document.value == b""


def test_clashing_una_is_interchange_error():
    text = interchange([message(DESPATCH_ADVICE)], una="UNA++.? '")
    [document] = split(text)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_INTERCHANGE_INVALID
    assert "clashing" in document.headers[H_SPLIT_ERROR_MESSAGE]
    assert document.value == text.encode("latin-1")


def test_trailing_garbage_after_unz_is_envelope_error():
    text = interchange([message(DESPATCH_ADVICE)]) + "END OF TRANSMISSION\n"
    documents = split(text)

    assert len(documents) == 2
    assert documents[1].headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_ENVELOPE_INVALID
    assert documents[1].value == b"END OF TRANSMISSION\n"


def test_two_interchanges_with_different_delimiters():
    first = interchange([message(DESPATCH_ADVICE)])
    second = interchange([message(["BGM|351|DES-9|9"])], una="UNA:|.? ~", terminator="~")
    second = second.replace("UNB+", "UNB|").replace("UNH+M1+", "UNH|M1|").replace("+", "|")
    documents = split(first + second)

    assert [d.key for d in documents] == [
        "5412345000013:DESADV:DES-1001", "5412345000013:DESADV:DES-9",
    ]  # fmt: skip
    assert [d.headers[eh.H_ELEMENT_SEPARATOR] for d in documents] == ["+", "|"]
    assert all(flags(d) == [] for d in documents)


def test_resend_under_new_references_keeps_key():
    first = split(interchange([message(DESPATCH_ADVICE)], reference="R1"))
    second = split(interchange([message(DESPATCH_ADVICE, reference="M77")], reference="R2"))

    assert first[0].key == second[0].key


def test_value_inside_preamble_is_no_start():
    text = "FUNB+X+Y'" + interchange([message(DESPATCH_ADVICE)])
    [document] = split(text)

    assert document.headers[eh.H_PREAMBLE] == "FUNB+X+Y'"
    assert document.key == "5412345000013:DESADV:DES-1001"


def test_utf8_bom_and_trailing_ctrl_z_ignored():
    data = b"\xef\xbb\xbf" + interchange([message(DESPATCH_ADVICE)]).encode() + b"\x1a"
    [document] = split(data)

    assert document.headers[eh.H_BYTE_OFFSET] != "0"
    assert flags(document) == []
    assert eh.H_PREAMBLE not in document.headers


def test_message_without_bgm_keyed_by_references():
    [document] = split(interchange([message(["DTM+137:20250312:102"], message_type="X:D:96A:UN")]))

    assert document.key == "5412345000013:X:REF1:M1"


@pytest.mark.timeout(10)
def test_release_before_line_breaks_splits_in_linear_time():
    """A release character followed by line breaks, and no terminator, must not backtrack."""
    text = "UNA:+,'* " + "UNH+1+ORDERS:D:96A:UN'\n" * 60
    [document] = split(text)

    assert document.headers[H_SPLIT_ERROR_CODE] == ErrorCode.EDIFACT_ENVELOPE_INVALID
    assert document.value == text[9:].encode()
