"""Character sets: the codec a UNB syntax identifier names, and what the bytes really are.

The syntax identifier (UNB01, code list 0001) names the character repertoire,
and partners often send other bytes: UTF-8 text under UNOA or UNOC, or
Windows code page text under UNOA. The message is decoded by its label when
the bytes allow it. A mismatch is bytes the label cannot decode, or bytes that
form valid multi-byte UTF-8 under a single-byte label. A mismatched record gets
the ``edifact.charset_mismatch`` flag and the codec that keeps every
character: UTF-8 when the bytes are valid UTF-8, else latin-1, which maps
every byte. The bytes themselves are never changed.
"""

from dataclasses import dataclass

from adapters.edifact.headers import FLAG_CHARSET_MISMATCH, FLAG_CHARSET_UNKNOWN

# Syntax identifiers of code list 0001 and the Python codec of the repertoire each names.
# UNOA and UNOB are subsets of ISO 646 (UNOA without lower case letters). UNOX (ISO 2022
# code extension) and identifiers outside the list are treated as unknown.
# NOTE: UNOY names "ISO 10646-1 octet without code extension technique"; partners that
# use it send UTF-8, which is how it is read here.
CHARSET_CODECS = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOL": "iso8859-15",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}
UTF8 = "utf-8"
LOSSLESS_FALLBACK = "latin-1"


@dataclass(frozen=True, slots=True)
class Decoding:
    """The codec chosen for some bytes, and the flags explaining a deviation from the label."""

    encoding: str
    flags: tuple[str, ...] = ()


def codec_for(label: str) -> str | None:
    """Return the codec a syntax identifier such as ``UNOC`` names, or None if unknown."""
    return CHARSET_CODECS.get(label.strip().upper())


def choose_decoding(label: str, data: bytes) -> Decoding:
    """Choose the codec for ``data``, labelled with syntax identifier ``label`` ("" if none)."""
    labelled = codec_for(label) if label else None
    unknown = (FLAG_CHARSET_UNKNOWN,) if label and labelled is None else ()
    if data.isascii():
        return Decoding(labelled or "ascii", unknown)
    if labelled is None:
        return Decoding(_lossless(data), unknown)
    try:
        data.decode(labelled)
    except UnicodeDecodeError:
        return Decoding(_lossless(data), (FLAG_CHARSET_MISMATCH,))
    if labelled != UTF8 and _is_utf8(data):
        return Decoding(UTF8, (FLAG_CHARSET_MISMATCH,))
    return Decoding(labelled)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _lossless(data: bytes) -> str:
    return UTF8 if _is_utf8(data) else LOSSLESS_FALLBACK
