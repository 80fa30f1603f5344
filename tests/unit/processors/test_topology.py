"""Loading and validating topology.yaml, and matching fan-out routes."""

from pathlib import Path

import pytest
import yaml

from processors.topology import Route, TopologyError, load_topology

ROOT = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def base_document() -> dict:
    return yaml.safe_load((ROOT / "topology.yaml").read_text())


def test_project_topology_loads():
    topology = load_topology(ROOT / "topology.yaml")
    names = {spec.name for spec in topology.topic_specs()}
    assert {"raw.x12", "normalized.shipment", "canonical.shipment", "dlq.normalize"} <= names
    assert "dlq.dedupe" in names
    assert "dlq.fanout" in names


def test_one_canonical_topic_per_entity():
    topology = load_topology(ROOT / "topology.yaml")
    names = {spec.name for spec in topology.topic_specs()}
    for entity in topology.entities:
        assert f"canonical.{entity}" in names


def test_override_changes_partitions(tmp_path):
    document = base_document()
    document["overrides"] = {"raw.x12": {"partitions": 6, "config": {"retention.ms": "1000"}}}
    topology = load_topology(write(tmp_path, document))
    spec = next(spec for spec in topology.topic_specs() if spec.name == "raw.x12")
    assert spec.partitions == 6
    assert spec.config["retention.ms"] == "1000"
    assert spec.config["cleanup.policy"] == "delete"


def test_missing_file_rejected(tmp_path):
    with pytest.raises(TopologyError, match="cannot read topology file"):
        load_topology(tmp_path / "absent.yaml")


def test_unknown_key_rejected(tmp_path):
    document = base_document()
    document["stages"]["normalize"]["outputs"] = "x"
    with pytest.raises(TopologyError, match="outputs"):
        load_topology(write(tmp_path, document))


def test_normalize_input_must_be_source(tmp_path):
    document = base_document()
    document["stages"]["normalize"]["inputs"].append("raw.unknown")
    with pytest.raises(TopologyError, match="raw.unknown"):
        load_topology(write(tmp_path, document))


def test_duplicate_route_names_rejected(tmp_path):
    document = base_document()
    document["routes"].append(dict(document["routes"][0]))
    with pytest.raises(TopologyError, match="unique"):
        load_topology(write(tmp_path, document))


def test_route_matches_value_and_list():
    route = Route(
        name="r", topic="t", when={"entity_type": "shipment", "event_type": ["a", "b"]}
    )
    assert route.matches({"entity_type": "shipment", "event_type": "b"})
    assert not route.matches({"entity_type": "shipment", "event_type": "c"})
    assert not route.matches({"entity_type": "receipt", "event_type": "a"})


def test_route_without_conditions_matches_everything():
    assert Route(name="all", topic="t").matches({"entity_type": "anything"})
