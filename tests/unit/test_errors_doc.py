"""docs/errors.md lists every error code as canonical/errors.py defines it."""

from pathlib import Path

from canonical.errors import ErrorCode
from scmflow.errors_doc import render

ROOT = Path(__file__).resolve().parents[2]


def test_errors_doc_up_to_date():
    assert (ROOT / "docs" / "errors.md").read_text() == render(), (
        "regenerate with: .venv/bin/python -m scmflow.errors_doc > docs/errors.md"
    )


def test_every_code_documented():
    text = render()
    for code in ErrorCode:
        assert f"| `{code.value}` |" in text


def test_every_code_has_meaning():
    for line in render().splitlines():
        if line.startswith("| `") and line.count("|") == 4:
            assert line.rstrip(" |").split("|")[-1].strip(), line
