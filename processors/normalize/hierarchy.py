"""The HL tree of an X12 ship notice, built from HL01 (id), HL02 (parent) and HL03 (level).

Segment order does not define the tree: partners send shipment-order-pack-item,
shipment-order-item-pack, tares above packs, or levels out of order. Each HL
owns the segments that follow it up to the next HL or the summary (CTT).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from adapters.x12 import Segment
from canonical.errors import ErrorCode, RecordError

SHIPMENT = "S"
ORDER = "O"
PACK = "P"
TARE = "T"
ITEM = "I"
PACK_LEVELS = (PACK, TARE)

SUMMARY_TAGS = ("CTT", "SE")
"""Segments that end the detail area of the set."""

ORPHAN_FLAG_PREFIX = "x12.hl_orphan:"


@dataclass(slots=True)
class HlNode:
    """One hierarchical level and the segments of its loop."""

    hl_id: str
    parent_id: str | None
    """HL02 as written, or None when empty."""
    level: str
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class Hierarchy:
    """The levels of one ship notice, in segment order, and the segments around them."""

    header: list[Segment]
    """Segments after ST and before the first HL, such as BSN and DTM."""
    nodes: dict[str, HlNode]
    shipment: HlNode
    orphans: list[str]
    """Ids of levels whose parent id names no level. Each heads a detached branch."""

    def parent(self, node: HlNode) -> HlNode | None:
        return self.nodes.get(node.parent_id) if node.parent_id is not None else None

    def ancestors(self, node: HlNode) -> Iterator[HlNode]:
        """Yield the parent, grandparent and so on, stopping at a root or a missing parent."""
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def nearest_ancestor(self, node: HlNode, levels: tuple[str, ...]) -> HlNode | None:
        return next((item for item in self.ancestors(node) if item.level in levels), None)

    def flags(self) -> list[str]:
        return [f"{ORPHAN_FLAG_PREFIX}{hl_id}" for hl_id in self.orphans]


def build_hierarchy(segments: list[Segment]) -> Hierarchy:
    """Group the set's segments by HL loop and check the tree.

    ``segments`` are the set's segments without ST. Raises
    X12_HIERARCHY_INVALID when there is no shipment level or more than one,
    when two levels share an id, or when parents form a cycle. Raises
    X12_ELEMENT_INVALID when an HL has no id or no level code.
    """
    header: list[Segment] = []
    nodes: dict[str, HlNode] = {}
    current: HlNode | None = None
    for segment in segments:
        if segment.tag in SUMMARY_TAGS:
            break
        if segment.tag != "HL":
            (current.segments if current is not None else header).append(segment)
            continue
        current = _read_hl(segment, ordinal=len(nodes) + 1)
        if current.hl_id in nodes:
            raise RecordError(
                ErrorCode.X12_HIERARCHY_INVALID,
                f"two HL segments have the id {current.hl_id!r}; HL01 must be unique",
                field_path=f"HL[{current.hl_id}].HL01",
            )
        nodes[current.hl_id] = current

    shipments = [node for node in nodes.values() if node.level == SHIPMENT]
    if len(shipments) != 1:
        found = ", ".join(node.hl_id for node in shipments) or "none"
        raise RecordError(
            ErrorCode.X12_HIERARCHY_INVALID,
            f"expected exactly one HL with level code S (shipment), found {found}",
            field_path="HL03",
        )
    orphans = [
        node.hl_id
        for node in nodes.values()
        if node.parent_id is not None and node.parent_id not in nodes
    ]
    _reject_cycles(nodes)
    return Hierarchy(header=header, nodes=nodes, shipment=shipments[0], orphans=orphans)


def _read_hl(segment: Segment, ordinal: int) -> HlNode:
    hl_id = segment.element(1).strip()
    if not hl_id:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"HL number {ordinal} in the set has no id (HL01)",
            field_path=f"HL#{ordinal}.HL01",
        )
    level = segment.element(3).strip()
    if not level:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"HL {hl_id!r} has no hierarchical level code (HL03)",
            field_path=f"HL[{hl_id}].HL03",
        )
    parent_id = segment.element(2).strip() or None
    return HlNode(hl_id=hl_id, parent_id=parent_id, level=level)


def _reject_cycles(nodes: dict[str, HlNode]) -> None:
    """Raise X12_HIERARCHY_INVALID if following parents from any level loops.

    Each level is visited once: a walk stops at a level already known to reach
    a root or a missing parent.
    """
    settled: set[str] = set()
    for start in nodes.values():
        path: list[str] = []
        on_path: set[str] = set()
        node: HlNode | None = start
        while node is not None and node.hl_id not in settled:
            if node.hl_id in on_path:
                cycle = " -> ".join([*path[path.index(node.hl_id) :], node.hl_id])
                raise RecordError(
                    ErrorCode.X12_HIERARCHY_INVALID,
                    f"HL parents form a cycle: {cycle}",
                    field_path=f"HL[{node.hl_id}].HL02",
                )
            path.append(node.hl_id)
            on_path.add(node.hl_id)
            node = nodes.get(node.parent_id) if node.parent_id is not None else None
        settled.update(path)
