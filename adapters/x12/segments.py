"""Cutting X12 text into segments and reading their elements.

Text here is always the raw bytes decoded as latin-1, so each character is one
byte: offsets are byte offsets and encoding the text back as latin-1 gives the
original bytes. X12 basic and extended character sets fit in latin-1.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from adapters.x12.delimiters import Delimiters

LINE_BREAKS = "\r\n"
"""Characters skipped between a segment terminator and the next segment."""


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """The position and text of one segment."""

    start: int
    """Offset of the segment's first character (the first letter of its tag)."""
    end: int
    """Offset just after its terminator, or the end of the text when unterminated."""
    text: str
    """The segment without its terminator. Empty for an empty segment such as ``~~``."""
    terminated: bool


def iter_spans(text: str, start: int, stop: int, delimiters: Delimiters) -> Iterator[SegmentSpan]:
    """Yield the segments of ``text[start:stop]`` in order.

    Carriage returns and line feeds after a terminator are skipped, so files
    with CRLF, LF or no line breaks read the same. A last segment without a
    terminator is yielded with ``terminated=False`` and its trailing line
    breaks removed.
    """
    terminator = delimiters.segment
    position = start
    while position < stop:
        while position < stop and text[position] in LINE_BREAKS and text[position] != terminator:
            position += 1
        if position >= stop:
            return
        found = text.find(terminator, position, stop)
        if found < 0:
            body = text[position:stop].rstrip(LINE_BREAKS)
            yield SegmentSpan(start=position, end=stop, text=body, terminated=False)
            return
        yield SegmentSpan(start=position, end=found + 1, text=text[position:found], terminated=True)
        position = found + 1


def tag_of(segment_text: str, delimiters: Delimiters) -> str:
    """Return the segment identifier: the text before the first element separator."""
    return segment_text.split(delimiters.element, 1)[0]


@dataclass(frozen=True, slots=True)
class Segment:
    """One parsed segment. Elements are numbered from 1 as in the X12 standard (BSN02)."""

    tag: str
    elements: tuple[str, ...]
    """The elements as written, composites and repeats unsplit. ``elements[0]`` is XX01."""
    delimiters: Delimiters
    start: int
    """Byte offset of the segment in the parsed value."""
    end: int
    """Byte offset just after the segment's terminator."""

    def element(self, position: int) -> str:
        """Return element ``position`` (1-based) as written, or "" when absent."""
        if position < 1:
            raise ValueError(f"element positions start at 1, got {position}")
        if position > len(self.elements):
            return ""
        return self.elements[position - 1]

    def components(self, position: int) -> list[str]:
        """Return the components of a composite element, split on the component separator."""
        return self.element(position).split(self.delimiters.component)

    def component(self, position: int, index: int) -> str:
        """Return component ``index`` (1-based) of element ``position``, or "" when absent."""
        if index < 1:
            raise ValueError(f"component positions start at 1, got {index}")
        parts = self.components(position)
        return parts[index - 1] if index <= len(parts) else ""

    def repeats(self, position: int) -> list[str]:
        """Return the repeats of a repeatable element.

        Only elements the standard marks as repeatable should be read this way,
        because partners also use the declared repetition separator inside
        plain values (a ``-`` in a ZIP+4 code, for example). Without a declared
        separator the element is one repeat.
        """
        value = self.element(position)
        if self.delimiters.repetition is None:
            return [value]
        return value.split(self.delimiters.repetition)

    def content_key(self) -> str:
        """Return the segment's content independent of the delimiters used.

        Elements are joined with the ASCII unit separator and trailing empty
        elements are dropped, so ``REF*BM*1`` and ``REF|BM|1|`` give the same key.
        Composite and repeat separators inside elements are replaced the same way.
        """
        elements = list(self.elements)
        while elements and elements[-1] == "":
            elements.pop()
        normalized = []
        for value in elements:
            value = value.replace(self.delimiters.component, "\x1c")
            if self.delimiters.repetition is not None:
                value = value.replace(self.delimiters.repetition, "\x1d")
            normalized.append(value)
        return "\x1f".join([self.tag, *normalized])


def parse_segments(value: bytes, delimiters: Delimiters) -> list[Segment]:
    """Parse the bytes of a transaction set (or any run of segments) into segments.

    Empty segments are skipped. The text is decoded as latin-1, which keeps
    every byte: ``segment.start`` and ``segment.end`` index ``value`` directly.
    """
    text = value.decode("latin-1")
    segments = []
    for span in iter_spans(text, 0, len(text), delimiters):
        if not span.text:
            continue
        parts = span.text.split(delimiters.element)
        segments.append(
            Segment(
                tag=parts[0],
                elements=tuple(parts[1:]),
                delimiters=delimiters,
                start=span.start,
                end=span.end,
            )
        )
    return segments
