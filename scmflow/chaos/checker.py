"""Compare what the pipeline committed with what the generator sent.

Anomalies, as Jepsen's and Kafka's transaction checkers count them:

- lost: an expected event missing from the canonical topic;
- duplicates: extra copies of an event on the canonical topic;
- reordered: an entity's event read after a later event of the same entity;
- phantom: an event on the canonical topic that was never expected there;
- dlq_mismatch: dead letters that are not exactly the poison set, once each.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from canonical.avro import decode
from processors.runtime.dlq import H_CODE, decode_headers
from processors.topology import Topology
from scmflow.inspect import end_offsets, read_committed


@dataclass
class Expectation:
    events: set[tuple[str, int]] = field(default_factory=set)
    """(shipment id, sequence) of every event that must reach the canonical topic."""
    poison: set[str] = field(default_factory=set)
    """Shipment ids whose only event must be in the dead-letter topic."""


@dataclass
class Verdict:
    lost: int = 0
    duplicates: int = 0
    reordered: int = 0
    phantom: int = 0
    dlq_mismatch: int = 0
    canonical_records: int = 0
    dlq_records: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.lost or self.duplicates or self.reordered or self.phantom or self.dlq_mismatch
        )

    def line(self) -> str:
        return (
            f"lost={self.lost} duplicates={self.duplicates} reordered={self.reordered} "
            f"phantom={self.phantom} dlq_mismatch={self.dlq_mismatch}"
        )


def _read_all(bootstrap_servers: str, topics: list[str]):
    start = {tp: 0 for tp in end_offsets(bootstrap_servers, topics)}
    return read_committed(bootstrap_servers, start, timeout_s=300.0)


def verify(
    topology: Topology,
    bootstrap_servers: str,
    expectation: Expectation,
) -> Verdict:
    """Read the canonical and dead-letter topics from the start and count anomalies."""
    verdict = Verdict()
    seen: Counter[tuple[str, int]] = Counter()
    last_sequence: dict[str, int] = {}
    for message in _read_all(bootstrap_servers, [topology.canonical_topic("shipment")]):
        verdict.canonical_records += 1
        shipment = decode(message.value()).payload
        line = shipment.lines[0]
        event = (shipment.shipment_id, int(line.quantity_shipped.source_value))
        seen[event] += 1
        previous = last_sequence.get(event[0], 0)
        if event[1] < previous:
            verdict.reordered += 1
            verdict.examples.append(f"reordered: {event} after sequence {previous}")
        last_sequence[event[0]] = max(previous, event[1])

    for event in sorted(expectation.events - seen.keys()):
        verdict.lost += 1
        if len(verdict.examples) < 20:
            verdict.examples.append(f"lost: {event}")
    for event, count in seen.items():
        if count > 1:
            verdict.duplicates += count - 1
            if len(verdict.examples) < 20:
                verdict.examples.append(f"duplicate: {event} x{count}")
        if event not in expectation.events:
            verdict.phantom += 1
            if len(verdict.examples) < 20:
                verdict.examples.append(f"phantom: {event}")

    dlq_topics = [stage.dlq for stage in topology.stages.values()]
    dead: Counter[str] = Counter()
    codes: dict[str, set[str]] = defaultdict(set)
    for message in _read_all(bootstrap_servers, dlq_topics):
        verdict.dlq_records += 1
        shipment_id = (message.key() or b"").decode("utf-8", "replace").rsplit(":", 1)[-1]
        dead[shipment_id] += 1
        codes[shipment_id].add(decode_headers(message.headers()).get(H_CODE, "?"))
    for shipment_id in set(dead) | expectation.poison:
        if shipment_id not in expectation.poison:
            verdict.dlq_mismatch += dead[shipment_id]
            verdict.examples.append(
                f"unexpected dead letter: {shipment_id} {sorted(codes[shipment_id])}"
            )
        elif dead[shipment_id] != 1:
            verdict.dlq_mismatch += abs(dead[shipment_id] - 1)
            verdict.examples.append(f"poison {shipment_id} dead-lettered {dead[shipment_id]} times")
    return verdict
