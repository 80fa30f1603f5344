"""`scmflow normalize`: exit codes, output lines and format detection."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scmflow.preview import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, detect_format, run_preview

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "x12"
SCMFLOW = Path(sys.executable).parent / "scmflow"


def preview(paths: list[Path | str], fmt: str = "auto") -> tuple[int, list[str], list[str]]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_preview([str(path) for path in paths], fmt, stdout, stderr)
    return code, stdout.getvalue().splitlines(), stderr.getvalue().splitlines()


def test_good_file_exits_zero():
    code, out, err = preview([SAMPLES / "asn-acme-0001.edi"])

    assert code == EXIT_OK
    assert err == []
    [line] = out
    event = json.loads(line)
    assert event["envelope"]["entity_id"] == "ACMEDIST:ACME-SH-250312-01"
    assert event["payload"]["shipment_id"] == "ACME-SH-250312-01"


def test_resend_has_same_idempotency_key():
    code, out, _ = preview([SAMPLES / "asn-acme-0001.edi", SAMPLES / "asn-acme-0001-resend.edi"])
    first, second = (json.loads(line)["envelope"] for line in out)

    assert code == EXIT_OK
    assert first["idempotency_key"] == second["idempotency_key"]
    assert first["event_id"] != second["event_id"]
    assert [first["provenance"]["raw_offset"], second["provenance"]["raw_offset"]] == [0, 1]


def test_rejections_exit_one():
    code, out, err = preview([SAMPLES / "asn-broken.edi"])

    assert code == EXIT_REJECTED
    assert len(out) == 1
    assert err == [
        "rejected file=asn-broken.edi set=0102 code=MAPPING_MISSING field=HL[5].SN103 "
        "message=unit code 'BD' is not in x12-units version 1; add it to the table and replay "
        "the record",
        "rejected file=asn-broken.edi set=0103 code=X12_SEGMENT_MISSING field=BSN "
        "message=the ship notice has no BSN segment before its first HL",
    ]


def test_truncated_file_rejected():
    code, out, err = preview([SAMPLES / "asn-truncated.edi"])

    assert code == EXIT_REJECTED
    assert out == []
    [line] = err
    assert line.startswith("rejected file=asn-truncated.edi set=0111 code=X12_ENVELOPE_INVALID")


def test_rejection_without_set_uses_dash(tmp_path):
    path = tmp_path / "notes.edi"
    path.write_bytes(b"hello\nworld\n")
    code, _, err = preview([path], fmt="x12")

    assert code == EXIT_REJECTED
    assert err[0].startswith("rejected file=notes.edi set=- code=X12_INTERCHANGE_INVALID field=-")
    assert len(err) == 1


def test_missing_file_exits_two(tmp_path):
    code, out, err = preview([tmp_path / "absent.edi"])

    assert code == EXIT_USAGE
    assert out == []
    assert "cannot read" in err[0]


def test_unreadable_file_does_not_stop_others(tmp_path):
    code, out, err = preview([tmp_path / "absent.edi", SAMPLES / "asn-acme-0002.edi"])

    assert code == EXIT_USAGE
    assert len(out) == 1
    assert len(err) == 1


def test_unknown_format_exits_two():
    code, out, err = preview([SAMPLES / "asn-acme-0001.edi"], fmt="csv")

    assert code == EXIT_USAGE
    assert out == []
    assert "unknown format 'csv'" in err[0]


def test_undetected_format_exits_two(tmp_path):
    path = tmp_path / "order.json"
    path.write_text('{"id": 1}')
    code, _, err = preview([path])

    assert code == EXIT_USAGE
    assert "--format x12" in err[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"ISA*00*", "x12"),
        (b"\xef\xbb\xbf\r\n  ISA|00|", "x12"),
        (b"UNA:+.? 'UNB+UNOC", "edifact"),
        (b"", None),
    ],
)
def test_detect_format(data, expected):
    assert detect_format(data) == expected


@pytest.mark.skipif(not (ROOT / "scmflow" / "cli.py").exists(), reason="scmflow/cli.py not present")
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([str(SAMPLES / "asn-acme-0001.edi")], 0),
        ([str(SAMPLES / "asn-broken.edi")], 1),
        (["--format", "x12", str(SAMPLES / "asn-truncated.edi")], 1),
        ([str(SAMPLES / "absent.edi")], 2),
        (["--format", "csv", str(SAMPLES / "asn-acme-0001.edi")], 2),
    ],
    ids=["good", "broken", "truncated", "missing", "bad-format"],
)
def test_cli_exit_codes(arguments, expected):
    completed = subprocess.run(
        [str(SCMFLOW), "normalize", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )

    assert completed.returncode == expected, completed.stderr


@pytest.mark.skipif(not (ROOT / "scmflow" / "cli.py").exists(), reason="scmflow/cli.py not present")
def test_cli_help_describes_exit_codes():
    completed = subprocess.run(
        [str(SCMFLOW), "normalize", "--help"], capture_output=True, text=True, timeout=60
    )

    assert completed.returncode == 0
    assert "--format" in completed.stdout
    assert "Exit status" in completed.stdout
