"""The CPS packing tree of a despatch advice, built from CPS01 (id) and CPS02 (parent).

Each CPS owns the segments that follow it up to the next CPS or the summary
section: PAC, MEA, PCI and GIN describe the package, and LIN groups list the
goods packed in it. Segment order does not define the tree. A CPS without a
parent and without PAC or GIN is the consignment itself (the shipment level);
every other CPS is a pack, identified by the SSCC of its first ``GIN+BJ``.
This mirrors the HL tree of an X12 856 (see processors.normalize.hierarchy).
"""

from dataclasses import dataclass, field

from adapters.edifact import Segment
from canonical.errors import ErrorCode, RecordError
from processors.normalize.edifact.readers import SUMMARY_TAGS

ORPHAN_FLAG_PREFIX = "edifact.cps_orphan:"
PACK_TAGS = ("PAC", "GIN")


@dataclass(slots=True)
class CpsNode:
    """One packing level and the segments of its group, CPS excluded."""

    cps_id: str
    parent_id: str | None
    level_code: str
    """CPS03, the packaging level code (7075: 1 inner, 2 intermediate, 3 outer)."""
    segments: list[Segment] = field(default_factory=list)

    def package_segments(self) -> list[Segment]:
        """Return the segments before the first LIN: the package's own description."""
        result = []
        for segment in self.segments:
            if segment.tag == "LIN":
                break
            result.append(segment)
        return result

    @property
    def is_pack(self) -> bool:
        own = self.package_segments()
        return self.parent_id is not None or any(item.tag in PACK_TAGS for item in own)


@dataclass(slots=True)
class Packing:
    """The packing levels of one despatch advice, and the segments outside them."""

    header: list[Segment]
    """Segments after UNH and before the first CPS (or LIN when there is no CPS)."""
    loose: list[Segment]
    """LIN groups that precede every CPS, in messages without packing levels."""
    nodes: dict[str, CpsNode]
    orphans: list[str]

    def parent(self, node: CpsNode) -> CpsNode | None:
        return self.nodes.get(node.parent_id) if node.parent_id is not None else None

    def nearest_pack(self, node: CpsNode) -> CpsNode | None:
        """Return ``node`` itself when it is a pack, else its nearest ancestor that is one."""
        current: CpsNode | None = node
        while current is not None:
            if current.is_pack:
                return current
            current = self.parent(current)
        return None

    def root_id(self) -> str | None:
        roots = [
            node for node in self.nodes.values() if node.parent_id is None and not node.is_pack
        ]
        return roots[0].cps_id if roots else None

    def flags(self) -> list[str]:
        return [f"{ORPHAN_FLAG_PREFIX}{cps_id}" for cps_id in self.orphans]


def build_packing(body: list[Segment]) -> Packing:
    """Group the message body by CPS and check the tree.

    Raises EDIFACT_HIERARCHY_INVALID when two CPS share an id or parents form
    a cycle, and EDIFACT_ELEMENT_INVALID when a CPS has no id. A CPS whose
    parent names no CPS heads a detached branch and is flagged, not rejected.
    """
    header: list[Segment] = []
    loose: list[Segment] = []
    nodes: dict[str, CpsNode] = {}
    current: CpsNode | None = None
    for segment in body:
        if segment.tag in SUMMARY_TAGS:
            break
        if segment.tag == "CPS":
            current = _read_cps(segment, ordinal=len(nodes) + 1)
            if current.cps_id in nodes:
                raise RecordError(
                    ErrorCode.EDIFACT_HIERARCHY_INVALID,
                    f"two CPS segments have the id {current.cps_id!r}; CPS01 must be unique",
                    field_path=f"CPS[{current.cps_id}].CPS01",
                )
            nodes[current.cps_id] = current
        elif current is not None:
            current.segments.append(segment)
        elif segment.tag == "LIN" or loose:
            loose.append(segment)
        else:
            header.append(segment)
    orphans = [
        node.cps_id
        for node in nodes.values()
        if node.parent_id is not None and node.parent_id not in nodes
    ]
    _reject_cycles(nodes)
    return Packing(header=header, loose=loose, nodes=nodes, orphans=orphans)


def _read_cps(segment: Segment, ordinal: int) -> CpsNode:
    cps_id = segment.component(1)
    if not cps_id:
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID,
            f"CPS number {ordinal} in the message has no hierarchical id (CPS01)",
            field_path=f"CPS#{ordinal}.CPS01",
        )
    return CpsNode(
        cps_id=cps_id, parent_id=segment.component(2) or None, level_code=segment.component(3)
    )


def _reject_cycles(nodes: dict[str, CpsNode]) -> None:
    settled: set[str] = set()
    for start in nodes.values():
        path: list[str] = []
        on_path: set[str] = set()
        node: CpsNode | None = start
        while node is not None and node.cps_id not in settled:
            if node.cps_id in on_path:
                cycle = " -> ".join([*path[path.index(node.cps_id) :], node.cps_id])
                raise RecordError(
                    ErrorCode.EDIFACT_HIERARCHY_INVALID,
                    f"CPS parents form a cycle: {cycle}",
                    field_path=f"CPS[{node.cps_id}].CPS02",
                )
            path.append(node.cps_id)
            on_path.add(node.cps_id)
            node = nodes.get(node.parent_id) if node.parent_id is not None else None
        settled.update(path)


def sscc_values(segments: list[Segment]) -> list[str]:
    """Return the SSCCs of ``GIN+BJ`` segments: each C208 start id, and its end id of a range."""
    found = []
    for segment in segments:
        if segment.tag != "GIN" or segment.component(1) != "BJ":
            continue
        for position in range(2, len(segment.raw_elements) + 1):
            for index in (1, 2):
                value = segment.component(position, index)
                if value:
                    found.append(value)
    return found
