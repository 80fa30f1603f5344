"""Splitting an SAP IDoc flat file into one raw record per IDoc.

Each record's value is the exact bytes of one IDoc: its EDI_DC40 control
record line through its last data record line, line breaks included. The
control record's fields travel as ``idoc.*`` headers. ``split_idocs`` raises
no exception on bad input and drops no content: bytes that cannot be split
become a record with the ``scmflow.split_error.*`` headers, so the normalize
stage dead-letters them with that code.

=============================================  ===================================
Defect                                         Outcome
=============================================  ===================================
no EDI_DC40 line at all (empty input, not an   split error IDOC_FILE_INVALID with
IDoc file)                                     the whole input
non-blank lines before the first EDI_DC40      split error IDOC_FILE_INVALID with
                                               those lines
control record without DOCNUM, IDOCTYP or      split error IDOC_CONTROL_RECORD_INVALID
MESTYP                                         with the IDoc's bytes
no data records, a SEGNUM or PSGNUM that is    split error IDOC_SEGMENT_INVALID
not a number, a duplicate SEGNUM, a cycle      with the IDoc's bytes
data record DOCNUM differs from the control    flag ``idoc.docnum_mismatch``
record's (an empty DOCNUM is accepted)
PSGNUM names no segment of the IDoc            flag ``idoc.parent_missing``; the
                                               branch is left out when normalizing
business document number not found             flag ``idoc.business_number_missing``;
                                               the key uses DOCNUM
=============================================  ===================================

The record key is ``{SNDPRN}:{MESTYP}:{business document number}``: BELNR for
ORDERS, VBELN for DELVRY, MBLNR for WMMBID, MATNR for MATMAS. A resend of the
same document under a new DOCNUM keeps the key, so it lands on the same
partition as the original.
"""

from dataclasses import dataclass, field

from adapters.idoc import headers as h
from adapters.idoc.records import (
    CONTROL_RECORD_TAG,
    ControlRecord,
    DataRecordError,
)
from adapters.idoc.segments import read_field
from adapters.idoc.tree import SegmentTree, TreeError, parse_tree
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
    RawDocument,
    sha256_hex,
    utc_now_iso,
)
from canonical.errors import ErrorCode

SOURCE = "idoc"
UTF8_BOM = b"\xef\xbb\xbf"
CUSTOMER_ORDER_QUALIFIER = "001"
"""E1EDK02 QUALF of the customer's purchase order number."""

CONTROL_HEADERS = {
    h.H_DOCNUM: "DOCNUM",
    h.H_CLIENT: "MANDT",
    h.H_DOCREL: "DOCREL",
    h.H_DIRECT: "DIRECT",
    h.H_TEST: "TEST",
    h.H_IDOCTP: "IDOCTYP",
    h.H_CIMTYP: "CIMTYP",
    h.H_MESTYP: "MESTYP",
    h.H_MESCOD: "MESCOD",
    h.H_MESFCT: "MESFCT",
    h.H_SNDPOR: "SNDPOR",
    h.H_SNDPRT: "SNDPRT",
    h.H_SNDPRN: "SNDPRN",
    h.H_RCVPOR: "RCVPOR",
    h.H_RCVPRT: "RCVPRT",
    h.H_RCVPRN: "RCVPRN",
    h.H_CREDAT: "CREDAT",
    h.H_CRETIM: "CRETIM",
    h.H_SERIAL: "SERIAL",
    h.H_ARCKEY: "ARCKEY",
}


@dataclass(slots=True)
class _Piece:
    start: int
    end: int
    lines: list[str] = field(default_factory=list)
    error_code: ErrorCode | None = None
    error_message: str | None = None


def split_idocs(data: bytes, *, filename: str, received_at: str | None = None) -> list[RawDocument]:
    """Split an IDoc flat file into raw records, one per IDoc, in file order.

    ``received_at`` defaults to the current time. The module docstring lists
    how each defect is handled.
    """
    received_at = received_at or utc_now_iso()
    return [
        _to_document(data, piece, filename=filename, received_at=received_at)
        for piece in _find_pieces(data)
    ]


def looks_like_idoc(data: bytes) -> bool:
    """Return whether ``data`` starts with an EDI_DC40 control record, after an optional BOM."""
    return data.removeprefix(UTF8_BOM).lstrip(b" \t\r\n").startswith(CONTROL_RECORD_TAG.encode())


def decode(value: bytes) -> tuple[str, str]:
    """Decode IDoc bytes as UTF-8 when valid, else as latin-1; return (text, codec)."""
    try:
        return value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return value.decode("latin-1"), "latin-1"


def _find_pieces(data: bytes) -> list[_Piece]:
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    pieces: list[_Piece] = []
    current: _Piece | None = None
    leading_end = start
    leading_content = False
    position = start
    while position < len(data):
        newline = data.find(b"\n", position)
        end = len(data) if newline < 0 else newline + 1
        line = data[position:end]
        if line.startswith(CONTROL_RECORD_TAG.encode()):
            if current is not None:
                pieces.append(current)
            current = _Piece(start=position, end=end)
        elif current is not None:
            current.end = end
        else:
            leading_end = end
            leading_content = leading_content or bool(line.strip())
        position = end

    if current is not None:
        pieces.append(current)
    if leading_content:
        message = (
            f"found data before the first {CONTROL_RECORD_TAG} control record; every IDoc "
            f"must start with a {CONTROL_RECORD_TAG} line"
            if pieces
            else f"no {CONTROL_RECORD_TAG} control record: the input is not an IDoc flat file"
        )
        pieces.insert(0, _Piece(start, leading_end, [], ErrorCode.IDOC_FILE_INVALID, message))
    elif not pieces:
        message = f"no {CONTROL_RECORD_TAG} control record: the input is empty"
        pieces.append(_Piece(start, len(data), [], ErrorCode.IDOC_FILE_INVALID, message))
    return pieces


def _to_document(data: bytes, piece: _Piece, *, filename: str, received_at: str) -> RawDocument:
    value = data[piece.start : piece.end]
    text, encoding = decode(value)
    headers = {
        H_SOURCE: SOURCE,
        H_PARTNER: "",
        H_RECEIVED_AT: received_at,
        H_PAYLOAD_SHA256: sha256_hex(value),
        H_FILENAME: filename,
        H_ADAPTER_VERSION: ADAPTER_VERSION,
        H_DOCUMENT_TYPE: "",
        h.H_BYTE_OFFSET: str(piece.start),
        h.H_ENCODING: encoding,
    }
    if piece.error_code is not None:
        code, message = piece.error_code, piece.error_message
        return _error_document(filename, piece, value, headers, code, message)

    lines = [line.rstrip("\r") for line in text.split("\n")]
    control = ControlRecord.parse(lines[0])
    for name, field_name in CONTROL_HEADERS.items():
        headers[name] = control[field_name]
    headers[H_PARTNER] = control["SNDPRN"]
    headers[H_DOCUMENT_TYPE] = control.idoc_type

    missing = [name for name in ("DOCNUM", "IDOCTYP", "MESTYP") if not control[name]]
    if missing:
        message = (
            f"control record at byte {piece.start} has no {', '.join(missing)}; a truncated or "
            f"hand-edited EDI_DC40 line cannot be routed"
        )
        return _error_document(
            filename, piece, value, headers, ErrorCode.IDOC_CONTROL_RECORD_INVALID, message
        )

    data_lines = lines[1:]
    try:
        tree = parse_tree(data_lines)
    except (DataRecordError, TreeError) as exc:
        message = f"IDoc {control['DOCNUM']} at byte {piece.start}: {exc}"
        return _error_document(
            filename, piece, value, headers, ErrorCode.IDOC_SEGMENT_INVALID, message
        )
    records = [node.record for node in tree.walk()] + tree.orphans
    if not records:
        message = f"IDoc {control['DOCNUM']} at byte {piece.start} has no data records"
        return _error_document(
            filename, piece, value, headers, ErrorCode.IDOC_SEGMENT_INVALID, message
        )

    flags = list(tree.flags())
    if any(record.docnum and record.docnum != control["DOCNUM"] for record in records):
        flags.append(h.FLAG_DOCNUM_MISMATCH)
    number = business_number(control.idoc_type, tree)
    if not number:
        flags.append(h.FLAG_BUSINESS_NUMBER_MISSING)
        number = control["DOCNUM"]
    headers[h.H_BUSINESS_NUMBER] = number
    headers[h.H_SEGMENT_COUNT] = str(len(records))
    if flags:
        headers[h.H_QUALITY_FLAGS] = ",".join(dict.fromkeys(flags))
    key = f"{control['SNDPRN']}:{control.message_type}:{number}"
    return RawDocument(key=key, value=value, headers=headers)


def _error_document(
    filename: str,
    piece: _Piece,
    value: bytes,
    headers: dict[str, str],
    code: ErrorCode,
    message: str | None,
) -> RawDocument:
    headers[H_SPLIT_ERROR_CODE] = code.value
    headers[H_SPLIT_ERROR_MESSAGE] = message or ""
    return RawDocument(key=f"{filename}:{piece.start}", value=value, headers=headers)


def idoc_family(idoc_type: str) -> str:
    """Return the basic type without its version digits: DELVRY05 gives DELVRY."""
    return idoc_type.rstrip("0123456789")


def business_number(idoc_type: str, tree: SegmentTree) -> str:
    """Return the business document number of an IDoc, or "" when its segment is absent.

    ORDERS: E1EDK01 BELNR, else the E1EDK02 BELNR with QUALF 001. DELVRY:
    E1EDL20 VBELN. WMMBID: E1MBXYH MBLNR, else its XBLNR. MATMAS: E1MARAM MATNR.
    """
    family = idoc_family(idoc_type)
    if family == "ORDERS":
        header = tree.first("E1EDK01")
        if header is not None and read_field(header.record, "BELNR"):
            return read_field(header.record, "BELNR")
        for node in tree.find("E1EDK02"):
            if read_field(node.record, "QUALF") == CUSTOMER_ORDER_QUALIFIER:
                return read_field(node.record, "BELNR")
        return ""
    if family == "DELVRY":
        delivery = tree.first("E1EDL20")
        return read_field(delivery.record, "VBELN") if delivery is not None else ""
    if family == "WMMBID":
        header = tree.first("E1MBXYH")
        if header is None:
            return ""
        return read_field(header.record, "MBLNR") or read_field(header.record, "XBLNR")
    if family == "MATMAS":
        material = tree.first("E1MARAM")
        return read_field(material.record, "MATNR") if material is not None else ""
    return ""
