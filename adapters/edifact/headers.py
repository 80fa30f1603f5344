"""Names of the EDIFACT headers on raw records, and of the envelope quality flags.

Every header value is a string. Envelope values are copied from the UNB, UNG,
UNH and BGM segments after release characters are removed, decoded with the
interchange's character set. Delimiter headers contain the delimiter
character itself, which may be a control character (the level B defaults).
"""

H_COMPONENT_SEPARATOR = "edifact.component_separator"
H_ELEMENT_SEPARATOR = "edifact.element_separator"
H_DECIMAL_MARK = "edifact.decimal_mark"
H_RELEASE_CHARACTER = "edifact.release_character"
"""Empty when the interchange declares no release character."""
H_REPETITION_SEPARATOR = "edifact.repetition_separator"
"""Empty when the interchange declares none (syntax versions 1 to 3 reserve a space)."""
H_SEGMENT_TERMINATOR = "edifact.segment_terminator"
H_UNA_PRESENT = "edifact.una"
"""``true`` when a UNA service string advice declared the delimiters, else ``false``."""

H_CHARSET = "edifact.charset"
"""Syntax identifier from UNB01, such as UNOA or UNOC. Empty without a UNB."""
H_SYNTAX_VERSION = "edifact.syntax_version"
H_ENCODING = "edifact.encoding"
"""Python codec that decodes the record's bytes without losing a character. It differs
from the codec the charset names when the bytes do not match the label."""
H_UNB_SENDER = "edifact.unb_sender"
"""Interchange sender identification (UNB02, first component): the partner."""
H_UNB_SENDER_QUALIFIER = "edifact.unb_sender_qualifier"
H_UNB_RECIPIENT = "edifact.unb_recipient"
H_UNB_RECIPIENT_QUALIFIER = "edifact.unb_recipient_qualifier"
H_UNB_PREPARED_AT = "edifact.unb_prepared_at"
"""Date and time of preparation as written, such as ``081012:0255``."""
H_UNB_REFERENCE = "edifact.unb_reference"
"""Interchange control reference (UNB05)."""
H_UNB_TEST_INDICATOR = "edifact.unb_test_indicator"
"""UNB11: 1 for a test interchange, empty for production."""

H_UNG_GROUP_ID = "edifact.ung_group_id"
H_UNG_SENDER = "edifact.ung_sender"
H_UNG_RECIPIENT = "edifact.ung_recipient"
H_UNG_REFERENCE = "edifact.ung_reference"
"""Group reference number (UNG05)."""

H_UNH_REFERENCE = "edifact.unh_reference"
"""Message reference number (UNH01)."""
H_MESSAGE_TYPE = "edifact.message_type"
"""Message type from UNH02, such as DESADV."""
H_MESSAGE_VERSION = "edifact.message_version"
"""Message version number, such as D."""
H_MESSAGE_RELEASE = "edifact.message_release"
"""Message release number, such as 96A."""
H_CONTROLLING_AGENCY = "edifact.controlling_agency"
"""Controlling agency, such as UN."""
H_ASSOCIATION_CODE = "edifact.association_code"
"""Association assigned code, such as EAN008 for an EANCOM subset."""

H_BGM_DOCUMENT_NAME = "edifact.bgm_document_name"
"""Document name code (BGM01), such as 351 for a despatch advice."""
H_BGM_DOCUMENT_NUMBER = "edifact.bgm_document_number"
H_BGM_MESSAGE_FUNCTION = "edifact.bgm_message_function"
"""Message function code (BGM03): 9 original, 5 replace, 1 cancellation."""

H_BYTE_OFFSET = "edifact.byte_offset"
"""Byte offset of the record's first byte in the input file, counting a UTF-8 BOM."""
H_PREAMBLE = "edifact.preamble"
"""Data before the interchange's UNA, UNB or UNH, such as a proprietary transfer header.
At most ``PREAMBLE_MAX_CHARS`` characters; the flag ``edifact.preamble_truncated`` marks
a longer one."""
H_QUALITY_FLAGS = "edifact.quality_flags"
"""Comma-separated defects found on an otherwise usable message."""

PREAMBLE_MAX_CHARS = 4096

# Quality flags set by the splitter. The module docstring of adapters.edifact.split
# lists which defects become a flag and which a split error.
FLAG_UNT_COUNT_MISMATCH = "edifact.unt_count_mismatch"
FLAG_UNT_REFERENCE_MISMATCH = "edifact.unt_reference_mismatch"
FLAG_UNT_UNTERMINATED = "edifact.unt_unterminated"
FLAG_UNE_COUNT_MISMATCH = "edifact.une_count_mismatch"
FLAG_UNE_REFERENCE_MISMATCH = "edifact.une_reference_mismatch"
FLAG_UNE_MISSING = "edifact.une_missing"
FLAG_UNZ_COUNT_MISMATCH = "edifact.unz_count_mismatch"
FLAG_UNZ_REFERENCE_MISMATCH = "edifact.unz_reference_mismatch"
FLAG_UNZ_MISSING = "edifact.unz_missing"
FLAG_UNB_MISSING = "edifact.unb_missing"
FLAG_CHARSET_MISMATCH = "edifact.charset_mismatch"
FLAG_CHARSET_UNKNOWN = "edifact.charset_unknown"
FLAG_PREAMBLE_TRUNCATED = "edifact.preamble_truncated"
