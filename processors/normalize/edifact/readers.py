"""Readers shared by the EDIFACT normalizers: segment groups, references, parties, products.

EDIFACT messages are flat lists of segments. A segment group is the run of
segments from its trigger segment (such as LIN) up to the next trigger or the
summary section.
"""

from adapters.edifact import Segment
from canonical.common import Party, ProductId, Reference

SUMMARY_TAGS = ("UNS", "CNT", "UNT")
"""Segments that end the detail section of a message."""


def first(segments: list[Segment], tag: str, qualifier: str | None = None) -> Segment | None:
    """Return the first segment with ``tag`` (and first component of element 1 = ``qualifier``)."""
    for segment in segments:
        if segment.tag == tag and (qualifier is None or segment.component(1) == qualifier):
            return segment
    return None


def header_segments(
    body: list[Segment], triggers: tuple[str, ...] = ("LIN", "CPS", "CNI")
) -> list[Segment]:
    """Return the segments before the first line, packing or consignment group."""
    header = []
    for segment in body:
        if segment.tag in triggers or segment.tag in SUMMARY_TAGS:
            break
        header.append(segment)
    return header


def groups(
    body: list[Segment], trigger: str, stop: tuple[str, ...] = SUMMARY_TAGS
) -> list[list[Segment]]:
    """Split the detail section into groups that each start at a ``trigger`` segment.

    A group ends at the next trigger or at a summary segment; segments before
    the first trigger are not part of any group.
    """
    found: list[list[Segment]] = []
    for segment in body:
        if segment.tag in stop:
            break
        if segment.tag == trigger:
            found.append([segment])
        elif found:
            found[-1].append(segment)
    return found


def references(segments: list[Segment]) -> list[Reference]:
    """Read RFF segments as qualifier (C506:1) and reference (C506:2)."""
    found = []
    for segment in segments:
        if segment.tag == "RFF" and segment.component(1) and segment.component(1, 2):
            found.append(Reference(qualifier=segment.component(1), value=segment.component(1, 2)))
    return found


def reference(segments: list[Segment], *qualifiers: str) -> str | None:
    for item in references(segments):
        if item.qualifier in qualifiers:
            return item.value
    return None


def parties(segments: list[Segment]) -> list[Party]:
    """Read NAD segments: role, party id (C082), name (C080 or C058), street and place."""
    found = []
    for segment in segments:
        if segment.tag != "NAD" or not segment.component(1):
            continue
        name = " ".join(part.strip() for part in segment.components(4) if part.strip())
        name = name or " ".join(part.strip() for part in segment.components(3) if part.strip())
        found.append(
            Party(
                role=segment.component(1),
                name=name or None,
                id_qualifier=segment.component(2, 3) or None,
                id=segment.component(2) or None,
                address_lines=[part.strip() for part in segment.components(5) if part.strip()],
                city=segment.component(6) or None,
                region=segment.component(7) or None,
                postal_code=segment.component(8) or None,
                country=segment.component(9) or None,
            )
        )
    return found


def party_id(segments: list[Segment], *roles: str) -> str | None:
    for party in parties(segments):
        if party.role in roles and party.id:
            return party.id
    return None


def product_ids(group: list[Segment]) -> list[ProductId]:
    """Read the item number of LIN (C212 in element 3) and every C212 of the PIA segments."""
    found = []
    for segment in group:
        if segment.tag == "LIN":
            positions = [3]
        elif segment.tag == "PIA":
            positions = list(range(2, len(segment.raw_elements) + 1))
        else:
            continue
        for position in positions:
            value = segment.component(position, 1)
            if value:
                qualifier = segment.component(position, 2) or segment.component(position, 4)
                found.append(ProductId(qualifier=qualifier or "", value=value))
    return found
