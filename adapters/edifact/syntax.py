"""The service characters of an interchange: UNA, the defaults, and where an interchange starts.

A UNA service string advice is ``UNA`` followed by six characters: component
separator, element separator, decimal mark, release character, repetition
separator and segment terminator. It may change every one of them. A space as
release character or repetition separator means the interchange uses none.
Syntax versions 1 to 3 always write a space for the reserved repetition
separator.

Without a UNA the defaults depend on the character set level (ISO 9735): level
A uses ``:+.? '``, and level B and higher may use the control characters IS1
(component), IS3 (element) and IS4 (segment) without a release character. Real
files labelled UNOB or UNOC without a UNA mostly use the level A characters,
so the choice is made from the byte that follows the first tag, not from the
label.

Text here is the input decoded as latin-1, so offsets are byte offsets.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.edifact.headers import (
    H_COMPONENT_SEPARATOR,
    H_DECIMAL_MARK,
    H_ELEMENT_SEPARATOR,
    H_RELEASE_CHARACTER,
    H_REPETITION_SEPARATOR,
    H_SEGMENT_TERMINATOR,
)

UNA_LENGTH = 9
"""``UNA`` and its six service characters."""
LEVEL_B_ELEMENT_SEPARATOR = "\x1d"
"""IS3, the level B data element separator."""

# A possible interchange or message start: UNA with six service characters that are
# not letters or digits, or a UNB or UNH tag followed by an element separator. A UNA
# written with letters is only read where the input's content begins (see split.py).
_START_PATTERN = re.compile(r"UNA[^A-Za-z0-9]{6}|UN[BH][^A-Za-z0-9 \t\r\n]", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The service characters of one interchange, each a single latin-1 character."""

    component: str = ":"
    element: str = "+"
    decimal_mark: str = "."
    release: str | None = "?"
    repetition: str | None = None
    segment: str = "'"

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "Delimiters":
        """Read the delimiters from the ``edifact.*`` headers of a raw record.

        Raises KeyError naming the missing header, or ValueError when a header
        does not contain exactly one character.
        """
        values = {}
        for name in (
            H_COMPONENT_SEPARATOR,
            H_ELEMENT_SEPARATOR,
            H_DECIMAL_MARK,
            H_SEGMENT_TERMINATOR,
        ):
            value = headers[name]
            if len(value) != 1:
                raise ValueError(f"header {name} must contain exactly one character, got {value!r}")
            values[name] = value
        optional = {}
        for name in (H_RELEASE_CHARACTER, H_REPETITION_SEPARATOR):
            value = headers.get(name, "")
            if len(value) > 1:
                raise ValueError(f"header {name} must be empty or one character, got {value!r}")
            optional[name] = value or None
        return cls(
            component=values[H_COMPONENT_SEPARATOR],
            element=values[H_ELEMENT_SEPARATOR],
            decimal_mark=values[H_DECIMAL_MARK],
            release=optional[H_RELEASE_CHARACTER],
            repetition=optional[H_REPETITION_SEPARATOR],
            segment=values[H_SEGMENT_TERMINATOR],
        )

    def to_headers(self) -> dict[str, str]:
        return {
            H_COMPONENT_SEPARATOR: self.component,
            H_ELEMENT_SEPARATOR: self.element,
            H_DECIMAL_MARK: self.decimal_mark,
            H_RELEASE_CHARACTER: self.release or "",
            H_REPETITION_SEPARATOR: self.repetition or "",
            H_SEGMENT_TERMINATOR: self.segment,
        }


LEVEL_A = Delimiters()
LEVEL_B = Delimiters(
    component="\x1f", element=LEVEL_B_ELEMENT_SEPARATOR, release=None, segment="\x1c"
)


class UnaError(ValueError):
    """A UNA that cannot be used. ``offset`` is the byte offset of the UNA."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(message)


def read_una(text: str, start: int) -> Delimiters:
    """Read the UNA at ``text[start]``.

    Raises UnaError when the UNA is truncated or declares clashing service
    characters, because no segment of the interchange can then be found.
    """
    chars = text[start + 3 : start + UNA_LENGTH]
    if len(chars) < 6:
        raise UnaError(
            start,
            f"truncated UNA at byte {start}: expected 6 service characters, found {len(chars)}",
        )
    component, element, decimal_mark, release, repetition, segment = chars
    release_char = None if release == " " else release
    repetition_char = None if repetition == " " else repetition
    used = [component, element, segment]
    used += [char for char in (release_char, repetition_char) if char is not None]
    if len(set(used)) != len(used):
        raise UnaError(
            start,
            f"UNA at byte {start} declares clashing service characters {chars!r}: component, "
            f"element, release, repetition and segment terminator must differ",
        )
    if any(char.isalnum() for char in used):
        raise UnaError(
            start,
            f"UNA at byte {start} declares a letter or digit as service character in {chars!r}",
        )
    return Delimiters(
        component=component,
        element=element,
        decimal_mark=decimal_mark,
        release=release_char,
        repetition=repetition_char,
        segment=segment,
    )


def default_delimiters(text: str, start: int) -> Delimiters:
    """Choose the delimiters of an interchange without UNA from the segment at ``start``.

    The character after the tag (UNB or UNH) is the element separator. IS3
    selects the level B set; any other character keeps the level A set with
    that character as element separator.
    """
    element = text[start + 3 : start + 4]
    if element == LEVEL_B_ELEMENT_SEPARATOR:
        return LEVEL_B
    if element in ("", LEVEL_A.element):
        return LEVEL_A
    return Delimiters(element=element)


def find_start(text: str, position: int) -> int | None:
    """Return the offset of the next UNA, UNB or UNH at or after ``position``.

    A match counts only at ``position`` itself or after a character that is not
    a letter or digit, so a value such as ``FUNB`` is not an interchange start.
    """
    for match in _START_PATTERN.finditer(text, position):
        begin = match.start()
        if begin == position or not text[begin - 1].isalnum():
            return begin
    return None


def interchange_tag(segment_text: str) -> str | None:
    """Return "UNA" or "UNB" when a segment starts an interchange, whatever its delimiters.

    A new interchange may declare other delimiters than the current one, so its
    tag cannot be found by splitting on the current element separator.
    """
    head = segment_text.lstrip(" ")
    if head[:3] not in ("UNA", "UNB"):
        return None
    if len(head) > 3 and head[3].isalnum():
        return None
    return head[:3]
