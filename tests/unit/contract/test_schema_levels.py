"""Compatibility levels over a history of versions, with the schema registry's semantics."""

import json

import pytest

from canonical.schema_history import (
    CompatibilityLevel,
    SchemaDocument,
    check_candidate,
    check_history,
    parse_schema_document,
)

Level = CompatibilityLevel


def version(number: int, *fields: dict) -> SchemaDocument:
    schema = {"type": "record", "name": "R", "fields": list(fields)}
    return parse_schema_document(json.dumps(schema), f"r.v{number}.avsc", number)


F1 = {"name": "f1", "type": "string"}
F2_DEFAULT = {"name": "f2", "type": "string", "default": ""}
F2 = {"name": "f2", "type": "string"}

# v1 {f1}; v2 adds f2 with a default; v3 drops that default.
V1, V2, V3 = version(1, F1), version(2, F1, F2_DEFAULT), version(3, F1, F2)


def failures(comparisons) -> list[tuple[int, int]]:
    """(reader version, writer version) of every failing comparison."""
    return [(c.reader.version, c.writer.version) for c in comparisons if c.failed()]


def test_backward_passes_step_by_step():
    results = check_history([V1, V2, V3], Level.BACKWARD)
    assert [failures(comparisons) for _, comparisons in results] == [[], []]


def test_backward_compares_latest_only():
    comparisons = check_candidate([V1, V2], V3, Level.BACKWARD)
    assert [(c.reader.version, c.writer.version) for c in comparisons] == [(3, 2)]


def test_backward_transitive_fails_v3():
    comparisons = check_candidate([V1, V2], V3, Level.BACKWARD_TRANSITIVE)
    assert failures(comparisons) == [(3, 1)]


def test_backward_transitive_reports_missing_default():
    (failing,) = [c for c in check_candidate([V1, V2], V3, Level.BACKWARD_TRANSITIVE) if c.failed()]
    (error,) = failing.report.errors
    assert error.path == "f2"
    assert error.kind == "reader_field_missing_default_value"


def test_forward_reads_new_data_with_old_schema():
    # v2 -> v3 keeps f2; old v2 reads v3 data fine. v1 -> v2 adds a field: v1 ignores it.
    assert failures(check_candidate([V1, V2], V3, Level.FORWARD)) == []
    assert failures(check_candidate([V1], V2, Level.FORWARD)) == []


def test_forward_fails_removed_field_without_default():
    without_f1 = version(2, F2_DEFAULT)
    assert failures(check_candidate([V1], without_f1, Level.FORWARD)) == [(1, 2)]
    assert failures(check_candidate([V1], without_f1, Level.BACKWARD)) == []


def test_full_checks_both_directions():
    without_f1 = version(2, F2_DEFAULT)
    comparisons = check_candidate([V1], without_f1, Level.FULL)
    assert [(c.reader.version, c.writer.version) for c in comparisons] == [(2, 1), (1, 2)]
    assert failures(comparisons) == [(1, 2)]


def test_full_transitive_checks_every_version():
    comparisons = check_candidate([V1, V2], V3, Level.FULL_TRANSITIVE)
    pairs = {(c.reader.version, c.writer.version) for c in comparisons}
    assert pairs == {(3, 2), (2, 3), (3, 1), (1, 3)}
    assert failures(comparisons) == [(3, 1)]


def test_none_checks_nothing():
    assert check_candidate([V1, V2], version(3, {"name": "x", "type": "int"}), Level.NONE) == []


def test_first_version_has_nothing_to_compare():
    assert check_candidate([], V1, Level.FULL_TRANSITIVE) == []


@pytest.mark.parametrize(
    ("level", "backward", "forward", "transitive"),
    [
        (Level.BACKWARD, True, False, False),
        (Level.BACKWARD_TRANSITIVE, True, False, True),
        (Level.FORWARD, False, True, False),
        (Level.FORWARD_TRANSITIVE, False, True, True),
        (Level.FULL, True, True, False),
        (Level.FULL_TRANSITIVE, True, True, True),
        (Level.NONE, False, False, False),
    ],
)
def test_level_directions(level, backward, forward, transitive):
    assert level.backward is backward
    assert level.forward is forward
    assert level.transitive is transitive


def test_strict_fails_on_warnings():
    millis = version(1, {"name": "t", "type": {"type": "long", "logicalType": "timestamp-millis"}})
    micros = version(2, {"name": "t", "type": {"type": "long", "logicalType": "timestamp-micros"}})
    (comparison,) = check_candidate([millis], micros, Level.BACKWARD)
    assert not comparison.failed()
    assert comparison.failed(strict=True)
