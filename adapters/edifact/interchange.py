"""Walking one interchange, UNB to UNZ, into messages and unsplittable pieces.

The walk follows the service segments (UNB, UNG, UNH, UNT, UNE, UNZ) and
checks their counts and references. An "interchange" may also be a run of
messages with no UNB at all. Which defect is a quality flag and which makes a
piece unsplittable is listed in the module docstring of adapters.edifact.split.
"""

from dataclasses import dataclass, field

from adapters.edifact import headers as h
from adapters.edifact.segments import Segment, SegmentSpan, iter_spans, tag_of, to_segment
from adapters.edifact.syntax import Delimiters, interchange_tag
from canonical.errors import ErrorCode

INTERCHANGE_STARTS = ("UNA", "UNB")


@dataclass(slots=True)
class Piece:
    """A run of input bytes that becomes one raw record: a message or an error."""

    start: int
    end: int
    delimiters: Delimiters
    una: bool = False
    unb: Segment | None = None
    ung: Segment | None = None
    unh: Segment | None = None
    bgm: Segment | None = None
    preamble: str = ""
    flags: list[str] = field(default_factory=list)
    error_code: ErrorCode | None = None
    error_message: str | None = None

    def add_flag(self, flag: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)


@dataclass(slots=True)
class _OpenMessage:
    unh: Segment
    start: int
    end: int
    segment_count: int = 1
    bgm: Segment | None = None


@dataclass(slots=True)
class _OpenGroup:
    ung: Segment
    messages: list[Piece] = field(default_factory=list)


def same_reference(first: str, second: str) -> bool:
    """Compare control references as integers when both are digits, else as stripped text."""
    first, second = first.strip(), second.strip()
    if first.isdigit() and second.isdigit():
        return int(first) == int(second)
    return first == second


class InterchangeWalker:
    """Collect the pieces of the interchange whose first segment after any UNA is at ``start``.

    ``walk`` returns the pieces and the offset where the next top-level read
    starts: after the UNZ terminator, at a UNA or UNB that arrives before the
    UNZ, or at the end of the text. ``encoding`` decodes envelope values.
    """

    def __init__(
        self,
        text: str,
        start: int,
        delimiters: Delimiters,
        *,
        una: bool,
        preamble: str,
        encoding: str,
    ) -> None:
        self.text = text
        self.start = start
        self.delimiters = delimiters
        self.una = una
        self.preamble = preamble
        self.encoding = encoding
        self.pieces: list[Piece] = []
        self.unb: Segment | None = None
        self.group: _OpenGroup | None = None
        self.groups_seen = 0
        self.message: _OpenMessage | None = None
        self.stray: list[SegmentSpan] = []
        self.segments_seen = 0

    def walk(self) -> tuple[list[Piece], int]:
        for span in iter_spans(self.text, self.start, len(self.text), self.delimiters):
            tag = interchange_tag(span.text) or tag_of(span, self.delimiters)
            if not tag:
                continue
            self.segments_seen += 1
            if self.message is not None and self._continue_message(span, tag):
                continue
            if tag in INTERCHANGE_STARTS and not (tag == "UNB" and self._accepts_unb()):
                self._finish_interchange(None)
                return self.pieces, span.start
            if tag == "UNZ":
                self._finish_interchange(self._segment(span))
                return self.pieces, span.end
            self._handle_outside_message(span, tag)
        self._finish_interchange(None)
        return self.pieces, len(self.text)

    def _accepts_unb(self) -> bool:
        return self.unb is None and self.segments_seen == 1

    def _segment(self, span: SegmentSpan) -> Segment:
        return to_segment(span, self.delimiters, self.encoding)

    def _continue_message(self, span: SegmentSpan, tag: str) -> bool:
        """Add a segment to the open message. Return False when it ends without a UNT."""
        message = self.message
        assert message is not None
        if tag == "UNT":
            message.segment_count += 1
            message.end = span.end
            self._close_message(self._segment(span), span.terminated)
            return True
        if tag in ("UNH", "UNG", "UNE", "UNZ", "UNA", "UNB"):
            self._abandon_message(f"found {tag} at byte {span.start} before the UNT segment")
            return False
        message.segment_count += 1
        message.end = span.end
        if tag == "BGM" and message.bgm is None:
            message.bgm = self._segment(span)
        return True

    def _handle_outside_message(self, span: SegmentSpan, tag: str) -> None:
        if tag == "UNB":
            self.unb = self._segment(span)
        elif tag == "UNH":
            self._flush_stray()
            self.message = _OpenMessage(unh=self._segment(span), start=span.start, end=span.end)
        elif tag == "UNG":
            self._flush_stray()
            self._close_group(None)
            self.group = _OpenGroup(ung=self._segment(span))
            self.groups_seen += 1
        elif tag == "UNE" and self.group is not None:
            self._flush_stray()
            self._close_group(self._segment(span))
        else:
            self.stray.append(span)

    def _new_piece(self, start: int, end: int, **fields) -> Piece:
        return Piece(
            start=start,
            end=end,
            delimiters=self.delimiters,
            una=self.una,
            unb=self.unb,
            ung=self.group.ung if self.group else None,
            preamble=self.preamble,
            **fields,
        )

    def _close_message(self, unt: Segment, terminated: bool) -> None:
        message = self.message
        assert message is not None
        self.message = None
        piece = self._new_piece(message.start, message.end, unh=message.unh, bgm=message.bgm)
        declared = unt.component(1)
        if not declared.isdigit() or int(declared) != message.segment_count:
            piece.add_flag(h.FLAG_UNT_COUNT_MISMATCH)
        if not same_reference(message.unh.component(1), unt.component(2)):
            piece.add_flag(h.FLAG_UNT_REFERENCE_MISMATCH)
        if not terminated:
            piece.add_flag(h.FLAG_UNT_UNTERMINATED)
        self.pieces.append(piece)
        if self.group is not None:
            self.group.messages.append(piece)

    def _abandon_message(self, reason: str) -> None:
        message = self.message
        assert message is not None
        self.message = None
        reference = message.unh.component(1)
        self.pieces.append(
            self._new_piece(
                message.start,
                message.end,
                unh=message.unh,
                bgm=message.bgm,
                error_code=ErrorCode.EDIFACT_ENVELOPE_INVALID,
                error_message=(
                    f"message UNH01={reference!r} at byte {message.start} has no UNT segment: "
                    f"{reason}"
                ),
            )
        )

    def _close_group(self, une: Segment | None) -> None:
        group = self.group
        if group is None:
            return
        self.group = None
        for piece in group.messages:
            if une is None:
                piece.add_flag(h.FLAG_UNE_MISSING)
                continue
            declared = une.component(1)
            if not declared.isdigit() or int(declared) != len(group.messages):
                piece.add_flag(h.FLAG_UNE_COUNT_MISMATCH)
            if not same_reference(group.ung.component(5), une.component(2)):
                piece.add_flag(h.FLAG_UNE_REFERENCE_MISMATCH)

    def _flush_stray(self) -> None:
        if not self.stray:
            return
        first, last = self.stray[0], self.stray[-1]
        tags = sorted({tag_of(span, self.delimiters)[:3] for span in self.stray})
        self.stray = []
        self.pieces.append(
            self._new_piece(
                first.start,
                last.end,
                error_code=ErrorCode.EDIFACT_ENVELOPE_INVALID,
                error_message=(
                    f"unexpected data at byte {first.start} outside a message (segment tags "
                    f"{', '.join(repr(tag) for tag in tags)}): expected UNH, UNG, UNE or UNZ"
                ),
            )
        )

    def _finish_interchange(self, unz: Segment | None) -> None:
        if self.message is not None:
            self._abandon_message("the interchange ends before the UNT segment")
        self._flush_stray()
        self._close_group(None)
        messages = [piece for piece in self.pieces if piece.error_code is None]
        expected = self.groups_seen if self.groups_seen else len(messages)
        for piece in messages:
            if self.unb is None:
                piece.add_flag(h.FLAG_UNB_MISSING)
            elif unz is None:
                piece.add_flag(h.FLAG_UNZ_MISSING)
            else:
                declared = unz.component(1)
                if not declared.isdigit() or int(declared) != expected:
                    piece.add_flag(h.FLAG_UNZ_COUNT_MISMATCH)
                if not same_reference(self.unb.component(5), unz.component(2)):
                    piece.add_flag(h.FLAG_UNZ_REFERENCE_MISMATCH)
