"""Cutting EDIFACT text into segments and reading their elements and components.

Text here is always bytes decoded as latin-1, so offsets are byte offsets.
Segments are found with the release character in mind: ``?'`` is a literal
apostrophe, while in ``??'`` the first ``?`` releases the second and the
terminator stays active. Carriage returns and line feeds are not data in
EDIFACT, so they are dropped wherever they occur, including inside a value
that a partner wrapped at 80 columns. A line break that the UNA declares as a
delimiter is kept.

Values are split on the element, repetition and component separators first
and unescaped afterwards, so a released separator never splits a value. Each
value is then decoded with the message's character set.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from adapters.edifact.syntax import Delimiters

LINE_BREAKS = "\r\n"


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """The position and text of one segment."""

    start: int
    """Offset of the segment's first character."""
    end: int
    """Offset just after its terminator, or the end of the text when unterminated."""
    text: str
    """The segment without its terminator and without line breaks. Releases are kept."""
    terminated: bool


@lru_cache(maxsize=64)
def _patterns(delimiters: Delimiters) -> tuple[re.Pattern[str], str]:
    breaks = "".join(char for char in LINE_BREAKS if char not in _service_chars(delimiters))
    terminator = re.escape(delimiters.segment)
    if delimiters.release is None:
        body = f"[^{terminator}]*"
    else:
        # A release character may be wrapped away from the character it releases, so
        # line breaks after it are skipped. The released character is never a line
        # break, which keeps each position to one way of matching: an ambiguous
        # pattern backtracks exponentially on input without a terminator.
        release = re.escape(delimiters.release)
        if breaks:
            released = f"{release}[{re.escape(breaks)}]*[^{re.escape(breaks)}]"
        else:
            released = f"{release}."
        body = f"(?:[^{terminator}{release}]|{released})*"
    return re.compile(f"({body}){terminator}", re.DOTALL), breaks


def _service_chars(delimiters: Delimiters) -> set[str]:
    chars = {delimiters.component, delimiters.element, delimiters.segment}
    chars.update(char for char in (delimiters.release, delimiters.repetition) if char)
    return chars


def iter_spans(text: str, start: int, stop: int, delimiters: Delimiters) -> Iterator[SegmentSpan]:
    """Yield the segments of ``text[start:stop]`` in order.

    Line breaks between segments are skipped, so LF, CRLF, mixed line ends and
    files on one line read the same. A last segment without a terminator is
    yielded with ``terminated=False``.
    """
    pattern, breaks = _patterns(delimiters)
    position = start
    while position < stop:
        while position < stop and text[position] in breaks:
            position += 1
        if position >= stop:
            return
        match = pattern.match(text, position, stop)
        if match is None:
            body = _drop_breaks(text[position:stop], breaks)
            if body:
                yield SegmentSpan(start=position, end=stop, text=body, terminated=False)
            return
        body = _drop_breaks(match.group(1), breaks)
        yield SegmentSpan(start=position, end=match.end(), text=body, terminated=True)
        position = match.end()


def _drop_breaks(text: str, breaks: str) -> str:
    for char in breaks:
        text = text.replace(char, "")
    return text


def split_released(text: str, separator: str, release: str | None) -> list[str]:
    """Split ``text`` on ``separator`` unless the release character precedes it.

    The parts keep their release characters, so that they can be split again on
    another separator before ``unescape`` removes them.
    """
    if release is None or release not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == release and index + 1 < length:
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def unescape(text: str, release: str | None) -> str:
    """Remove each release character and keep the character it releases.

    A release character at the very end of a value releases nothing and is kept.
    """
    if release is None or release not in text:
        return text
    result: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == release and index + 1 < length:
            result.append(text[index + 1])
            index += 2
            continue
        result.append(char)
        index += 1
    return "".join(result)


def decode_value(text: str, encoding: str) -> str:
    """Decode a latin-1 view of bytes with ``encoding``; fall back to latin-1, never dropping."""
    if encoding in ("latin-1", "iso8859-1") or text.isascii():
        return text
    raw = text.encode("latin-1")
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return text


@dataclass(frozen=True, slots=True)
class Segment:
    """One parsed segment. Elements are numbered from 1, so BGM element 2 is the document number."""

    tag: str
    raw_elements: tuple[str, ...]
    """The data elements after the tag, as latin-1 text with release characters kept."""
    delimiters: Delimiters
    encoding: str
    """Codec that decodes values, such as ``utf-8``."""
    start: int
    end: int

    def repeats(self, position: int) -> list[list[str]]:
        """Return each repeat of element ``position`` as its decoded, unescaped components."""
        if position < 1:
            raise ValueError(f"element positions start at 1, got {position}")
        if position > len(self.raw_elements):
            return [[""]]
        raw = self.raw_elements[position - 1]
        release = self.delimiters.release
        repeats = [raw]
        if self.delimiters.repetition is not None:
            repeats = split_released(raw, self.delimiters.repetition, release)
        return [
            [
                decode_value(unescape(part, release), self.encoding)
                for part in split_released(repeat, self.delimiters.component, release)
            ]
            for repeat in repeats
        ]

    def components(self, position: int) -> list[str]:
        """Return the components of the first repeat of element ``position``."""
        return self.repeats(position)[0]

    def component(self, position: int, index: int = 1) -> str:
        """Return component ``index`` (1-based) of element ``position`` stripped, or ""."""
        if index < 1:
            raise ValueError(f"component positions start at 1, got {index}")
        parts = self.components(position)
        return parts[index - 1].strip() if index <= len(parts) else ""

    def content_key(self) -> str:
        """Return the segment's content independent of the delimiters and escapes used.

        Elements are joined with the ASCII unit separator, components with the
        file separator and repeats with the group separator. Trailing empty
        elements and components are dropped.
        """
        elements = []
        for position in range(1, len(self.raw_elements) + 1):
            repeats = []
            for components in self.repeats(position):
                while components and components[-1] == "":
                    components = components[:-1]
                repeats.append("\x1c".join(components))
            elements.append("\x1d".join(repeats))
        while elements and elements[-1] == "":
            elements.pop()
        return "\x1f".join([self.tag, *elements])


def to_segment(span: SegmentSpan, delimiters: Delimiters, encoding: str) -> Segment:
    parts = split_released(span.text, delimiters.element, delimiters.release)
    tag_parts = split_released(parts[0], delimiters.component, delimiters.release)
    tag = unescape(tag_parts[0], delimiters.release).strip()
    return Segment(
        tag=tag,
        raw_elements=tuple(parts[1:]),
        delimiters=delimiters,
        encoding=encoding,
        start=span.start,
        end=span.end,
    )


def tag_of(span: SegmentSpan, delimiters: Delimiters) -> str:
    """Return the segment tag: the text before the first element or component separator."""
    head = span.text.split(delimiters.element, 1)[0]
    return head.split(delimiters.component, 1)[0].strip()


def parse_segments(value: bytes, delimiters: Delimiters, encoding: str) -> list[Segment]:
    """Parse the bytes of a message (or any run of segments) into segments.

    Empty segments are skipped. ``segment.start`` and ``segment.end`` index
    ``value`` directly.
    """
    text = value.decode("latin-1")
    return [
        to_segment(span, delimiters, encoding)
        for span in iter_spans(text, 0, len(text), delimiters)
        if span.text.strip()
    ]
