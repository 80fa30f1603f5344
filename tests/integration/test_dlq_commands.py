"""`scmflow dlq list|show|replay` against the real broker, Redis and all three stages."""

import argparse
import io
import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from structlog.testing import capture_logs
from x12_fixtures import ship_notice

from canonical.avro import decode
from processors.normalize.reference_data import CONFIG_DIR, default_unit_table
from processors.runtime.dlq import decode_headers
from scmflow.dlq import (
    Selection,
    add_dlq_parser,
    replay_dead_letters,
    run_list,
    run_replay,
    run_show,
    summarize_stages,
)
from scmflow.inspect import end_offsets
from scmflow.settings import get_settings

pytestmark = pytest.mark.integration

ACTOR = "test-operator"


def dead_letters(pipeline, name: str = "dlq.normalize") -> list:
    return sorted(pipeline.records(name), key=lambda r: (r.partition(), r.offset()))


def dead_letter_for(pipeline, shipment_id: str):
    [record] = [r for r in dead_letters(pipeline) if shipment_id.encode() in (r.key() or b"")]
    return record


def dead_letter_with_code(pipeline, code: str):
    [record] = [
        r
        for r in dead_letters(pipeline)
        if decode_headers(r.headers())["scmflow.error.code"] == code
    ]
    return record


def header_row(output: str, name: str) -> list[str]:
    """Return the name and value columns of the table row for header ``name``."""
    [row] = [line.split() for line in output.splitlines() if line.split()[:1] == [name]]
    return row


def shipment_ids(pipeline) -> list[str]:
    return [decode(r.value()).payload.shipment_id for r in pipeline.records("canonical.shipment")]


@pytest.fixture
def failed_run(pipeline_factory):
    """A running pipeline after two MAPPING_MISSING, one X12_SEGMENT_MISSING and one good set."""
    pipeline = pipeline_factory()
    pipeline.start()
    pipeline.ingest_x12(ship_notice("SH-5001", unit="Q9", control="000000501").encode())
    pipeline.ingest_x12(ship_notice("SH-5002", unit="Q9", control="000000502").encode())
    pipeline.ingest_x12(ship_notice("SH-5003", with_bsn=False, control="000000503").encode())
    pipeline.ingest_x12(ship_notice("SH-5004", control="000000504").encode())
    pipeline.drain()
    assert len(dead_letters(pipeline)) == 3
    return pipeline


@pytest.fixture
def cli_env(failed_run, tmp_path, monkeypatch):
    """Settings that point the argparse handlers at the isolated topology and broker."""
    topology_file = tmp_path / "topology.yaml"
    topology_file.write_text(yaml.safe_dump(failed_run.topology.model_dump()), "utf-8")
    monkeypatch.setenv("SCMFLOW_TOPOLOGY_FILE", str(topology_file))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", failed_run.bootstrap)
    get_settings.cache_clear()
    yield failed_run
    get_settings.cache_clear()


@pytest.fixture
def config_copy(tmp_path, monkeypatch) -> Path:
    """A copy of config/ that the running stages read, so a test can change a table."""
    copy = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, copy)
    monkeypatch.setenv("SCMFLOW_CONFIG_DIR", str(copy))
    return copy


def add_unit(config: Path, code: str, target: str) -> None:
    """Add a unit code to the table under a new version, as an operator's fix does."""
    units_file = config / "mappings" / "units.yaml"
    document = yaml.safe_load(units_file.read_text("utf-8"))
    version = f"{document['version']}-{code.lower()}"
    document["version"] = version
    document["units"][code] = target
    units_file.write_text(yaml.safe_dump(document), "utf-8")

    # Workers reload a changed table file within a second. They share this
    # process's cache, so once this call returns the new version, theirs do too.
    deadline = time.monotonic() + 10
    while default_unit_table().version != version:
        assert time.monotonic() < deadline, "the unit table was not reloaded within 10 s"
        time.sleep(0.2)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scmflow")
    add_dlq_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


# list


def test_list_counts_per_code_and_source(failed_run):
    [summary] = summarize_stages(
        failed_run.topology, bootstrap_servers=failed_run.bootstrap, stages=["normalize"]
    )

    assert summary.topic == failed_run.topic("dlq.normalize")
    assert summary.records == 3
    assert summary.codes == {"MAPPING_MISSING": 2, "X12_SEGMENT_MISSING": 1}
    assert summary.sources == {"x12": 3}
    assert summary.ages["<1h"] == 3
    assert summary.oldest_failed_at <= summary.newest_failed_at


def test_list_json_covers_every_stage(failed_run):
    out = io.StringIO()
    status = run_list(
        failed_run.topology, bootstrap_servers=failed_run.bootstrap, as_json=True, out=out
    )

    assert status == 0
    stages = {entry["stage"]: entry for entry in json.loads(out.getvalue())["stages"]}
    assert sorted(stages) == ["dedupe", "fanout", "normalize"]
    assert stages["normalize"]["codes"] == {"MAPPING_MISSING": 2, "X12_SEGMENT_MISSING": 1}
    assert stages["normalize"]["code_ages"]["MAPPING_MISSING"]["<1h"] == 2
    assert stages["dedupe"]["records"] == 0
    assert stages["fanout"]["records"] == 0


def test_list_table_through_argparse(cli_env, capsys):
    status = run_cli(["dlq", "list", "--stage", "normalize"])

    output = capsys.readouterr().out
    assert status == 0
    assert cli_env.topic("dlq.normalize") in output
    assert "MAPPING_MISSING" in output
    assert "X12_SEGMENT_MISSING" in output
    assert "show one: scmflow dlq show --stage normalize --partition" in output


def test_list_unknown_stage_exits_2(failed_run):
    err = io.StringIO()
    status = run_list(
        failed_run.topology, bootstrap_servers=failed_run.bootstrap, stage="nope", err=err
    )

    assert status == 2
    assert "unknown stage 'nope'" in err.getvalue()


# show


def test_show_prints_error_headers(failed_run):
    dead = dead_letter_for(failed_run, "SH-5001")
    out = io.StringIO()

    status = run_show(
        failed_run.topology,
        bootstrap_servers=failed_run.bootstrap,
        stage="normalize",
        partition=dead.partition(),
        offset=dead.offset(),
        out=out,
    )

    output = out.getvalue()
    assert status == 0
    assert f"offset {dead.offset()}" in output
    assert header_row(output, "scmflow.error.code") == ["scmflow.error.code", "MAPPING_MISSING"]
    assert header_row(output, "scmflow.error.field_path")[1].endswith("SN103")
    assert header_row(output, "scmflow.error.topic")[1] == failed_run.topic("raw.x12")
    assert header_row(output, "scmflow.source") == ["scmflow.source", "x12"]
    assert "text (utf-8)" in output
    assert "BSN*00*SH-5001" in output


def test_show_raw_writes_value_bytes(failed_run):
    dead = dead_letter_with_code(failed_run, "X12_SEGMENT_MISSING")
    out = io.TextIOWrapper(io.BytesIO())

    status = run_show(
        failed_run.topology,
        bootstrap_servers=failed_run.bootstrap,
        stage="normalize",
        partition=dead.partition(),
        offset=dead.offset(),
        raw=True,
        out=out,
    )

    assert status == 0
    assert out.buffer.getvalue() == dead.value()


def test_show_offset_past_end_exits_1(failed_run):
    err = io.StringIO()
    status = run_show(
        failed_run.topology,
        bootstrap_servers=failed_run.bootstrap,
        stage="normalize",
        partition=0,
        offset=10_000,
        err=err,
    )

    assert status == 1
    assert "at or after the end offset" in err.getvalue()


def test_show_decodes_avro_and_binary_values(pipeline_factory):
    pipeline = pipeline_factory(
        routes=[{"name": "cancel-only", "topic": "unused", "when": {"event_type": "x"}}]
    )
    pipeline.start()
    pipeline.ingest_x12(ship_notice("SH-5101").encode())
    pipeline.produce_raw("normalized.shipment", b"\xc3\x01garbage!")
    pipeline.drain()
    [unrouted] = pipeline.records("dlq.fanout")
    [garbage] = pipeline.records("dlq.dedupe")

    avro_out = io.StringIO()
    run_show(
        pipeline.topology,
        bootstrap_servers=pipeline.bootstrap,
        stage="fanout",
        partition=unrouted.partition(),
        offset=unrouted.offset(),
        out=avro_out,
    )
    binary_out = io.StringIO()
    run_show(
        pipeline.topology,
        bootstrap_servers=pipeline.bootstrap,
        stage="dedupe",
        partition=garbage.partition(),
        offset=garbage.offset(),
        out=binary_out,
    )

    assert "Avro single-object record" in avro_out.getvalue()
    assert '"shipment_id": "SH-5101"' in avro_out.getvalue()
    assert "hex dump" in binary_out.getvalue()
    assert "c3 01 67 61 72 62 61 67 65 21" in binary_out.getvalue()


# replay


def test_dry_run_publishes_nothing(failed_run):
    raw_topic = failed_run.topic("raw.x12")
    before = end_offsets(failed_run.bootstrap, [raw_topic])

    def dry_run():
        return replay_dead_letters(
            failed_run.topology,
            "normalize",
            Selection(select_all=True),
            bootstrap_servers=failed_run.bootstrap,
            actor=ACTOR,
            dry_run=True,
            group_prefix=failed_run.prefix.rstrip("."),
        )

    report = dry_run()
    failed_run.drain()

    assert len(report.replayed) == 3
    assert report.codes == {"MAPPING_MISSING": 2, "X12_SEGMENT_MISSING": 1}
    assert report.failures == []
    assert end_offsets(failed_run.bootstrap, [raw_topic]) == before
    assert len(dead_letters(failed_run)) == 3
    assert dry_run().previous_progress == {}


def test_dry_run_through_argparse_lists_records(cli_env, capsys):
    status = run_cli(
        ["dlq", "replay", "--stage", "normalize", "--since", "1h"]
        + ["--code", "mapping_missing", "--dry-run"]
    )

    output = capsys.readouterr().out
    assert status == 0
    assert "dry run: would replay 2 records" in output
    assert "X12_SEGMENT_MISSING" not in output
    assert cli_env.topic("raw.x12") in output


def test_replay_filters_select_matching_records(failed_run):
    def selected(**filters) -> list[str]:
        report = replay_dead_letters(
            failed_run.topology,
            "normalize",
            Selection(select_all=True, **filters),
            bootstrap_servers=failed_run.bootstrap,
            actor=ACTOR,
            dry_run=True,
        )
        return sorted(record.key for record in report.replayed)

    entity = dead_letter_for(failed_run, "SH-5002").key().decode()
    assert selected(codes=frozenset({"X12_SEGMENT_MISSING"})) == [
        dead_letter_with_code(failed_run, "X12_SEGMENT_MISSING").key().decode()
    ]
    assert len(selected(codes=frozenset({"MAPPING_MISSING"}))) == 2
    assert selected(entity=entity) == [entity]
    assert len(selected(source="x12")) == 3
    assert len(selected(source=failed_run.topic("raw.x12"))) == 3
    assert selected(source="edifact") == []


def test_replay_offset_range_selects_one_partition(failed_run):
    dead = dead_letter_for(failed_run, "SH-5001")
    report = replay_dead_letters(
        failed_run.topology,
        "normalize",
        Selection(partition=dead.partition(), from_offset=dead.offset(), to_offset=dead.offset()),
        bootstrap_servers=failed_run.bootstrap,
        actor=ACTOR,
        dry_run=True,
    )

    assert [(r.partition, r.offset) for r in report.replayed] == [(dead.partition(), dead.offset())]


def test_replay_after_mapping_fix_yields_one_shipment(failed_run, config_copy):
    dead = dead_letter_for(failed_run, "SH-5001")
    [original] = [r for r in failed_run.records("raw.x12") if r.key() == dead.key()]
    assert "SH-5001" not in shipment_ids(failed_run)

    add_unit(config_copy, "Q9", "C62")

    selection = Selection(
        partition=dead.partition(), from_offset=dead.offset(), to_offset=dead.offset()
    )
    group_prefix = failed_run.prefix.rstrip(".")
    with capture_logs() as logs:
        first = replay_dead_letters(
            failed_run.topology,
            "normalize",
            selection,
            bootstrap_servers=failed_run.bootstrap,
            actor=ACTOR,
            group_prefix=group_prefix,
        )
    failed_run.drain()

    assert first.exit_status() == 0
    assert len(first.replayed) == 1
    assert shipment_ids(failed_run).count("SH-5001") == 1
    assert len(dead_letters(failed_run)) == 3
    assert first.committed_progress == {dead.partition(): dead.offset() + 1}
    [event] = [entry for entry in logs if entry["event"] == "dlq_replayed"]
    assert event["actor"] == ACTOR
    assert event["count"] == 1
    assert event["codes"] == {"MAPPING_MISSING": 1}
    assert event["replayed_ranges"] == {str(dead.partition()): [dead.offset(), dead.offset()]}

    [republished] = [
        r
        for r in failed_run.records("raw.x12")
        if r.key() == dead.key() and r.offset() != original.offset()
    ]
    headers = decode_headers(republished.headers())
    assert republished.value() == original.value()
    assert republished.partition() == original.partition()
    assert republished.timestamp() == original.timestamp()
    assert headers["scmflow.replay.count"] == "1"
    assert headers["scmflow.replay.by"] == ACTOR
    assert headers["scmflow.replay.origin"] == (
        f"{original.topic()}:{original.partition()}:{original.offset()}"
    )
    assert headers["scmflow.source"] == "x12"
    assert not [name for name in headers if name.startswith("scmflow.error.")]

    second = replay_dead_letters(
        failed_run.topology,
        "normalize",
        selection,
        bootstrap_servers=failed_run.bootstrap,
        actor=ACTOR,
        group_prefix=group_prefix,
    )
    failed_run.drain()

    assert len(second.replayed) == 1
    assert second.previous_progress == {dead.partition(): dead.offset() + 1}
    assert shipment_ids(failed_run).count("SH-5001") == 1
    assert len(failed_run.records("normalized.shipment")) == 3
    assert failed_run.stats("dedupe").duplicates == 1


def test_replay_entity_releases_parked_records(failed_run, config_copy):
    key = dead_letter_for(failed_run, "SH-5002").key().decode()
    replace_notice = ship_notice("SH-5002", unit="EA", purpose="05", control="000000512")
    failed_run.ingest_x12(replace_notice.encode())
    failed_run.drain()
    codes = [decode_headers(r.headers())["scmflow.error.code"] for r in dead_letters(failed_run)]
    assert codes.count("ENTITY_PARKED") == 1

    add_unit(config_copy, "Q9", "C62")
    report = replay_dead_letters(
        failed_run.topology,
        "normalize",
        Selection(select_all=True, entity=key),
        bootstrap_servers=failed_run.bootstrap,
        actor=ACTOR,
        group_prefix=failed_run.prefix.rstrip("."),
    )
    failed_run.drain()

    assert report.codes == {"MAPPING_MISSING": 1, "ENTITY_PARKED": 1}
    assert [record.code for record in report.replayed] == ["MAPPING_MISSING", "ENTITY_PARKED"]
    assert shipment_ids(failed_run).count("SH-5002") == 2
    assert len(dead_letters(failed_run)) == 4


def test_replay_without_fix_dead_letters_again(failed_run):
    before = {(r.partition(), r.offset()) for r in dead_letters(failed_run)}

    report = replay_dead_letters(
        failed_run.topology,
        "normalize",
        Selection(select_all=True, codes=frozenset({"MAPPING_MISSING"})),
        bootstrap_servers=failed_run.bootstrap,
        actor=ACTOR,
        rate=5,
        group_prefix=failed_run.prefix.rstrip("."),
    )
    failed_run.drain()

    assert report.exit_status() == 0
    assert len(report.replayed) == 2
    assert report.committed_progress == {p: end for p, (_, end) in report.read_ranges.items()}
    again = [r for r in dead_letters(failed_run) if (r.partition(), r.offset()) not in before]
    assert len(again) == 2
    for record in again:
        headers = decode_headers(record.headers())
        assert headers["scmflow.error.code"] == "MAPPING_MISSING"
        assert headers["scmflow.replay.count"] == "1"
        assert headers["scmflow.replay.by"] == ACTOR


def test_replay_unknown_stage_exits_2(failed_run, cli_env):
    err = io.StringIO()
    status = run_replay(
        failed_run.topology,
        bootstrap_servers=failed_run.bootstrap,
        stage="nope",
        selection=Selection(select_all=True),
        actor=ACTOR,
        err=err,
    )

    assert status == 2
    assert "unknown stage 'nope'" in err.getvalue()
    assert run_cli(["dlq", "replay", "--stage", "nope", "--all"]) == 2


def test_replay_without_selection_exits_2(cli_env, capsys):
    status = run_cli(["dlq", "replay", "--stage", "normalize", "--code", "MAPPING_MISSING"])

    assert status == 2
    assert "no selection given" in capsys.readouterr().err


def test_replay_unknown_partition_exits_2(cli_env, capsys):
    status = run_cli(
        ["dlq", "replay", "--stage", "normalize", "--partition", "99", "--from-offset", "0"]
    )

    assert status == 2
    assert "has no partition 99" in capsys.readouterr().err
