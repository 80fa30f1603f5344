"""Splitting an X12 file into one raw record per transaction set.

``split_interchanges`` raises no exception on bad input and drops no content.
Every byte of a transaction set or of unsplittable input ends up in exactly
one record. The envelope segments (ISA, GS, GE, IEA) travel as headers of the
sets they wrap, and a UTF-8 BOM and the white space between interchanges are
left out. Bytes that cannot be split become a record with the
``scmflow.split_error.*`` headers, so the normalize stage dead-letters them
with that code. The unit and corpus tests check both promises.

How each envelope defect is handled:

=============================================  ===================================
Defect                                         Outcome
=============================================  ===================================
no ISA at the start of the input (not X12,     split error X12_INTERCHANGE_INVALID
empty input)                                   with the whole input
ISA truncated, not fixed width, or with        split error X12_INTERCHANGE_INVALID
clashing delimiters                            with the rest of the file, because
                                               no later segment start can be found
                                               without the delimiters
ST without an SE before the next ST, GS, GE,   split error X12_ENVELOPE_INVALID
IEA, ISA or the end of the file                with the set's bytes
ST..SE outside a GS..GE group                  split error X12_ENVELOPE_INVALID
                                               with the set's bytes
segments between sets, groups or interchanges  split error X12_ENVELOPE_INVALID
(garbage)                                      with those segments
SE01 differs from the set's segment count      flag ``x12.se_count_mismatch``
SE02 differs from ST02                         flag ``x12.se_control_number_mismatch``
SE is the last segment and has no terminator   flag ``x12.se_unterminated``
GE01 differs from the group's set count        flag ``x12.ge_count_mismatch``
GE02 differs from GS06                         flag ``x12.ge_control_number_mismatch``
GE missing (next GS, IEA or end of file)       flag ``x12.ge_missing``
IEA01 differs from the interchange's groups    flag ``x12.iea_count_mismatch``
IEA02 differs from ISA13                       flag ``x12.iea_control_number_mismatch``
IEA missing (next ISA or end of file)          flag ``x12.iea_missing``
GS01 does not match the set type (SH for 856)  flag ``x12.gs01_mismatch``
the same interchange twice in one file         two records each, and the dedupe
                                               stage drops the repeat by its
                                               idempotency key
=============================================  ===================================

A set with complete ST..SE bytes is kept whatever its trailers say, because
the set's own segments are intact and the flags tell the consumer what was
wrong. Control numbers compare as integers when both are digits.
"""

from dataclasses import replace

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
from adapters.x12 import headers as h
from adapters.x12.delimiters import Delimiters, IsaError, IsaHeader, read_isa
from adapters.x12.interchange import InterchangeWalker, Piece, starts_interchange
from adapters.x12.profile import X12EnvelopeProfiles
from adapters.x12.segments import iter_spans, parse_segments
from canonical.errors import ErrorCode

SOURCE = "x12"
UTF8_BOM = "\xef\xbb\xbf"
"""The UTF-8 byte order mark as latin-1 text."""
INTERCHANGE_GAP = " \t\r\n"
"""Characters allowed between interchanges and around the file's content."""

# Segment and element (1-based) that contain each set type's business document key.
BUSINESS_KEYS = {
    "810": ("BIG", 2),  # invoice number
    "850": ("BEG", 3),  # purchase order number
    "855": ("BAK", 3),  # purchase order number
    "856": ("BSN", 2),  # shipment identification
    "860": ("BCH", 3),  # purchase order number
    "940": ("W05", 2),  # depositor order number
    "943": ("W06", 2),  # depositor order number
    "945": ("W06", 2),  # depositor order number
}


def split_interchanges(
    data: bytes,
    *,
    filename: str,
    received_at: str | None = None,
    allow_variable_isa: bool = False,
    profiles: X12EnvelopeProfiles | None = None,
) -> list[RawDocument]:
    """Split an X12 file into raw records, one per transaction set (ST through SE).

    Each record's value is the exact bytes of the set, from ``ST`` through the
    SE segment's terminator. A file may contain several interchanges with
    different delimiters. ``allow_variable_isa`` accepts ISA headers whose
    elements are not padded to their fixed widths, for partners whose profile
    allows it; ``profiles`` turns that and the ISA11 policy on per sender
    (adapters.x12.profile). ``received_at`` defaults to the current time.
    """
    received_at = received_at or utc_now_iso()
    pieces = _find_pieces(data.decode("latin-1"), allow_variable_isa, profiles)
    return [
        _to_document(data, piece, filename=filename, received_at=received_at) for piece in pieces
    ]


def find_pieces(
    data: bytes,
    *,
    allow_variable_isa: bool = False,
    profiles: X12EnvelopeProfiles | None = None,
) -> list[Piece]:
    """Return the pieces that ``split_interchanges`` turns into records, envelopes included.

    The 997 builder in adapters.x12.ack reads the functional groups from them.
    """
    return _find_pieces(data.decode("latin-1"), allow_variable_isa, profiles)


def _read_isa_for_sender(
    text: str, position: int, allow_variable_isa: bool, profiles: X12EnvelopeProfiles | None
) -> IsaHeader:
    """Read an ISA, applying the sender's profile when one is given."""
    try:
        isa = read_isa(text, position, allow_variable_isa=allow_variable_isa)
    except IsaError:
        sender = _peek_sender(text, position)
        if allow_variable_isa or profiles is None or sender is None:
            raise
        if not profiles.for_sender(sender).variable_width_isa:
            raise
        isa = read_isa(text, position, allow_variable_isa=True)
    if profiles is not None and profiles.for_sender(isa.element(6)).ignore_repetition_separator:
        isa = replace(isa, delimiters=replace(isa.delimiters, repetition=None))
    return isa


def _peek_sender(text: str, position: int) -> str | None:
    """Return ISA06 of a header that may not be fixed width, or None if it has no ISA06."""
    if len(text) < position + 4:
        return None
    elements = text[position : position + 200].split(text[position + 3])
    return elements[6].strip() if len(elements) > 6 else None


def _find_pieces(
    text: str, allow_variable_isa: bool, profiles: X12EnvelopeProfiles | None = None
) -> list[Piece]:
    position = len(UTF8_BOM) if text.startswith(UTF8_BOM) else 0
    pieces: list[Piece] = []
    previous: Delimiters | None = None
    while True:
        position = _skip_gap(text, position)
        if position >= len(text):
            break
        if starts_interchange(text[position : position + 4]):
            try:
                isa = _read_isa_for_sender(text, position, allow_variable_isa, profiles)
            except IsaError as exc:
                start = 0 if previous is None else position
                pieces.append(_error(start, len(text), ErrorCode.X12_INTERCHANGE_INVALID, str(exc)))
                break
            found, position = InterchangeWalker(text, isa).walk()
            pieces.extend(found)
            previous = isa.delimiters
            continue
        if previous is None:
            message = (
                f"no X12 interchange: expected an ISA segment at byte {position}, "
                f"found {text[position : position + 16]!r}"
            )
            pieces.append(_error(0, len(text), ErrorCode.X12_INTERCHANGE_INVALID, message))
            break
        position = _collect_gap_garbage(text, position, previous, pieces)
    if previous is None and not pieces:
        message = "no X12 interchange: the input is empty or contains only whitespace"
        pieces.append(_error(0, len(text), ErrorCode.X12_INTERCHANGE_INVALID, message))
    return pieces


def _skip_gap(text: str, position: int) -> int:
    while position < len(text) and text[position] in INTERCHANGE_GAP:
        position += 1
    return position


def _collect_gap_garbage(
    text: str, position: int, delimiters: Delimiters, pieces: list[Piece]
) -> int:
    """Record the segments after an interchange up to the next ISA and return its offset.

    Segment starts are known from the previous interchange's terminator, so an
    ``ISA`` inside a value does not start an interchange.
    """
    end = position
    next_start = len(text)
    for span in iter_spans(text, position, len(text), delimiters):
        if starts_interchange(span.text):
            next_start = span.start
            break
        end = span.end
    message = f"unexpected data at byte {position} between interchanges: expected an ISA segment"
    pieces.append(_error(position, end, ErrorCode.X12_ENVELOPE_INVALID, message))
    return next_start


def _error(start: int, end: int, code: ErrorCode, message: str) -> Piece:
    return Piece(start=start, end=end, error_code=code, error_message=message)


def business_key(set_type: str, value: bytes, delimiters: Delimiters) -> str | None:
    """Return the set's business document number (BSN02 for an 856), or None."""
    location = BUSINESS_KEYS.get(set_type)
    if location is None:
        return None
    tag, position = location
    for segment in parse_segments(value, delimiters):
        if segment.tag == tag:
            return segment.element(position).strip() or None
    return None


def _to_document(data: bytes, piece: Piece, *, filename: str, received_at: str) -> RawDocument:
    value = data[piece.start : piece.end]
    isa06 = piece.isa.element(6) if piece.isa else ""
    st01 = piece.st.element(1).strip() if piece.st else ""
    headers = {
        H_SOURCE: SOURCE,
        H_PARTNER: isa06,
        H_RECEIVED_AT: received_at,
        H_PAYLOAD_SHA256: sha256_hex(value),
        H_FILENAME: filename,
        H_ADAPTER_VERSION: ADAPTER_VERSION,
        H_DOCUMENT_TYPE: st01,
        h.H_BYTE_OFFSET: str(piece.start),
    }
    headers.update(_envelope_headers(piece))
    if piece.flags:
        headers[h.H_QUALITY_FLAGS] = ",".join(piece.flags)
    if piece.error_code is not None:
        headers[H_SPLIT_ERROR_CODE] = piece.error_code.value
        headers[H_SPLIT_ERROR_MESSAGE] = piece.error_message or ""
        return RawDocument(key=f"{filename}:{piece.start}", value=value, headers=headers)
    assert piece.isa is not None and piece.st is not None
    key = business_key(st01, value, piece.isa.delimiters)
    if key is None:
        key = f"{piece.isa.element(13)}:{piece.st.element(2).strip()}"
    return RawDocument(key=f"{isa06}:{st01}:{key}", value=value, headers=headers)


def _envelope_headers(piece: Piece) -> dict[str, str]:
    headers: dict[str, str] = {}
    if piece.isa is not None:
        isa = piece.isa
        for name, position in (
            (h.H_ISA05, 5),
            (h.H_ISA06, 6),
            (h.H_ISA07, 7),
            (h.H_ISA08, 8),
            (h.H_ISA12, 12),
            (h.H_ISA13, 13),
            (h.H_ISA15, 15),
        ):
            headers[name] = isa.element(position)
        delimiters = isa.delimiters
        headers[h.H_ELEMENT_SEPARATOR] = delimiters.element
        headers[h.H_COMPONENT_SEPARATOR] = delimiters.component
        headers[h.H_SEGMENT_TERMINATOR] = delimiters.segment
        headers[h.H_REPETITION_SEPARATOR] = delimiters.repetition or ""
    if piece.gs is not None:
        for name, position in (
            (h.H_GS01, 1),
            (h.H_GS02, 2),
            (h.H_GS03, 3),
            (h.H_GS06, 6),
            (h.H_GS08, 8),
        ):
            headers[name] = piece.gs.element(position).strip()
    if piece.st is not None:
        headers[h.H_ST01] = piece.st.element(1).strip()
        headers[h.H_ST02] = piece.st.element(2).strip()
    return headers
