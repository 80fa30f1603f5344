"""Splitting an EDIFACT file into one raw record per message (UNH through UNT).

``split_interchange`` raises no exception on bad input and drops no content of
a message. Every byte of a message or of unsplittable input ends up in exactly
one record. The service segments (UNA, UNB, UNG, UNE, UNZ) travel as headers
of the messages they wrap, and so does data before the first UNA, UNB or UNH
(a proprietary transfer header, as ``edifact.preamble``). A UTF-8 BOM and the
white space, NUL and Ctrl-Z bytes between interchanges are left out. Bytes that
cannot be split become a record with the ``scmflow.split_error.*`` headers, so
the normalize stage dead-letters them with that code.

How each defect is handled:

=============================================  ===================================
Defect                                         Outcome
=============================================  ===================================
no UNA, UNB or UNH anywhere (not EDIFACT,      split error EDIFACT_INTERCHANGE_INVALID
empty input)                                   with the whole input
UNA truncated or with clashing service         split error EDIFACT_INTERCHANGE_INVALID
characters                                     with the rest of the file
UNH without a UNT before the next UNH, UNG,    split error EDIFACT_ENVELOPE_INVALID
UNE, UNZ, UNA, UNB or the end of the file      with the message's bytes
segments outside a message (garbage)           split error EDIFACT_ENVELOPE_INVALID
                                               with those segments
data after the last interchange                split error EDIFACT_ENVELOPE_INVALID
UNT01 differs from the message's segment       flag ``edifact.unt_count_mismatch``
count (UNH and UNT included)
UNT02 differs from UNH01                       flag ``edifact.unt_reference_mismatch``
UNT is the last segment and has no terminator  flag ``edifact.unt_unterminated``
UNE01 differs from the group's message count   flag ``edifact.une_count_mismatch``
UNE02 differs from UNG05                       flag ``edifact.une_reference_mismatch``
UNE missing (next UNG, UNZ or end of file)     flag ``edifact.une_missing``
UNZ01 differs from the number of groups, or    flag ``edifact.unz_count_mismatch``
of messages when there are no groups
UNZ02 differs from UNB05                       flag ``edifact.unz_reference_mismatch``
UNZ missing (next UNA, UNB or end of file)     flag ``edifact.unz_missing``
messages without a UNB                         flag ``edifact.unb_missing``; the
                                               partner and recipient are empty
bytes that the UNB01 character set cannot      flag ``edifact.charset_mismatch``;
decode, or UTF-8 under a single-byte label     ``edifact.encoding`` names the codec
                                               that keeps every character
UNB01 names no known character set             flag ``edifact.charset_unknown``
=============================================  ===================================

A message with complete UNH..UNT bytes is kept whatever its trailers say,
because its own segments are intact and the flags tell the consumer what was
wrong. Control references compare as integers when both are digits.
"""

from adapters.edifact import headers as h
from adapters.edifact.charset import choose_decoding
from adapters.edifact.interchange import InterchangeWalker, Piece
from adapters.edifact.segments import Segment, decode_value
from adapters.edifact.syntax import (
    UNA_LENGTH,
    UnaError,
    default_delimiters,
    find_start,
    read_una,
)
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

SOURCE = "edifact"
UTF8_BOM = "\xef\xbb\xbf"
"""The UTF-8 byte order mark as latin-1 text."""
INTERCHANGE_GAP = " \t\r\n\x00\x1a"
"""Characters allowed between interchanges and around the file's content."""
ENVELOPE_ENCODING = "latin-1"
"""Envelope segments are read byte for byte and decoded per message afterwards."""


def split_interchange(
    data: bytes, *, filename: str, received_at: str | None = None
) -> list[RawDocument]:
    """Split an EDIFACT file into raw records, one per message (UNH through UNT).

    Each record's value is the exact bytes of the message, from ``UNH`` through
    the UNT segment's terminator, line breaks inside included. A file may hold
    several interchanges with different delimiters, or messages with no UNB.
    ``received_at`` defaults to the current time. The record key is
    ``{sender}:{message type}:{BGM document number}``.
    """
    received_at = received_at or utc_now_iso()
    pieces = find_pieces(data.decode("latin-1"))
    return [
        _to_document(data, piece, filename=filename, received_at=received_at) for piece in pieces
    ]


def find_pieces(text: str) -> list[Piece]:
    """Find the messages and unsplittable runs of ``text`` (the input decoded as latin-1)."""
    position = len(UTF8_BOM) if text.startswith(UTF8_BOM) else 0
    pieces: list[Piece] = []
    found_any = False
    while True:
        position = _skip_gap(text, position)
        if position >= len(text):
            break
        start = position if text.startswith("UNA", position) else find_start(text, position)
        if start is None:
            pieces.append(_trailing_error(text, position, found_any))
            break
        preamble = text[position:start]
        una = text.startswith("UNA", start)
        try:
            delimiters = read_una(text, start) if una else default_delimiters(text, start)
        except UnaError as exc:
            error_start = position if found_any else 0
            pieces.append(
                _error(error_start, len(text), ErrorCode.EDIFACT_INTERCHANGE_INVALID, str(exc))
            )
            break
        body = start + UNA_LENGTH if una else start
        walker = InterchangeWalker(
            text, body, delimiters, una=una, preamble=preamble, encoding=ENVELOPE_ENCODING
        )
        found, next_position = walker.walk()
        pieces.extend(found)
        found_any = True
        if next_position <= start:
            message = f"no EDIFACT segment could be read at byte {start}"
            pieces.append(_error(start, len(text), ErrorCode.EDIFACT_ENVELOPE_INVALID, message))
            break
        position = next_position
    if not pieces and not found_any:
        message = "no EDIFACT interchange: the input is empty or contains only whitespace"
        pieces.append(_error(0, len(text), ErrorCode.EDIFACT_INTERCHANGE_INVALID, message))
    return pieces


def looks_like_edifact(data: bytes) -> bool:
    """Return whether ``data`` contains a UNA, UNB or UNH segment within its first bytes.

    The segment may follow a UTF-8 BOM, white space and a proprietary header of
    up to ``PREAMBLE_MAX_CHARS`` characters.
    """
    text = data[: h.PREAMBLE_MAX_CHARS + UNA_LENGTH].decode("latin-1")
    position = _skip_gap(text, len(UTF8_BOM) if text.startswith(UTF8_BOM) else 0)
    return find_start(text, position) is not None


def _skip_gap(text: str, position: int) -> int:
    while position < len(text) and text[position] in INTERCHANGE_GAP:
        position += 1
    return position


def _trailing_error(text: str, position: int, found_any: bool) -> Piece:
    if found_any:
        message = (
            f"unexpected data at byte {position} after the interchange: expected UNA, UNB "
            f"or UNH, found {text[position : position + 16]!r}"
        )
        return _error(position, len(text), ErrorCode.EDIFACT_ENVELOPE_INVALID, message)
    message = (
        f"no EDIFACT interchange: expected a UNA, UNB or UNH segment, found "
        f"{text[position : position + 16]!r} at byte {position}"
    )
    return _error(0, len(text), ErrorCode.EDIFACT_INTERCHANGE_INVALID, message)


def _error(start: int, end: int, code: ErrorCode, message: str) -> Piece:
    return Piece(
        start=start,
        end=end,
        delimiters=default_delimiters("", 0),
        error_code=code,
        error_message=message,
    )


def business_key(piece: Piece) -> str | None:
    """Return the message's BGM document number (first component of BGM02), or None."""
    if piece.bgm is None:
        return None
    return piece.bgm.component(2) or None


def _to_document(data: bytes, piece: Piece, *, filename: str, received_at: str) -> RawDocument:
    value = data[piece.start : piece.end]
    label = piece.unb.component(1, 1) if piece.unb else ""
    decoding = choose_decoding(label, value)
    flags = [*piece.flags, *decoding.flags]

    def text(segment: Segment | None, position: int, index: int = 1) -> str:
        if segment is None:
            return ""
        return decode_value(segment.component(position, index), decoding.encoding)

    sender = text(piece.unb, 2)
    message_type = text(piece.unh, 2)
    headers = {
        H_SOURCE: SOURCE,
        H_PARTNER: sender,
        H_RECEIVED_AT: received_at,
        H_PAYLOAD_SHA256: sha256_hex(value),
        H_FILENAME: filename,
        H_ADAPTER_VERSION: ADAPTER_VERSION,
        H_DOCUMENT_TYPE: message_type,
        h.H_BYTE_OFFSET: str(piece.start),
        h.H_UNA_PRESENT: "true" if piece.una else "false",
        h.H_CHARSET: label,
        h.H_SYNTAX_VERSION: text(piece.unb, 1, 2),
        h.H_ENCODING: decoding.encoding,
        **piece.delimiters.to_headers(),
    }
    for name, segment, position, index in (
        (h.H_UNB_SENDER, piece.unb, 2, 1),
        (h.H_UNB_SENDER_QUALIFIER, piece.unb, 2, 2),
        (h.H_UNB_RECIPIENT, piece.unb, 3, 1),
        (h.H_UNB_RECIPIENT_QUALIFIER, piece.unb, 3, 2),
        (h.H_UNB_REFERENCE, piece.unb, 5, 1),
        (h.H_UNB_TEST_INDICATOR, piece.unb, 11, 1),
        (h.H_UNG_GROUP_ID, piece.ung, 1, 1),
        (h.H_UNG_SENDER, piece.ung, 2, 1),
        (h.H_UNG_RECIPIENT, piece.ung, 3, 1),
        (h.H_UNG_REFERENCE, piece.ung, 5, 1),
        (h.H_UNH_REFERENCE, piece.unh, 1, 1),
        (h.H_MESSAGE_TYPE, piece.unh, 2, 1),
        (h.H_MESSAGE_VERSION, piece.unh, 2, 2),
        (h.H_MESSAGE_RELEASE, piece.unh, 2, 3),
        (h.H_CONTROLLING_AGENCY, piece.unh, 2, 4),
        (h.H_ASSOCIATION_CODE, piece.unh, 2, 5),
        (h.H_BGM_DOCUMENT_NAME, piece.bgm, 1, 1),
        (h.H_BGM_DOCUMENT_NUMBER, piece.bgm, 2, 1),
        (h.H_BGM_MESSAGE_FUNCTION, piece.bgm, 3, 1),
    ):
        if segment is not None:
            headers[name] = text(segment, position, index)
    if piece.unb is not None:
        headers[h.H_UNB_PREPARED_AT] = ":".join(
            decode_value(part, decoding.encoding) for part in piece.unb.components(4)
        ).strip(":")
    if piece.preamble:
        preamble = piece.preamble.encode("latin-1")
        headers[h.H_PREAMBLE] = decode_value(
            piece.preamble, choose_decoding("", preamble).encoding
        )[: h.PREAMBLE_MAX_CHARS]
        if len(piece.preamble) > h.PREAMBLE_MAX_CHARS:
            flags.append(h.FLAG_PREAMBLE_TRUNCATED)
    if flags:
        headers[h.H_QUALITY_FLAGS] = ",".join(dict.fromkeys(flags))
    if piece.error_code is not None:
        headers[H_SPLIT_ERROR_CODE] = piece.error_code.value
        headers[H_SPLIT_ERROR_MESSAGE] = piece.error_message or ""
        return RawDocument(key=f"{filename}:{piece.start}", value=value, headers=headers)

    document_number = business_key(piece)
    if document_number is not None:
        document_number = decode_value(document_number, decoding.encoding)
    else:
        document_number = f"{text(piece.unb, 5)}:{text(piece.unh, 1)}"
    return RawDocument(
        key=f"{sender}:{message_type}:{document_number}", value=value, headers=headers
    )
