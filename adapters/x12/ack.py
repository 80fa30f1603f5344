"""997 functional acknowledgements for the functional groups of a received X12 file.

One 997 is built per received functional group (GS..GE) from the same envelope
walk that ``split_interchanges`` uses, so its verdicts match the quality flags
and split errors of the raw records:

====================================================  ============================
Received                                              997
====================================================  ============================
set with intact ST..SE and no defect                  AK5 A
SE01 differs from the set's segment count             AK5 E, code 4
SE02 differs from ST02                                AK5 E, code 3
ST without SE (the set is dead-lettered)              AK5 R, code 2
ST01 not in ``supported_sets`` (when given)           AK5 R, code 1
GE missing                                            AK9 code 3
GE02 differs from GS06                                AK9 code 4
GE01 differs from the number of sets                  AK9 code 5
====================================================  ============================

AK9 is A when every set is accepted without errors and the group has no
defect, E when every set is accepted but errors were noted, P when some sets
are rejected and R when all are. Sets with an SE defect are accepted with
errors noted (E) because the splitter keeps their bytes and the normalize
stage processes them. Sets outside any functional group get no 997, because
AK1 needs a group control number, and neither do received 997s (GS01 FA).

Everything in a 997 is derived from the received group, so re-ingesting a
file gives byte-identical acknowledgements: the envelope swaps the sender
and receiver ids of ISA and GS, copies the received ISA09/ISA10 date and time,
GS04/GS05, version and usage indicator, and uses the received delimiters.
The interchange and group control number is ``1 + int(h[:15], 16) mod
999999999`` where ``h`` is the hex SHA-256 of the received ISA06, ISA08,
ISA13 and GS06, and ST02 is always 0001. Two different groups can therefore
get the same 997 control number, with a chance of about one in 10**9 per pair.
"""

import hashlib
from dataclasses import dataclass

from adapters.raw import (
    ADAPTER_VERSION,
    H_ADAPTER_VERSION,
    H_DOCUMENT_TYPE,
    H_FILENAME,
    H_PARTNER,
    H_PAYLOAD_SHA256,
    H_RECEIVED_AT,
    H_SOURCE,
    RawDocument,
    sha256_hex,
    utc_now_iso,
)
from adapters.x12 import headers as h
from adapters.x12.delimiters import IsaHeader
from adapters.x12.interchange import Piece
from adapters.x12.segments import Segment
from adapters.x12.split import SOURCE, find_pieces

ACK_SET_TYPE = "997"
ACK_FUNCTIONAL_ID = "FA"
ACK_SET_CONTROL_NUMBER = "0001"
CONTROL_NUMBER_MODULUS = 999_999_999

H_ACK_ISA13 = "x12.ack.isa13"
"""Interchange control number of the acknowledged interchange."""
H_ACK_GS06 = "x12.ack.gs06"
"""Group control number of the acknowledged functional group (AK102)."""
H_ACK_STATUS = "x12.ack.status"
"""AK901: A, E, P or R."""

# AK502 transaction set syntax error codes (element 718).
SET_NOT_SUPPORTED = "1"
SET_TRAILER_MISSING = "2"
SET_CONTROL_NUMBER_MISMATCH = "3"
SET_SEGMENT_COUNT_MISMATCH = "4"
# AK905 functional group syntax error codes (element 716).
GROUP_TRAILER_MISSING = "3"
GROUP_CONTROL_NUMBER_MISMATCH = "4"
GROUP_SET_COUNT_MISMATCH = "5"

SET_FLAG_CODES = {
    h.FLAG_SE_COUNT_MISMATCH: SET_SEGMENT_COUNT_MISMATCH,
    h.FLAG_SE_CONTROL_NUMBER_MISMATCH: SET_CONTROL_NUMBER_MISMATCH,
}
GROUP_FLAG_CODES = {
    h.FLAG_GE_MISSING: GROUP_TRAILER_MISSING,
    h.FLAG_GE_CONTROL_NUMBER_MISMATCH: GROUP_CONTROL_NUMBER_MISMATCH,
    h.FLAG_GE_COUNT_MISMATCH: GROUP_SET_COUNT_MISMATCH,
}
MAX_GROUP_CODES = 5
"""AK905 to AK909."""


@dataclass(frozen=True, slots=True)
class ReceivedGroup:
    """One received functional group: its interchange header, GS segment and sets."""

    isa: IsaHeader
    gs: Segment
    sets: list[Piece]
    """Transaction sets in input order, including sets without SE (which carry an error code)."""


@dataclass(frozen=True, slots=True)
class SetVerdict:
    """The AK2/AK5 pair of one received transaction set."""

    set_type: str
    control_number: str
    status: str
    """AK501: A accepted, E accepted but errors were noted, R rejected."""
    codes: tuple[str, ...]
    """AK502 to AK506, element 718."""


def received_groups(data: bytes, *, allow_variable_isa: bool = False) -> list[ReceivedGroup]:
    """Return the functional groups of an X12 file in input order.

    Sets outside any group, and bytes that could not be split, belong to no group.
    """
    groups: dict[int, ReceivedGroup] = {}
    for piece in find_pieces(data, allow_variable_isa=allow_variable_isa):
        if piece.isa is None or piece.gs is None or piece.st is None:
            continue
        group = groups.get(piece.gs.start)
        if group is None:
            group = ReceivedGroup(isa=piece.isa, gs=piece.gs, sets=[])
            groups[piece.gs.start] = group
        group.sets.append(piece)
    return list(groups.values())


def set_verdict(piece: Piece, supported_sets: frozenset[str] | None) -> SetVerdict:
    """Decide the AK5 of one set, following the table in the module docstring."""
    assert piece.st is not None
    set_type = piece.st.element(1).strip()
    codes: list[str] = []
    if piece.error_code is not None:
        codes.append(SET_TRAILER_MISSING)
    if supported_sets is not None and set_type not in supported_sets:
        codes.append(SET_NOT_SUPPORTED)
    rejected = bool(codes)
    codes += [code for flag, code in SET_FLAG_CODES.items() if flag in piece.flags]
    if rejected:
        status = "R"
    elif codes:
        status = "E"
    else:
        status = "A"
    return SetVerdict(
        set_type=set_type,
        control_number=piece.st.element(2).strip(),
        status=status,
        codes=tuple(codes),
    )


def control_number(group: ReceivedGroup) -> int:
    """Return the 997's interchange and group control number, following the module docstring."""
    source = "\x1f".join(
        [group.isa.element(6), group.isa.element(8), group.isa.element(13), _gs06(group)]
    )
    digest = hashlib.sha256(source.encode("latin-1")).hexdigest()
    return 1 + int(digest[:15], 16) % CONTROL_NUMBER_MODULUS


def build_997(group: ReceivedGroup, *, supported_sets: frozenset[str] | None = None) -> bytes:
    """Build the 997 interchange (ISA..IEA) that acknowledges one received group.

    ``supported_sets`` lists the set types (ST01) the receiver processes. When
    it is given, other set types are rejected with AK5 code 1. The bytes are
    latin-1, like the received interchange.
    """
    verdicts = [set_verdict(piece, supported_sets) for piece in group.sets]
    number = control_number(group)
    body = [
        ["ST", ACK_SET_TYPE, ACK_SET_CONTROL_NUMBER],
        ["AK1", group.gs.element(1).strip(), _gs06(group)],
    ]
    for verdict in verdicts:
        body.append(["AK2", verdict.set_type, verdict.control_number])
        body.append(["AK5", verdict.status, *verdict.codes])
    body.append(["AK9", *_group_response(group, verdicts)])
    body.append(["SE", str(len(body) + 1), ACK_SET_CONTROL_NUMBER])

    gs = group.gs
    segments = [
        _isa(group.isa, number),
        [
            "GS",
            ACK_FUNCTIONAL_ID,
            gs.element(3).strip(),
            gs.element(2).strip(),
            gs.element(4).strip(),
            gs.element(5).strip(),
            str(number),
            "X",
            gs.element(8).strip(),
        ],  # fmt: skip
        *body,
        ["GE", "1", str(number)],
        ["IEA", "1", f"{number:09d}"],
    ]
    delimiters = group.isa.delimiters
    text = "".join(delimiters.element.join(fields) + delimiters.segment for fields in segments)
    return text.encode("latin-1")


def build_acks(
    data: bytes,
    *,
    filename: str,
    received_at: str | None = None,
    allow_variable_isa: bool = False,
    supported_sets: frozenset[str] | None = None,
) -> list[RawDocument]:
    """Return one outbound record with a 997 per functional group in ``data``.

    Groups of acknowledgements (GS01 FA) get none, because a 997 is never
    acknowledged. The record key is ``{partner}:997:{received ISA13}:{received GS06}``, so a
    partner's acknowledgements keep their order in one partition.
    """
    received_at = received_at or utc_now_iso()
    documents = []
    for group in received_groups(data, allow_variable_isa=allow_variable_isa):
        if group.gs.element(1).strip() == ACK_FUNCTIONAL_ID:
            continue
        value = build_997(group, supported_sets=supported_sets)
        partner = group.isa.element(6)
        number = control_number(group)
        verdicts = [set_verdict(piece, supported_sets) for piece in group.sets]
        headers = {
            H_SOURCE: SOURCE,
            H_PARTNER: partner,
            H_RECEIVED_AT: received_at,
            H_PAYLOAD_SHA256: sha256_hex(value),
            H_FILENAME: filename,
            H_ADAPTER_VERSION: ADAPTER_VERSION,
            H_DOCUMENT_TYPE: ACK_SET_TYPE,
            h.H_ISA06: group.isa.element(8),
            h.H_ISA08: partner,
            h.H_ISA13: f"{number:09d}",
            h.H_GS06: str(number),
            h.H_ST01: ACK_SET_TYPE,
            h.H_ST02: ACK_SET_CONTROL_NUMBER,
            H_ACK_ISA13: group.isa.element(13),
            H_ACK_GS06: _gs06(group),
            H_ACK_STATUS: _group_response(group, verdicts)[0],
        }
        key = f"{partner}:{ACK_SET_TYPE}:{group.isa.element(13)}:{_gs06(group)}"
        documents.append(RawDocument(key=key, value=value, headers=headers))
    return documents


def _gs06(group: ReceivedGroup) -> str:
    return group.gs.element(6).strip()


def _group_response(group: ReceivedGroup, verdicts: list[SetVerdict]) -> list[str]:
    """Return AK901 to AK909: status, sets included, received, accepted and group error codes.

    AK902 (sets included) is the number of ST segments found, because the
    splitter reports a GE01 mismatch as a flag without keeping GE01 itself.
    """
    # NOTE: the splitter counts only sets that have an SE when it checks GE01,
    # so a group with a set missing its SE also gets code 5 here.
    flags = {flag for piece in group.sets for flag in piece.flags}
    codes = [code for flag, code in GROUP_FLAG_CODES.items() if flag in flags][:MAX_GROUP_CODES]
    accepted = sum(1 for verdict in verdicts if verdict.status in ("A", "E"))
    received = len(verdicts)
    if accepted == 0:
        status = "R"
    elif accepted < received:
        status = "P"
    elif codes or any(verdict.status == "E" for verdict in verdicts):
        status = "E"
    else:
        status = "A"
    return [status, str(received), str(received), str(accepted), *codes]


def _isa(received: IsaHeader, number: int) -> list[str]:
    """Return the 997's ISA elements: the received sender and receiver swapped, widths padded."""
    return [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        received.element(7).ljust(2),
        received.element(8).ljust(15),
        received.element(5).ljust(2),
        received.element(6).ljust(15),
        received.element(9),
        received.element(10),
        received.elements[10],
        received.element(12),
        f"{number:09d}",
        "0",
        received.element(15),
        received.delimiters.component,
    ]
