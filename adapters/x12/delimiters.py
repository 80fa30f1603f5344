"""Reading the ISA interchange header and the delimiters it declares.

An X12 interchange declares its own delimiters by position in the 106-byte ISA
segment: the element separator is byte 3, the component separator byte 104 and
the segment terminator byte 105. From version 00402 on, ISA11 (byte 82) is
the repetition separator unless it is a letter or digit. In 00401 and earlier
it is the standards identifier ``U``. Any byte value is accepted,
including control characters and a line feed as the terminator.

The ISA is read from bytes decoded as latin-1, so that every byte maps to one
character and offsets in text equal offsets in bytes.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.x12.headers import (
    H_COMPONENT_SEPARATOR,
    H_ELEMENT_SEPARATOR,
    H_REPETITION_SEPARATOR,
    H_SEGMENT_TERMINATOR,
)

ISA_LENGTH = 106
"""Length of a fixed-width ISA segment, including its terminator."""

# Offsets of the 16 element separators inside a fixed-width ISA, from the
# element widths 3 (tag), 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1.
ISA_SEPARATOR_OFFSETS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
COMPONENT_SEPARATOR_OFFSET = 104
SEGMENT_TERMINATOR_OFFSET = 105
REPETITION_SEPARATOR_OFFSET = 82

MAX_VARIABLE_ISA_LENGTH = 256
"""Longest ISA accepted when a partner profile allows the non-fixed-width variant."""

FIRST_VERSION_WITH_REPETITION = 402


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The delimiters of one interchange, each a single latin-1 character."""

    element: str
    component: str
    segment: str
    repetition: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "Delimiters":
        """Read the delimiters from the ``x12.*`` headers of a raw record.

        Raises KeyError naming the missing header, or ValueError when a header
        does not contain exactly one character.
        """
        values = {}
        for name in (H_ELEMENT_SEPARATOR, H_COMPONENT_SEPARATOR, H_SEGMENT_TERMINATOR):
            value = headers[name]
            if len(value) != 1:
                raise ValueError(f"header {name} must contain exactly one character, got {value!r}")
            values[name] = value
        repetition = headers.get(H_REPETITION_SEPARATOR, "")
        if len(repetition) > 1:
            raise ValueError(
                f"header {H_REPETITION_SEPARATOR} must be empty or one character, "
                f"got {repetition!r}"
            )
        return cls(
            element=values[H_ELEMENT_SEPARATOR],
            component=values[H_COMPONENT_SEPARATOR],
            segment=values[H_SEGMENT_TERMINATOR],
            repetition=repetition or None,
        )


@dataclass(frozen=True, slots=True)
class IsaHeader:
    """A parsed ISA segment: its 16 elements, delimiters and where it ends."""

    elements: tuple[str, ...]
    """ISA01 to ISA16 as written, padding included. ``elements[0]`` is ISA01."""
    delimiters: Delimiters
    start: int
    """Offset of the ``I`` of ``ISA`` in the input."""
    end: int
    """Offset just after the ISA segment terminator."""

    def element(self, position: int) -> str:
        """Return ISA element ``position`` (1 to 16) with padding stripped."""
        return self.elements[position - 1].strip()


class IsaError(ValueError):
    """An ISA header that cannot be read. ``offset`` is the byte offset of the defect."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(message)


def read_isa(text: str, start: int, *, allow_variable_isa: bool = False) -> IsaHeader:
    """Parse the ISA segment that begins at ``text[start]``.

    ``text`` is the input decoded as latin-1. With ``allow_variable_isa`` the
    header may have unpadded elements: the 16 elements are then found by
    splitting on the element separator at byte 3, and the two bytes after the
    16th separator are the component separator and the segment terminator.

    Raises IsaError with the byte offset and what was expected when the header
    is truncated, not fixed width, or declares unusable delimiters.
    """
    if text[start : start + 3] != "ISA":
        found = text[start : start + 3]
        raise IsaError(start, f"expected an ISA segment at byte {start}, found {found!r}")
    if len(text) < start + 4:
        raise IsaError(
            start,
            f"truncated ISA at byte {start}: the element separator at byte {start + 3} is missing",
        )
    if allow_variable_isa:
        return _read_variable_isa(text, start)
    return _read_fixed_isa(text, start)


def _read_fixed_isa(text: str, start: int) -> IsaHeader:
    available = len(text) - start
    if available < ISA_LENGTH:
        raise IsaError(
            start,
            f"truncated ISA at byte {start}: expected {ISA_LENGTH} bytes, found {available}",
        )
    separator = text[start + 3]
    for relative in ISA_SEPARATOR_OFFSETS:
        found = text[start + relative]
        if found != separator:
            raise IsaError(
                start + relative,
                f"ISA at byte {start} is not fixed width: expected the element separator "
                f"{separator!r} at byte {start + relative}, found {found!r}",
            )
    segment = text[start : start + ISA_LENGTH]
    elements = tuple(segment[4:COMPONENT_SEPARATOR_OFFSET].split(separator)) + (
        segment[COMPONENT_SEPARATOR_OFFSET],
    )
    delimiters = _build_delimiters(
        start,
        element=separator,
        component=segment[COMPONENT_SEPARATOR_OFFSET],
        terminator=segment[SEGMENT_TERMINATOR_OFFSET],
        isa11=segment[REPETITION_SEPARATOR_OFFSET],
        version=elements[11],
    )
    return IsaHeader(elements=elements, delimiters=delimiters, start=start, end=start + ISA_LENGTH)


def _read_variable_isa(text: str, start: int) -> IsaHeader:
    separator = text[start + 3]
    window_end = min(len(text), start + MAX_VARIABLE_ISA_LENGTH)
    positions = []
    cursor = start + 3
    while len(positions) < 16:
        found = text.find(separator, cursor, window_end)
        if found < 0:
            raise IsaError(
                start,
                f"truncated ISA at byte {start}: expected 16 element separators {separator!r} "
                f"within {MAX_VARIABLE_ISA_LENGTH} bytes, found {len(positions)}",
            )
        positions.append(found)
        cursor = found + 1
    last = positions[-1]
    if len(text) < last + 3:
        raise IsaError(
            last + 1,
            f"truncated ISA at byte {start}: expected the component separator and the "
            f"segment terminator after byte {last}",
        )
    elements = [text[a + 1 : b] for a, b in zip(positions, positions[1:], strict=False)]
    elements.append(text[last + 1])
    delimiters = _build_delimiters(
        start,
        element=separator,
        component=text[last + 1],
        terminator=text[last + 2],
        isa11=elements[10].strip(),
        version=elements[11],
    )
    return IsaHeader(elements=tuple(elements), delimiters=delimiters, start=start, end=last + 3)


def _build_delimiters(
    start: int, *, element: str, component: str, terminator: str, isa11: str, version: str
) -> Delimiters:
    if element.isalnum() or element == " ":
        raise IsaError(
            start + 3,
            f"ISA at byte {start} declares the element separator {element!r}; expected a "
            f"character that is not a letter, digit or space",
        )
    if len({element, component, terminator}) != 3:
        raise IsaError(
            start,
            f"ISA at byte {start} declares clashing delimiters: element {element!r}, "
            f"component {component!r}, segment terminator {terminator!r}; expected three "
            f"different characters",
        )
    repetition = None
    if _version_number(version) >= FIRST_VERSION_WITH_REPETITION and len(isa11) == 1:
        if not isa11.isalnum() and isa11 not in (element, component, terminator, " "):
            repetition = isa11
    return Delimiters(
        element=element, component=component, segment=terminator, repetition=repetition
    )


def _version_number(version: str) -> int:
    digits = version.strip()
    return int(digits) if digits.isdigit() else 0
