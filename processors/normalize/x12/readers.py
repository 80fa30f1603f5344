"""Reading loops and common segments of X12 sets: parties, references, lines, qualified segments.

Parties and REF references are read as in the 856 normalizer, whose readers
are reused here so that every X12 set maps N1 loops the same way.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from adapters.x12 import Segment
from canonical.common import Party, ProductId, Reference
from processors.normalize.x12_856_levels import _parties, _product_ids, _references

PARTY_TAGS = ("N1", "N2", "N3", "N4")


@dataclass(frozen=True, slots=True)
class LineGroup:
    """The segments of one detail line: from its LX (or first line segment) to the next."""

    number: str
    """LX01, or the 1-based position of the line when the set has no LX."""
    segments: list[Segment]


def parties(segments: Iterable[Segment]) -> list[Party]:
    """Read the N1 loops (N1 to N4) among ``segments``."""
    return _parties(segments)


def party(segments: Iterable[Segment], *roles: str) -> Party | None:
    """Return the first party whose N101 is one of ``roles``, in the order of ``roles``."""
    found = parties(segments)
    for role in roles:
        for item in found:
            if item.role == role:
                return item
    return None


def party_id(segments: Iterable[Segment], *roles: str) -> str | None:
    """Return the N104 id of the first party with one of ``roles`` that has an id."""
    found = parties(segments)
    for role in roles:
        for item in found:
            if item.role == role and item.id:
                return item.id
    return None


def references(segments: Iterable[Segment]) -> list[Reference]:
    """Read REF and N9 segments as qualifier (element 1) and value (element 2, else 3)."""
    segments = list(segments)
    found = list(_references(segments))
    for segment in segments:
        if segment.tag != "N9":
            continue
        qualifier = segment.element(1).strip()
        value = segment.element(2).strip() or segment.element(3).strip()
        if qualifier and value:
            found.append(Reference(qualifier=qualifier, value=value))
    return found


def qualified(segments: Iterable[Segment], tag: str, *qualifiers: str) -> Segment | None:
    """Return the first ``tag`` segment whose element 1 is one of ``qualifiers``, in their order."""
    candidates = [segment for segment in segments if segment.tag == tag]
    for qualifier in qualifiers:
        for segment in candidates:
            if segment.element(1).strip() == qualifier:
                return segment
    return None


def product_id_pairs(segment: Segment, positions: Iterable[int]) -> list[ProductId]:
    """Read the qualifier and value pairs starting at ``positions`` (qualifier first)."""
    found = []
    for position in positions:
        qualifier = segment.element(position).strip()
        value = segment.element(position + 1).strip()
        if qualifier and value:
            found.append(ProductId(qualifier=qualifier, value=value))
    return found


def lin_product_ids(lin: Segment) -> list[ProductId]:
    """Read LIN02/LIN03, LIN04/LIN05, ... as qualifier and value pairs."""
    return _product_ids(lin)


def split_lines(
    body: list[Segment], line_tag: str, *, stop_tags: tuple[str, ...] = ()
) -> tuple[list[Segment], list[LineGroup]]:
    """Split a body into header segments and line groups.

    A line starts at an LX segment, or at ``line_tag`` when that segment is
    not already part of an LX line that has no ``line_tag`` yet. A segment in
    ``stop_tags`` (a summary such as CTT or W76) ends the detail section.
    Lines without the ``line_tag`` segment are kept, so the caller can
    reject them with a field path.
    """
    header: list[Segment] = []
    lines: list[LineGroup] = []
    open_lx_without_line = False
    for segment in body:
        if segment.tag in stop_tags:
            break
        if segment.tag == "LX":
            number = segment.element(1).strip() or str(len(lines) + 1)
            lines.append(LineGroup(number=number, segments=[segment]))
            open_lx_without_line = True
        elif segment.tag == line_tag and not open_lx_without_line:
            lines.append(LineGroup(number=str(len(lines) + 1), segments=[segment]))
        elif lines:
            lines[-1].segments.append(segment)
            if segment.tag == line_tag:
                open_lx_without_line = False
        else:
            header.append(segment)
    return header, lines


def first(segments: Iterable[Segment], tag: str) -> Segment | None:
    for segment in segments:
        if segment.tag == tag:
            return segment
    return None
