"""997 functional acknowledgements built from received X12 functional groups."""

import io
import json

from adapters.raw import H_DOCUMENT_TYPE, H_PARTNER, H_SOURCE
from adapters.x12 import parse_segments, split_interchanges
from adapters.x12.ack import (
    H_ACK_GS06,
    H_ACK_ISA13,
    H_ACK_STATUS,
    build_997,
    build_acks,
    control_number,
    received_groups,
)
from adapters.x12.headers import H_QUALITY_FLAGS, H_ST01
from processors.topology import load_topology
from scmflow.preview import run_preview
from scmflow.settings import get_settings

ISA = (
    "ISA*00*          *00*          *ZZ*VENDOR         *ZZ*WAREHOUSE      *090902*0900*U*00401*"
    "{control}*0*P*>~"
)
SET_940 = ["W05*N*35131*POMAIL", "LX*1", "W01*1*EA**VN*110220"]
SUPPORTED = frozenset({"940"})


def a_set(control: str, body: list[str] = SET_940, count: int | None = None) -> str:
    declared = len(body) + 2 if count is None else count
    return f"ST*940*{control}~" + "".join(f"{s}~" for s in body) + f"SE*{declared}*{control}~"


def interchange(*groups: str, control: str = "000009221") -> bytes:
    return (
        ISA.format(control=control) + "".join(groups) + f"IEA*{len(groups)}*{control}~"
    ).encode()


def group(
    sets: list[str], gs06: str = "9221", ge_count: int | None = None, gs01: str = "OW"
) -> str:
    count = len(sets) if ge_count is None else ge_count
    return (
        f"GS*{gs01}*VENDOR*WAREHOUSE*20090902*1700*{gs06}*X*004010~"
        + "".join(sets)
        + f"GE*{count}*{gs06}~"
    )


def ack_segments(data: bytes, **options) -> list[list[str]]:
    [received] = received_groups(data)
    value = build_997(received, **options)
    [document] = split_interchanges(value, filename="997.edi")
    segments = parse_segments(document.value, received.isa.delimiters)
    return [[segment.tag, *segment.elements] for segment in segments]


def test_good_group_accepted():
    data = interchange(group([a_set("0001"), a_set("0002")]))

    segments = ack_segments(data, supported_sets=SUPPORTED)

    assert segments == [
        ["ST", "997", "0001"],
        ["AK1", "OW", "9221"],
        ["AK2", "940", "0001"],
        ["AK5", "A"],
        ["AK2", "940", "0002"],
        ["AK5", "A"],
        ["AK9", "A", "2", "2", "2"],
        ["SE", "8", "0001"],
    ]


def test_se_count_mismatch_noted_in_ak5():
    data = interchange(group([a_set("0001", count=9), a_set("0002")]))

    segments = ack_segments(data)

    assert segments[3] == ["AK5", "E", "4"]
    assert segments[5] == ["AK5", "A"]
    assert segments[6] == ["AK9", "E", "2", "2", "2"]


def test_se_control_number_mismatch_noted():
    text = a_set("0001").replace("SE*5*0001", "SE*5*0009")
    segments = ack_segments(interchange(group([text])))

    assert segments[3] == ["AK5", "E", "3"]


def test_group_count_mismatch_in_ak9():
    data = interchange(group([a_set("0001")], ge_count=3))

    segments = ack_segments(data)

    assert segments[3] == ["AK5", "A"]
    assert segments[4] == ["AK9", "E", "1", "1", "1", "5"]


def test_group_control_number_mismatch_in_ak9():
    text = group([a_set("0001")]).replace("GE*1*9221", "GE*1*9999")

    segments = ack_segments(interchange(text))

    assert segments[4] == ["AK9", "E", "1", "1", "1", "4"]


def test_missing_ge_in_ak9():
    text = group([a_set("0001")]).replace("GE*1*9221~", "")

    segments = ack_segments(interchange(text))

    assert segments[4] == ["AK9", "E", "1", "1", "1", "3"]


def test_set_without_se_rejected():
    broken = "ST*940*0001~W05*N*35131*POMAIL~"
    data = interchange(group([broken, a_set("0002")]))

    segments = ack_segments(data)

    assert segments[2] == ["AK2", "940", "0001"]
    assert segments[3] == ["AK5", "R", "2"]
    assert segments[5] == ["AK5", "A"]
    assert segments[6][:5] == ["AK9", "P", "2", "2", "1"]


def test_unsupported_set_rejected():
    other = a_set("0002").replace("ST*940", "ST*943")
    data = interchange(group([a_set("0001"), other]))

    segments = ack_segments(data, supported_sets=SUPPORTED)

    assert segments[2:6] == [
        ["AK2", "940", "0001"],
        ["AK5", "A"],
        ["AK2", "943", "0002"],
        ["AK5", "R", "1"],
    ]
    assert segments[6] == ["AK9", "P", "2", "2", "1"]


def test_all_rejected_group():
    data = interchange(group([a_set("0001").replace("ST*940", "ST*943")]))

    segments = ack_segments(data, supported_sets=SUPPORTED)

    assert segments[4] == ["AK9", "R", "1", "1", "0"]


def test_envelope_swaps_sender_and_receiver():
    data = interchange(group([a_set("0001")]))
    [received] = received_groups(data)
    value = build_997(received)
    [document] = split_interchanges(value, filename="997.edi")

    assert document.headers[H_PARTNER] == "WAREHOUSE"
    assert document.headers["x12.isa08"] == "VENDOR"
    assert document.headers["x12.gs01"] == "FA"
    assert document.headers["x12.gs02"] == "WAREHOUSE"
    assert document.headers["x12.gs03"] == "VENDOR"
    assert document.headers["x12.gs08"] == "004010"
    assert document.headers[H_ST01] == "997"
    assert H_QUALITY_FLAGS not in document.headers
    assert value.startswith(b"ISA*00*          *00*          *ZZ*WAREHOUSE      *ZZ*VENDOR ")
    assert len(value.split(b"~")[0]) == 105


def test_same_input_same_bytes():
    data = interchange(group([a_set("0001")]))

    first = build_acks(data, filename="a.edi", received_at="2025-01-01T00:00:00+00:00")
    second = build_acks(data, filename="a.edi", received_at="2025-01-02T00:00:00+00:00")

    assert [doc.value for doc in first] == [doc.value for doc in second]
    assert [doc.key for doc in first] == [doc.key for doc in second]


def test_control_number_differs_per_group():
    data = interchange(group([a_set("0001")], gs06="1"), group([a_set("0002")], gs06="2"))
    first, second = received_groups(data)

    assert control_number(first) != control_number(second)
    assert 1 <= control_number(first) <= 999_999_999


def test_one_ack_per_group():
    data = interchange(group([a_set("0001")], gs06="1"), group([a_set("0002")], gs06="2"))

    acks = build_acks(data, filename="two.edi", supported_sets=SUPPORTED)

    assert [doc.headers[H_ACK_GS06] for doc in acks] == ["1", "2"]
    assert all(doc.headers[H_ACK_ISA13] == "000009221" for doc in acks)
    assert all(doc.headers[H_ACK_STATUS] == "A" for doc in acks)
    assert all(doc.headers[H_DOCUMENT_TYPE] == "997" for doc in acks)
    assert all(doc.headers[H_SOURCE] == "x12" for doc in acks)
    assert [doc.key for doc in acks] == ["VENDOR:997:000009221:1", "VENDOR:997:000009221:2"]


def test_sets_outside_group_get_no_ack():
    data = (ISA.format(control="000009221") + a_set("0001") + "IEA*0*000009221~").encode()

    assert build_acks(data, filename="loose.edi") == []


def test_received_ack_gets_no_ack():
    ack_set = "ST*997*0001~AK1*OW*9221~AK9*A*1*1*1~SE*4*0001~"
    data = interchange(group([ack_set], gs01="FA"))

    assert build_acks(data, filename="997.edi") == []


def test_unreadable_input_gets_no_ack():
    assert build_acks(b"not x12 at all", filename="junk.txt") == []


def test_preview_prints_no_ack(tmp_path):
    path = tmp_path / "order.edi"
    path.write_bytes(interchange(group([a_set("0001")])))
    stdout, stderr = io.StringIO(), io.StringIO()

    code = run_preview([str(path)], "x12", stdout, stderr)

    lines = stdout.getvalue().splitlines()
    assert code == 0
    assert len(lines) == 1
    assert json.loads(lines[0])["envelope"]["entity_type"] == "customer-order"
    assert "997" not in stdout.getvalue()


def test_topology_has_ack_topic():
    topology = load_topology(get_settings().topology_file)

    assert topology.outbound["x12-ack"].topic == "outbound.x12-ack"
    assert "outbound.x12-ack" in {spec.name for spec in topology.topic_specs()}
    prefixed = topology.with_prefix("t1.")
    assert prefixed.outbound["x12-ack"].topic == "t1.outbound.x12-ack"
