"""`scmflow schemas compat | check | register`, run through their argparse parser."""

import argparse
import json
import socket
from pathlib import Path

import pytest

from canonical.catalog import SCHEMA_DIR
from canonical.registry import REGISTRY_URL_VARIABLE
from scmflow.schemas_cli import add_schemas_parser

SHIPMENT_SUBJECT = "canonical.shipment-value"


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="scmflow")
    add_schemas_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["schemas", *argv])
    code = args.handler(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(path: Path, schema: dict) -> Path:
    path.write_text(json.dumps(schema), "utf-8")
    return path


def record(*fields: dict, name: str = "R") -> dict:
    return {"type": "record", "name": name, "fields": list(fields)}


def shipment_v1() -> dict:
    return json.loads((SCHEMA_DIR / "shipment.v1.avsc").read_text("utf-8"))


def payload_fields(document: dict) -> list[dict]:
    payload = next(field for field in document["fields"] if field["name"] == "payload")
    return payload["type"]["fields"]


def schema_dir_with_v2(folder: Path, change) -> Path:
    """A schema folder with shipment v1 and a v2 made by ``change(document)``."""
    (folder / "shipment.v1.avsc").write_bytes((SCHEMA_DIR / "shipment.v1.avsc").read_bytes())
    document = shipment_v1()
    change(document)
    write(folder / "shipment.v2.avsc", document)
    return folder


def add_required_field(document: dict) -> None:
    payload_fields(document).append({"name": "incoterms", "type": "string"})


def narrow_quantity_scale(document: dict) -> None:
    gross_weight = next(f for f in payload_fields(document) if f["name"] == "gross_weight")
    quantity = gross_weight["type"][1]
    quantity["fields"][0]["type"]["scale"] = 4


def registrations(registry, subject: str) -> list[tuple[str, str]]:
    return [r for r in registry.state.requests if r == ("POST", f"/subjects/{subject}/versions")]


# compat


def test_compat_compatible(tmp_path, capsys):
    writer = write(tmp_path / "w.avsc", record({"name": "a", "type": "int"}))
    reader = write(tmp_path / "r.avsc", record({"name": "a", "type": "long"}))
    code, out, _ = run(["compat", "--writer", str(writer), "--reader", str(reader)], capsys)
    assert code == 0
    assert out.startswith("compatible:")


def test_compat_prints_every_incompatibility(tmp_path, capsys):
    writer = write(tmp_path / "w.avsc", record({"name": "a", "type": "string"}))
    reader = write(tmp_path / "r.avsc", record({"name": "a", "type": "int"},
                                               {"name": "b", "type": "int"}))
    code, out, _ = run(["compat", "--writer", str(writer), "--reader", str(reader)], capsys)
    assert code == 1
    assert "error a: the writer's string cannot be read as int [type_mismatch]" in out
    assert "error b: " in out
    assert "incompatible:" in out


def test_compat_notes_standard_checker_difference(tmp_path, capsys):
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": 18}
    writer = write(tmp_path / "w.avsc", record({"name": "v", "type": decimal | {"scale": 6}}))
    reader = write(tmp_path / "r.avsc", record({"name": "v", "type": decimal | {"scale": 4}}))
    code, out, _ = run(["compat", "--writer", str(writer), "--reader", str(reader)], capsys)
    assert code == 1
    assert "decimal_mismatch" in out
    assert "avro.compatibility" in out
    assert "reports compatible" in out


def test_compat_warning_passes_unless_strict(tmp_path, capsys):
    millis = {"type": "long", "logicalType": "timestamp-millis"}
    micros = {"type": "long", "logicalType": "timestamp-micros"}
    writer = write(tmp_path / "w.avsc", record({"name": "t", "type": millis}))
    reader = write(tmp_path / "r.avsc", record({"name": "t", "type": micros}))
    argv = ["compat", "--writer", str(writer), "--reader", str(reader)]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "warning t: timestamp-millis values are read as timestamp-micros" in out
    strict_code, _, _ = run([*argv, "--strict"], capsys)
    assert strict_code == 1


def test_compat_invalid_default(tmp_path, capsys):
    writer = write(tmp_path / "w.avsc", record({"name": "s", "type": "string", "default": None}))
    reader = write(tmp_path / "r.avsc", record({"name": "s", "type": "string"}))
    code, _, err = run(["compat", "--writer", str(writer), "--reader", str(reader)], capsys)
    assert code == 2
    assert "w.avsc" in err
    assert "Default value" in err


def test_compat_missing_file(tmp_path, capsys):
    reader = write(tmp_path / "r.avsc", record())
    code, _, err = run(["compat", "--writer", str(tmp_path / "nope.avsc"),
                        "--reader", str(reader)], capsys)
    assert code == 2
    assert "cannot read" in err


def test_compat_not_json(tmp_path, capsys):
    writer = tmp_path / "w.avsc"
    writer.write_text("{not json", "utf-8")
    reader = write(tmp_path / "r.avsc", record())
    code, _, err = run(["compat", "--writer", str(writer), "--reader", str(reader)], capsys)
    assert code == 2
    assert "not valid JSON" in err


# check


def transitive_history(folder: Path) -> list[str]:
    f1 = {"name": "f1", "type": "string"}
    return [
        str(write(folder / "r.v1.avsc", record(f1))),
        str(write(folder / "r.v2.avsc", record(f1, {"name": "f2", "type": "string",
                                                    "default": ""}))),
        str(write(folder / "r.v3.avsc", record(f1, {"name": "f2", "type": "string"}))),
    ]


def test_check_project_schemas(capsys):
    code, out, _ = run(["check"], capsys)
    assert code == 0
    assert "compatible at BACKWARD_TRANSITIVE: 10 subjects checked" in out


def test_check_files_transitive_fails(tmp_path, capsys):
    code, out, _ = run(["check", *transitive_history(tmp_path)], capsys)
    assert code == 1
    assert "r.v1.avsc" in out
    assert "error f2:" in out


def test_check_files_backward_passes(tmp_path, capsys):
    code, _, _ = run(["check", "--level", "BACKWARD", *transitive_history(tmp_path)], capsys)
    assert code == 0


def test_check_schema_dir_every_version(tmp_path, capsys):
    schema_dir_with_v2(tmp_path, add_required_field)
    code, out, _ = run(["check", "--schema-dir", str(tmp_path)], capsys)
    assert code == 1
    assert "error payload.incoterms:" in out
    assert "incompatible at BACKWARD_TRANSITIVE: shipment" in out


def test_check_bad_file_name(tmp_path, capsys):
    write(tmp_path / "shipment-v1.avsc", record())
    code, _, err = run(["check", "--schema-dir", str(tmp_path)], capsys)
    assert code == 2
    assert "SUBJECT.vN.avsc" in err


def test_check_strict_fails_on_warning(tmp_path, capsys):
    first = write(tmp_path / "t.v1.avsc", record({"name": "t", "type": "long"}))
    second = write(tmp_path / "t.v2.avsc", record(
        {"name": "t", "type": {"type": "long", "logicalType": "timestamp-micros"}}))
    assert run(["check", str(first), str(second)], capsys)[0] == 0
    assert run(["check", "--strict", str(first), str(second)], capsys)[0] == 1


@pytest.mark.parametrize("action", ["compat", "check", "register"])
def test_every_action_has_help(action, capsys):
    with pytest.raises(SystemExit) as exited:
        run([action, "--help"], capsys)
    assert exited.value.code == 0
    assert "usage: scmflow schemas" in capsys.readouterr().out


# register


def test_register_every_subject(registry, capsys):
    code, out, _ = run(["register", "--url", registry.url], capsys)
    assert code == 0
    assert len(registry.state.subjects) == 10
    assert registry.state.subjects[SHIPMENT_SUBJECT] == [10]
    assert f"{SHIPMENT_SUBJECT}: registered" in out


def test_register_twice_sends_nothing_new(registry, capsys):
    run(["register", "--url", registry.url, "shipment"], capsys)
    code, out, _ = run(["register", "--url", registry.url, "shipment"], capsys)
    assert code == 0
    assert "up to date" in out
    assert len(registrations(registry, SHIPMENT_SUBJECT)) == 1


def test_register_uses_environment_url(registry, capsys, monkeypatch):
    monkeypatch.setenv(REGISTRY_URL_VARIABLE, registry.url)
    code, _, _ = run(["register", "product"], capsys)
    assert code == 0
    assert list(registry.state.subjects) == ["canonical.product-value"]


def test_register_rejects_incompatible_before_sending(tmp_path, registry, capsys):
    # The registry's own checker ignores decimal scale and would accept this v2.
    schema_dir = schema_dir_with_v2(tmp_path, narrow_quantity_scale)
    code, out, _ = run(["register", "--url", registry.url, "--schema-dir", str(schema_dir)], capsys)
    assert code == 1
    assert "not registered: " in out
    assert "decimal_mismatch" in out
    assert len(registry.state.subjects[SHIPMENT_SUBJECT]) == 1
    assert len(registrations(registry, SHIPMENT_SUBJECT)) == 1


def test_register_checks_at_subject_level(tmp_path, registry, capsys):
    # A required new field breaks BACKWARD but not FORWARD: old readers ignore it.
    schema_dir = schema_dir_with_v2(tmp_path, add_required_field)
    argv = ["register", "--url", registry.url, "--schema-dir", str(schema_dir)]
    registry.state.levels[SHIPMENT_SUBJECT] = "BACKWARD"
    assert run(argv, capsys)[0] == 1
    registry.state.levels[SHIPMENT_SUBJECT] = "FORWARD"
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "level FORWARD" in out
    assert len(registry.state.subjects[SHIPMENT_SUBJECT]) == 2


def test_register_rejects_changed_published_version(tmp_path, registry, capsys):
    def new_doc(document: dict) -> None:
        document["doc"] = "Version 2: the same fields."

    schema_dir = schema_dir_with_v2(tmp_path, new_doc)
    argv = ["register", "--url", registry.url, "--schema-dir", str(schema_dir)]
    assert run(argv, capsys)[0] == 0
    edited_v1 = shipment_v1()
    payload_fields(edited_v1).append(
        {"name": "incoterms", "type": ["null", "string"], "default": None}
    )
    write(schema_dir / "shipment.v1.avsc", edited_v1)
    code, out, _ = run(argv, capsys)
    assert code == 1
    assert "must not change" in out
    assert len(registry.state.subjects[SHIPMENT_SUBJECT]) == 2


def test_register_reports_registry_rejection(tmp_path, registry, capsys):
    # A relative alias resolves by the Avro specification, which this checker follows;
    # the registry here decides with avro.compatibility, which rejects it.
    def rename_with_relative_alias(document: dict) -> None:
        document["name"] = "ShipmentNotice"
        document["aliases"] = ["ShipmentEvent"]

    schema_dir = schema_dir_with_v2(tmp_path, rename_with_relative_alias)
    code, out, _ = run(["register", "--url", registry.url, "--schema-dir", str(schema_dir)], capsys)
    assert code == 1
    assert "rejected" in out
    assert len(registry.state.subjects[SHIPMENT_SUBJECT]) == 1


def test_register_without_url(capsys, monkeypatch):
    monkeypatch.delenv(REGISTRY_URL_VARIABLE, raising=False)
    code, _, err = run(["register"], capsys)
    assert code == 2
    assert REGISTRY_URL_VARIABLE in err


def test_register_unknown_subject(registry, capsys):
    code, _, err = run(["register", "--url", registry.url, "invoice"], capsys)
    assert code == 2
    assert "invoice" in err


def test_register_unreachable_registry(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = run(["register", "--url", f"http://127.0.0.1:{port}", "shipment"], capsys)
    assert code == 1
    assert "cannot reach" in err
