"""The segment tree of one IDoc, built from parent segment numbers (PSGNUM), not record order.

A data record whose PSGNUM names no segment of the IDoc is an orphan. The
orphan and every segment below it are left out of the tree and reported in
``orphans``, and the tree gets the flag ``idoc.parent_missing``: a missing
parent is a defect of that branch, not of the whole document, so the
normalizer maps the rest and the flag tells consumers that a branch was
dropped. Duplicate segment numbers and parent cycles make the tree
unreadable and raise TreeError.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from adapters.idoc.records import DataRecord, parse_data_record
from adapters.idoc.segments import base_name

FLAG_PARENT_MISSING = "idoc.parent_missing"


class TreeError(ValueError):
    """Data records that do not form a tree: a duplicate SEGNUM or a PSGNUM cycle."""


@dataclass(slots=True)
class Node:
    """One segment with its children, ordered by segment number."""

    record: DataRecord
    children: list["Node"] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The segment type, such as E1EDP01, also for an E2 definition name."""
        return base_name(self.record.name)

    def child(self, name: str) -> "Node | None":
        return next((node for node in self.children if node.name == name), None)

    def children_named(self, name: str) -> list["Node"]:
        return [node for node in self.children if node.name == name]

    def walk(self) -> Iterator["Node"]:
        """Yield this node and every node below it, depth first in segment number order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(slots=True)
class SegmentTree:
    """The top-level segments of an IDoc, and the records left out as orphans."""

    roots: list[Node]
    orphans: list[DataRecord]

    def flags(self) -> list[str]:
        return [FLAG_PARENT_MISSING] if self.orphans else []

    def walk(self) -> Iterator[Node]:
        for root in self.roots:
            yield from root.walk()

    def find(self, name: str) -> list[Node]:
        """Return every segment of type ``name`` in the tree, in depth-first order."""
        return [node for node in self.walk() if node.name == name]

    def first(self, name: str) -> Node | None:
        return next((node for node in self.walk() if node.name == name), None)


def build_tree(records: list[DataRecord]) -> SegmentTree:
    """Link the records by PSGNUM; raise TreeError for a duplicate SEGNUM or a cycle."""
    nodes: dict[int, Node] = {}
    for record in records:
        if record.number in nodes:
            first = nodes[record.number].record
            raise TreeError(
                f"segment number {record.number} is used twice: by {first.name} on line "
                f"{first.line_number} and by {record.name} on line {record.line_number}"
            )
        nodes[record.number] = Node(record)

    roots: list[Node] = []
    orphan_roots: list[Node] = []
    for number in sorted(nodes):
        node = nodes[number]
        parent_number = node.record.parent_number
        if parent_number == 0:
            roots.append(node)
        elif parent_number in nodes:
            nodes[parent_number].children.append(node)
        else:
            orphan_roots.append(node)

    reachable = {id(node) for root in roots for node in root.walk()}
    orphans = [node.record for root in orphan_roots for node in root.walk()]
    reachable.update(id(node) for root in orphan_roots for node in root.walk())
    unreachable = [node.record for node in nodes.values() if id(node) not in reachable]
    if unreachable:
        names = ", ".join(f"{record.name}#{record.number}" for record in unreachable[:5])
        raise TreeError(f"the parent segment numbers form a cycle through {names}")
    return SegmentTree(roots=roots, orphans=sorted(orphans, key=lambda record: record.number))


def parse_tree(lines: list[str], first_line_number: int = 2) -> SegmentTree:
    """Parse data record lines and build their tree (DataRecordError or TreeError on bad input)."""
    records = [
        parse_data_record(line, number)
        for number, line in enumerate(lines, first_line_number)
        if line.strip()
    ]
    return build_tree(records)
