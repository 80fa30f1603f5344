"""`scmflow topics apply`: create the topics of topology.yaml and report drift."""

import time
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from processors.topology import TopicSpec, Topology

_TIMEOUT_S = 30.0


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drifted: dict[str, list[str]] = field(default_factory=dict)
    """Topic name to the differences found, such as ``partitions: 1, expected 3``."""


def apply_topics(topology: Topology, bootstrap_servers: str) -> ApplyReport:
    """Create missing topics; compare existing ones with their spec and report differences.

    Existing topics are never changed: a partition count or retention change
    on a live topic is an operator's decision.
    """
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    specs = {spec.name: spec for spec in topology.topic_specs()}
    metadata = admin.list_topics(timeout=_TIMEOUT_S)
    report = ApplyReport()

    missing = [spec for name, spec in specs.items() if name not in metadata.topics]
    if missing:
        futures = admin.create_topics(
            [
                NewTopic(
                    spec.name,
                    num_partitions=spec.partitions,
                    replication_factor=spec.replication_factor,
                    config=spec.config,
                )
                for spec in missing
            ],
            operation_timeout=_TIMEOUT_S,
        )
        for name, future in futures.items():
            try:
                future.result()
                report.created.append(name)
            except KafkaException as exc:
                if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                    raise
                report.unchanged.append(name)

    if report.created:
        _wait_for_leaders(admin, report.created)

    existing = [spec for name, spec in specs.items() if name in metadata.topics]
    configs = _describe_configs(admin, [spec.name for spec in existing])
    for spec in existing:
        differences = _differences(
            spec, len(metadata.topics[spec.name].partitions), configs[spec.name]
        )
        if differences:
            report.drifted[spec.name] = differences
        else:
            report.unchanged.append(spec.name)
    report.created.sort()
    report.unchanged.sort()
    return report


def _wait_for_leaders(admin: AdminClient, names: list[str]) -> None:
    """Wait until every partition of the new topics has a leader, so producers can write."""
    deadline = time.monotonic() + _TIMEOUT_S
    while time.monotonic() < deadline:
        topics = admin.list_topics(timeout=_TIMEOUT_S).topics
        ready = all(
            name in topics
            and topics[name].error is None
            and all(p.leader >= 0 for p in topics[name].partitions.values())
            for name in names
        )
        if ready:
            return
        time.sleep(0.2)
    raise TimeoutError(f"new topics have no partition leaders after {_TIMEOUT_S:.0f} s")


def _describe_configs(admin: AdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    if not names:
        return {}
    futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name) for name in names])
    result = {}
    for resource, future in futures.items():
        entries = future.result(timeout=_TIMEOUT_S)
        result[resource.name] = {key: entry.value for key, entry in entries.items()}
    return result


def _differences(spec: TopicSpec, partitions: int, actual: dict[str, str]) -> list[str]:
    differences = []
    if partitions != spec.partitions:
        differences.append(f"partitions: {partitions}, expected {spec.partitions}")
    for key, expected in sorted(spec.config.items()):
        if actual.get(key) != expected:
            differences.append(f"{key}: {actual.get(key)}, expected {expected}")
    return differences
