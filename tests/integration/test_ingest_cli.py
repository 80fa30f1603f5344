"""`scmflow ingest x12|edifact` publish raw records, and X12 acknowledgements, to the broker."""

import pytest
import yaml
from x12_fixtures import ship_notice

from scmflow.cli import main
from scmflow.settings import get_settings

pytestmark = pytest.mark.integration

DESADV = (
    "UNA:+.? 'UNB+UNOC:3+SENDERGLN:14+RECEIVERGLN:14+260301:1430+REF1'"
    "UNH+1+DESADV:D:96A:UN:EAN005'BGM+351+DN-77+9'DTM+137:20260301:102'"
    "UNT+4+1'UNZ+1+REF1'"
)


@pytest.fixture
def cli_env(pipeline_factory, tmp_path, monkeypatch, kafka_bootstrap):
    pipeline = pipeline_factory()
    topology_file = tmp_path / "topology.yaml"
    topology_file.write_text(yaml.safe_dump(pipeline.topology.model_dump(mode="json")))
    monkeypatch.setenv("SCMFLOW_TOPOLOGY_FILE", str(topology_file))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    get_settings.cache_clear()
    yield pipeline
    get_settings.cache_clear()


def test_ingest_x12_publishes_sets_and_ack(cli_env, tmp_path, capsys):
    path = tmp_path / "asn.edi"
    path.write_text(ship_notice("SH-CLI1"))

    assert main(["ingest", "x12", str(path)]) == 0

    assert len(cli_env.records("raw.x12")) == 1
    [ack] = cli_env.records("outbound.x12-ack")
    assert b"ST*997*" in ack.value()
    assert "1 of 1 records published" in capsys.readouterr().out


def test_ingest_edifact_publishes_messages(cli_env, tmp_path):
    path = tmp_path / "desadv.edi"
    path.write_text(DESADV)

    assert main(["ingest", "edifact", str(path)]) == 0

    [record] = cli_env.records("raw.edifact")
    assert b"DESADV" in record.value()


def test_ingest_unreadable_file_exits_two(cli_env, tmp_path):
    assert main(["ingest", "x12", str(tmp_path / "missing.edi")]) == 2
    assert cli_env.records("raw.x12") == []
