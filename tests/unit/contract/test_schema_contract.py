"""The canonical contract: schemas/ against the models, the topology and both encodings."""

import io
import json
from pathlib import Path

import fastavro
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from contract_samples import sample_events
from model_schemas import differences, expanded, expected_schema

from canonical import EVENT_CLASSES, QuantityDiscrepancy
from canonical._datum import to_datum
from canonical.avro import decode, decode_record, encode
from canonical.catalog import SCHEMA_DIR, SchemaCatalog, default_catalog
from canonical.registry import RegistryCodec, value_subject
from canonical.schema_history import (
    DEFAULT_LEVEL,
    check_history,
    load_schema_file,
    subject_histories,
)
from processors.topology import load_topology

ROOT = Path(__file__).resolve().parents[3]
ENTITY_TYPES = sorted(EVENT_CLASSES)
SAMPLES = sample_events()
SHIPMENT_V1_FINGERPRINT = "39810fdb51f53fac"
"""CRC-64-AVRO of shipment.v1.avsc as first published; data already written carries it."""


def schema_json(entity_type: str) -> dict:
    return json.loads(default_catalog().latest(entity_type).path.read_text("utf-8"))


def named_definitions(node, found: dict[str, list]) -> dict[str, list]:
    """Collect every named type definition of a schema document by name."""
    if isinstance(node, dict):
        if node.get("type") in ("record", "enum", "fixed") and "name" in node:
            found.setdefault(node["name"], []).append(node)
        for value in node.values():
            named_definitions(value, found)
    elif isinstance(node, list):
        for value in node:
            named_definitions(value, found)
    return found


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.avsc")), ids=lambda path: path.name)
def test_schema_file_is_valid(path: Path):
    document = load_schema_file(path)
    assert document.version is not None


def test_every_version_passes_default_level():
    for subject, history in subject_histories(SCHEMA_DIR).items():
        for candidate, comparisons in check_history(history, DEFAULT_LEVEL):
            failing = [c for c in comparisons if c.failed(strict=True)]
            assert failing == [], f"{subject} v{candidate.version}"


def test_subjects_are_topology_entities():
    topology = load_topology(ROOT / "topology.yaml")
    assert default_catalog().subjects() == sorted(topology.entities)


def test_entity_types_are_subjects():
    assert ENTITY_TYPES == default_catalog().subjects()


def test_registry_subject_follows_canonical_topic():
    topology = load_topology(ROOT / "topology.yaml")
    for entity_type in ENTITY_TYPES:
        assert value_subject(entity_type) == f"{topology.canonical_topic(entity_type)}-value"


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_model_matches_latest_schema(entity_type: str):
    expected = expanded(expected_schema(EVENT_CLASSES[entity_type]))
    assert differences(expected, expanded(schema_json(entity_type))) == []


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_top_record_named_after_event_class(entity_type: str):
    version = default_catalog().latest(entity_type)
    assert version.record_name == f"scmflow.canonical.{EVENT_CLASSES[entity_type].__name__}"
    assert default_catalog().subject_of_record(version.record_name) == entity_type


def test_envelope_identical_in_every_schema():
    reference = named_definitions(schema_json("shipment"), {})["Envelope"]
    for entity_type in ENTITY_TYPES:
        assert named_definitions(schema_json(entity_type), {})["Envelope"] == reference


def test_shared_named_types_identical():
    definitions: dict[str, list] = {}
    for entity_type in ENTITY_TYPES:
        named_definitions(schema_json(entity_type), definitions)
    for name, copies in definitions.items():
        assert all(copy == copies[0] for copy in copies), name


def test_shipment_v1_fingerprint_unchanged():
    version = default_catalog().versions("shipment")[0]
    assert version.version == 1
    assert version.fingerprint.hex() == SHIPMENT_V1_FINGERPRINT


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_single_object_round_trip(entity_type: str):
    event = SAMPLES[entity_type]
    data = encode(event)
    decoded = decode(data)
    assert data[:2] == b"\xc3\x01"
    assert type(decoded) is EVENT_CLASSES[entity_type]
    assert decoded == event


@pytest.fixture
def registered(registry) -> RegistryCodec:
    """A codec for a registry that has the latest version of every subject."""
    client = SchemaRegistryClient({"url": registry.url})
    for entity_type in ENTITY_TYPES:
        version = default_catalog().latest(entity_type)
        client.register_schema(value_subject(entity_type), Schema(version.schema_str, "AVRO"))
    return RegistryCodec(client)


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_wire_format_round_trip(entity_type: str, registered: RegistryCodec):
    event = SAMPLES[entity_type]
    data = encode(event, registry=registered)
    decoded = decode(data, registry=registered)
    assert data[:1] == b"\x00"
    assert type(decoded) is EVENT_CLASSES[entity_type]
    assert decoded == event


def test_union_record_keeps_branch_single_object():
    decoded = decode(encode(SAMPLES["exception-event"]))
    assert type(decoded.payload.details) is QuantityDiscrepancy


def test_union_record_keeps_branch_wire_format(registered: RegistryCodec):
    decoded = decode(encode(SAMPLES["exception-event"], registry=registered), registry=registered)
    assert type(decoded.payload.details) is QuantityDiscrepancy


def test_untagged_union_record_comes_back_as_first_branch():
    # Why records in unions are tagged: untagged, fastavro writes the valid branch
    # with the most matching field names, the first one on a tie. Details that give
    # only the field both records share are written, and read back, as DelayDetails.
    schema = default_catalog().latest("exception-event").parsed
    datum = SAMPLES["exception-event"].model_dump(mode="python")
    datum["payload"]["details"] = {"reason_code": "SHORT"}
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, datum)
    buffer.seek(0)
    record = fastavro.schemaless_reader(buffer, schema, schema, return_record_name=True)
    assert record["payload"]["details"][0] == "scmflow.canonical.DelayDetails"


def test_union_record_written_with_its_name():
    datum = to_datum(SAMPLES["exception-event"], as_class=EVENT_CLASSES["exception-event"])
    name, fields = datum["payload"]["details"]
    assert name == "scmflow.canonical.QuantityDiscrepancy"
    assert fields["reason_code"] == "SHORT"


def write_shipment_v2(folder: Path) -> Path:
    """Copy shipment v1 into ``folder`` and add v2, whose payload gains a field with a default."""
    v1 = SCHEMA_DIR / "shipment.v1.avsc"
    (folder / v1.name).write_bytes(v1.read_bytes())
    document = json.loads(v1.read_text("utf-8"))
    document["doc"] = document["doc"].replace("Version 1.", "Version 2.")
    payload = next(field for field in document["fields"] if field["name"] == "payload")
    payload["type"]["fields"].append(
        {"name": "incoterms", "type": ["null", "string"], "default": None}
    )
    path = folder / "shipment.v2.avsc"
    path.write_text(json.dumps(document, indent=2), "utf-8")
    return path


def test_v2_passes_backward_transitive(tmp_path: Path):
    write_shipment_v2(tmp_path)
    (results,) = [check_history(h, DEFAULT_LEVEL) for h in subject_histories(tmp_path).values()]
    assert [c.failed() for _, comparisons in results for c in comparisons] == [False]


def test_v1_data_decodes_with_v2_reader(tmp_path: Path):
    write_shipment_v2(tmp_path)
    data = encode(SAMPLES["shipment"])
    record = decode_record(data, SchemaCatalog(tmp_path))
    assert record["payload"]["incoterms"] is None
    assert record["payload"]["shipment_id"] == SAMPLES["shipment"].payload.shipment_id


def test_v1_wire_format_decodes_with_v2_reader(tmp_path: Path, registry):
    write_shipment_v2(tmp_path)
    client = SchemaRegistryClient({"url": registry.url})
    v2_catalog = SchemaCatalog(tmp_path)
    for version in v2_catalog.versions("shipment"):
        client.register_schema(value_subject("shipment"), Schema(version.schema_str, "AVRO"))
    codec = RegistryCodec(client)
    data = encode(SAMPLES["shipment"], registry=codec)
    record = decode_record(data, v2_catalog, registry=codec)
    assert data[1:5] == (1).to_bytes(4, "big")
    assert record["payload"]["incoterms"] is None
    assert record["payload"]["shipment_id"] == SAMPLES["shipment"].payload.shipment_id
