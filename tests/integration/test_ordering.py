"""Later records of a key whose earlier record was dead-lettered are parked until replay."""

import shutil
from pathlib import Path

import pytest
import yaml
from confluent_kafka import Producer
from x12_fixtures import ship_notice

from canonical.avro import decode
from processors.runtime.dlq import decode_headers

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    """A private copy of config/ that the normalizer reads, so a test can fix a table."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    monkeypatch.setenv("SCMFLOW_CONFIG_DIR", str(target))
    return target


def replay(pipeline, dead) -> None:
    """Re-publish a dead letter to its original topic as `scmflow dlq replay` does."""
    headers = decode_headers(dead.headers())
    origin = headers.get("scmflow.replay.origin") or ":".join(
        headers[f"scmflow.error.{name}"] for name in ("topic", "partition", "offset")
    )
    headers_out = [(k, v) for k, v in dead.headers() if not k.startswith("scmflow.error.")]
    headers_out += [("scmflow.replay.count", b"1"), ("scmflow.replay.origin", origin.encode())]
    producer = Producer({"bootstrap.servers": pipeline.bootstrap})
    producer.produce(
        headers["scmflow.error.topic"],
        key=dead.key(),
        value=dead.value(),
        headers=headers_out,
        partition=int(headers["scmflow.error.partition"]),
    )
    assert producer.flush(30) == 0


def test_later_record_parked_then_released(pipeline, config_copy):
    first = ship_notice("SH-5001", unit="Q9", quantity="10", control="000000501")
    second = ship_notice("SH-5001", quantity="12", purpose="05", control="000000502")
    other = ship_notice("SH-5002", control="000000503")
    pipeline.ingest_x12(first.encode())
    pipeline.ingest_x12(second.encode())
    pipeline.ingest_x12(other.encode())
    pipeline.drain()

    dead = pipeline.records("dlq.normalize")
    codes = [decode_headers(r.headers())["scmflow.error.code"] for r in dead]
    assert codes == ["MAPPING_MISSING", "ENTITY_PARKED"]
    shipped = [
        decode(r.value()).payload.shipment_id for r in pipeline.records("canonical.shipment")
    ]
    assert shipped == ["SH-5002"]

    _add_unit(config_copy / "mappings" / "units.yaml", "Q9", "C62")
    for record in dead:
        replay(pipeline, record)
    pipeline.drain()

    lines = [
        decode(r.value()).payload.lines[0].quantity_shipped.source_value
        for r in pipeline.records("canonical.shipment")
        if decode(r.value()).payload.shipment_id == "SH-5001"
    ]
    assert lines == ["10", "12"]
    assert len(pipeline.records("dlq.normalize")) == 2


def test_parked_record_replayed_first_is_parked_again(pipeline, config_copy):
    pipeline.ingest_x12(ship_notice("SH-5101", unit="Q9", control="000000511").encode())
    pipeline.ingest_x12(ship_notice("SH-5101", purpose="05", control="000000512").encode())
    pipeline.drain()
    failed, parked = pipeline.records("dlq.normalize")

    replay(pipeline, parked)
    pipeline.drain()

    dead = pipeline.records("dlq.normalize")
    assert [decode_headers(r.headers())["scmflow.error.code"] for r in dead] == [
        "MAPPING_MISSING",
        "ENTITY_PARKED",
        "ENTITY_PARKED",
    ]
    assert pipeline.records("canonical.shipment") == []


def _add_unit(path: Path, code: str, rec20: str) -> None:
    """Add a unit to the table under a new version, as an operator fixing it would."""
    document = yaml.safe_load(path.read_text())
    document["units"][code] = rec20
    document["version"] = str(int(document["version"]) + 1)
    path.write_text(yaml.safe_dump(document))
