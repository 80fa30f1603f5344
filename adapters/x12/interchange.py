"""Walking one interchange, ISA to IEA, into transaction sets and unsplittable pieces.

The walk follows the envelope segments (GS, ST, SE, GE, IEA) and checks their
counts and control numbers. Which defect is a quality flag and which makes a
piece unsplittable is listed in the module docstring of adapters.x12.split.
"""

from dataclasses import dataclass, field

from adapters.x12 import headers as h
from adapters.x12.delimiters import Delimiters, IsaHeader
from adapters.x12.segments import Segment, SegmentSpan, iter_spans, tag_of
from canonical.errors import ErrorCode

# Functional identifier (GS01) expected for each transaction set type (ST01).
FUNCTIONAL_IDS = {
    "810": "IN",
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "860": "PC",
    "865": "CA",
    "940": "OW",
    "943": "AR",
    "944": "RE",
    "945": "SW",
    "997": "FA",
}


@dataclass(slots=True)
class Piece:
    """A run of input bytes that becomes one raw record: a transaction set or an error."""

    start: int
    end: int
    isa: IsaHeader | None = None
    gs: Segment | None = None
    st: Segment | None = None
    flags: list[str] = field(default_factory=list)
    error_code: ErrorCode | None = None
    error_message: str | None = None

    def add_flag(self, flag: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)


@dataclass(slots=True)
class _OpenSet:
    st: Segment
    start: int
    end: int
    segment_count: int = 1
    outside_group: bool = False


@dataclass(slots=True)
class _OpenGroup:
    gs: Segment
    sets: list[Piece] = field(default_factory=list)


def to_segment(span: SegmentSpan, delimiters: Delimiters) -> Segment:
    parts = span.text.split(delimiters.element)
    return Segment(
        tag=parts[0],
        elements=tuple(parts[1:]),
        delimiters=delimiters,
        start=span.start,
        end=span.end,
    )


def starts_interchange(segment_text: str) -> bool:
    """Return whether a segment is an ISA header, whatever element separator it declares.

    A new interchange may use other delimiters than the current one, so the tag
    cannot be found by splitting on the current element separator.
    """
    if not segment_text.startswith("ISA"):
        return False
    return len(segment_text) == 3 or not (segment_text[3].isalnum() or segment_text[3] == " ")


def same_control_number(first: str, second: str) -> bool:
    """Compare control numbers as integers when both are digits, else as stripped text.

    ``000003438`` and ``3438`` are the same control number written with and
    without the zero padding that ISA13 requires.
    """
    first, second = first.strip(), second.strip()
    if first.isdigit() and second.isdigit():
        return int(first) == int(second)
    return first == second


class InterchangeWalker:
    """Collect the pieces of the interchange whose ISA is ``isa``.

    ``walk`` returns the pieces and the offset where the next top-level read
    starts: after the IEA terminator, at a new ISA that arrives before the IEA,
    or at the end of the text.
    """

    def __init__(self, text: str, isa: IsaHeader) -> None:
        self.text = text
        self.isa = isa
        self.delimiters = isa.delimiters
        self.pieces: list[Piece] = []
        self.group: _OpenGroup | None = None
        self.groups_seen = 0
        self.open_set: _OpenSet | None = None
        self.stray: list[SegmentSpan] = []

    def walk(self) -> tuple[list[Piece], int]:
        for span in iter_spans(self.text, self.isa.end, len(self.text), self.delimiters):
            if not span.text:
                continue
            tag = "ISA" if starts_interchange(span.text) else tag_of(span.text, self.delimiters)
            if self.open_set is not None and self._continue_set(span, tag):
                continue
            if tag == "ISA":
                self._finish_interchange(None)
                return self.pieces, span.start
            if tag == "IEA":
                self._finish_interchange(to_segment(span, self.delimiters))
                return self.pieces, span.end
            self._handle_outside_set(span, tag)
        self._finish_interchange(None)
        return self.pieces, len(self.text)

    def _continue_set(self, span: SegmentSpan, tag: str) -> bool:
        """Add a segment to the open set. Return False when the set ends without an SE."""
        open_set = self.open_set
        assert open_set is not None
        if tag == "SE":
            open_set.segment_count += 1
            open_set.end = span.end
            self._close_set(to_segment(span, self.delimiters), span.terminated)
            return True
        if tag in ("ST", "GS", "GE", "IEA", "ISA"):
            self._abandon_set(f"found {tag} at byte {span.start} before the SE segment")
            return False
        open_set.segment_count += 1
        open_set.end = span.end
        return True

    def _handle_outside_set(self, span: SegmentSpan, tag: str) -> None:
        if tag == "ST":
            self._flush_stray()
            self.open_set = _OpenSet(
                st=to_segment(span, self.delimiters),
                start=span.start,
                end=span.end,
                outside_group=self.group is None,
            )
        elif tag == "GS":
            self._flush_stray()
            self._close_group(None)
            self.group = _OpenGroup(gs=to_segment(span, self.delimiters))
            self.groups_seen += 1
        elif tag == "GE" and self.group is not None:
            self._flush_stray()
            self._close_group(to_segment(span, self.delimiters))
        else:
            self.stray.append(span)

    def _close_set(self, se: Segment, terminated: bool) -> None:
        open_set = self.open_set
        assert open_set is not None
        self.open_set = None
        st = open_set.st

        piece = Piece(
            start=open_set.start,
            end=open_set.end,
            isa=self.isa,
            gs=self.group.gs if self.group else None,
            st=st,
        )
        if open_set.outside_group:
            piece.error_code = ErrorCode.X12_ENVELOPE_INVALID
            piece.error_message = (
                f"transaction set ST02={st.element(2)!r} at byte {open_set.start} is outside "
                f"a functional group: expected a GS segment before it"
            )
            self.pieces.append(piece)
            return

        declared = se.element(1).strip()
        if not declared.isdigit() or int(declared) != open_set.segment_count:
            piece.add_flag(h.FLAG_SE_COUNT_MISMATCH)
        if not same_control_number(st.element(2), se.element(2)):
            piece.add_flag(h.FLAG_SE_CONTROL_NUMBER_MISMATCH)
        if not terminated:
            piece.add_flag(h.FLAG_SE_UNTERMINATED)
        expected_gs01 = FUNCTIONAL_IDS.get(st.element(1).strip())
        if self.group and expected_gs01 and self.group.gs.element(1).strip() != expected_gs01:
            piece.add_flag(h.FLAG_GS01_MISMATCH)

        self.pieces.append(piece)
        if self.group is not None:
            self.group.sets.append(piece)

    def _abandon_set(self, reason: str) -> None:
        open_set = self.open_set
        assert open_set is not None
        self.open_set = None
        self.pieces.append(
            Piece(
                start=open_set.start,
                end=open_set.end,
                isa=self.isa,
                gs=self.group.gs if self.group else None,
                st=open_set.st,
                error_code=ErrorCode.X12_ENVELOPE_INVALID,
                error_message=(
                    f"transaction set ST02={open_set.st.element(2)!r} at byte {open_set.start} "
                    f"has no SE segment: {reason}"
                ),
            )
        )

    def _close_group(self, ge: Segment | None) -> None:
        group = self.group
        if group is None:
            return
        self.group = None
        for piece in group.sets:
            if ge is None:
                piece.add_flag(h.FLAG_GE_MISSING)
                continue
            declared = ge.element(1).strip()
            if not declared.isdigit() or int(declared) != len(group.sets):
                piece.add_flag(h.FLAG_GE_COUNT_MISMATCH)
            if not same_control_number(group.gs.element(6), ge.element(2)):
                piece.add_flag(h.FLAG_GE_CONTROL_NUMBER_MISMATCH)

    def _flush_stray(self) -> None:
        if not self.stray:
            return
        first, last = self.stray[0], self.stray[-1]
        tags = sorted({tag_of(span.text, self.delimiters)[:3] for span in self.stray})
        self.stray = []
        self.pieces.append(
            Piece(
                start=first.start,
                end=last.end,
                isa=self.isa,
                gs=self.group.gs if self.group else None,
                error_code=ErrorCode.X12_ENVELOPE_INVALID,
                error_message=(
                    f"unexpected data at byte {first.start} outside a transaction set "
                    f"(segment tags {', '.join(repr(tag) for tag in tags)}): expected ST, GS, "
                    f"GE or IEA"
                ),
            )
        )

    def _finish_interchange(self, iea: Segment | None) -> None:
        if self.open_set is not None:
            self._abandon_set("the interchange ends before the SE segment")
        self._flush_stray()
        self._close_group(None)
        interchange_sets = [piece for piece in self.pieces if piece.error_code is None]
        for piece in interchange_sets:
            if iea is None:
                piece.add_flag(h.FLAG_IEA_MISSING)
                continue
            declared = iea.element(1).strip()
            if not declared.isdigit() or int(declared) != self.groups_seen:
                piece.add_flag(h.FLAG_IEA_COUNT_MISMATCH)
            if not same_control_number(self.isa.element(13), iea.element(2)):
                piece.add_flag(h.FLAG_IEA_CONTROL_NUMBER_MISMATCH)
