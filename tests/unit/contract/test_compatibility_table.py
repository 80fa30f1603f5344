"""Reader/writer compatibility, case by case, against the Avro specification's resolution rules.

Each row gives a writer and a reader schema, whether the reader can read
every datum of the writer, the kinds of findings expected, and the verdict of
avro.compatibility (the Python port of the Java checker the schema registry
runs). Rows where that verdict differs are the corrections this project's
checker makes.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import avro.schema
import pytest

from canonical.schema_compat import check_compatibility
from canonical.schema_history import InvalidSchemaError, parse_schema_document


def record(*fields: dict, name: str = "R", **attributes: Any) -> dict:
    return {"type": "record", "name": name, "fields": list(fields), **attributes}


def f(name: str, avro_type: Any, **attributes: Any) -> dict:
    return {"name": name, "type": avro_type, **attributes}


def decimal(precision: int, scale: int, base: str = "bytes") -> dict:
    return {"type": base, "logicalType": "decimal", "precision": precision, "scale": scale}


def logical(base: str, name: str) -> dict:
    return {"type": base, "logicalType": name}


def enum(*symbols: str, name: str = "E", **attributes: Any) -> dict:
    return {"type": "enum", "name": name, "symbols": list(symbols), **attributes}


def fixed(size: int, name: str = "F", **attributes: Any) -> dict:
    return {"type": "fixed", "name": name, "size": size, **attributes}


@dataclass(frozen=True)
class Case:
    id: str
    writer: Any
    reader: Any
    compatible: bool
    kinds: frozenset[str] = field(default_factory=frozenset)
    """Kinds of every finding, errors and warnings."""
    standard: bool | None = None
    """avro.compatibility's verdict, when it differs from ``compatible``."""
    paths: frozenset[str] | None = None
    """Paths of the error findings, when the case pins them."""


def one(avro_type: Any, **attributes: Any) -> dict:
    """A record with a single field ``v`` of the given type."""
    return record(f("v", avro_type, **attributes))


LINKED_LIST = record(f("value", "long"), f("next", ["null", "LongList"]), name="LongList")

CASES = [
    # Adding and removing fields.
    Case("add field with default", record(f("a", "int")),
         record(f("a", "int"), f("b", "string", default="x")), True),
    Case("add field without default", record(f("a", "int")),
         record(f("a", "int"), f("b", "string")), False,
         frozenset({"reader_field_missing_default_value"}), paths=frozenset({"b"})),
    Case("remove field", record(f("a", "int"), f("b", "string")), record(f("a", "int")), True),
    Case("removed field read by old reader with default",
         record(f("a", "int")), record(f("a", "int"), f("b", "string", default="")), True),
    Case("removed field read by old reader without default",
         record(f("a", "int")), record(f("a", "int"), f("b", "string")), False,
         frozenset({"reader_field_missing_default_value"})),
    Case("field renamed with reader alias", record(f("old", "int")),
         record(f("new", "int", aliases=["old"])), True),
    Case("field renamed without alias", record(f("old", "int")), record(f("new", "int")), False,
         frozenset({"reader_field_missing_default_value"}), paths=frozenset({"new"})),
    Case("added nullable field with union default in second branch", record(f("a", "int")),
         record(f("a", "int"), f("b", ["string", "null"], default=None)), True),
    # Type promotions.
    Case("int to long", one("int"), one("long"), True),
    Case("int to float", one("int"), one("float"), True, frozenset({"lossy_promotion"})),
    Case("int to double", one("int"), one("double"), True),
    Case("long to float", one("long"), one("float"), True, frozenset({"lossy_promotion"})),
    Case("long to double", one("long"), one("double"), True, frozenset({"lossy_promotion"})),
    Case("float to double", one("float"), one("double"), True),
    Case("string to bytes", one("string"), one("bytes"), True),
    Case("bytes to string", one("bytes"), one("string"), True),
    Case("long to int", one("long"), one("int"), False, frozenset({"type_mismatch"}),
         paths=frozenset({"v"})),
    Case("double to float", one("double"), one("float"), False, frozenset({"type_mismatch"})),
    Case("string to int", one("string"), one("int"), False, frozenset({"type_mismatch"})),
    Case("boolean to int", one("boolean"), one("int"), False, frozenset({"type_mismatch"})),
    # Enums.
    Case("enum symbol added in reader", one(enum("A", "B")), one(enum("A", "B", "C")), True),
    Case("enum symbol added in writer, reader without default", one(enum("A", "B", "C")),
         one(enum("A", "B")), False, frozenset({"missing_enum_symbols"})),
    Case("enum symbol added in writer, reader with default", one(enum("A", "B", "C")),
         one(enum("A", "B", default="A")), True),
    Case("enum renamed with alias", one(enum("A", name="Old")),
         one(enum("A", name="New", aliases=["Old"])), True),
    Case("enum renamed without alias", one(enum("A", name="Old")), one(enum("A", name="New")),
         False, frozenset({"name_mismatch"})),
    # Unions.
    Case("union widened from plain type", one("string"), one(["null", "string"]), True),
    Case("union widened with a branch", one(["null", "string"]),
         one(["null", "string", "int"]), True),
    Case("union narrowed", one(["null", "string", "int"]), one(["null", "string"]), False,
         frozenset({"missing_union_branch"}), paths=frozenset({"v"})),
    Case("union narrowed to plain type", one(["null", "string"]), one("string"), False,
         frozenset({"type_mismatch"})),
    Case("union branch promoted", one(["null", "int"]), one(["null", "long"]), True),
    Case("union record branch gains field with default",
         one(["null", record(f("a", "int"), name="Q")]),
         one(["null", record(f("a", "int"), f("b", "int", default=0), name="Q")]), True),
    # The standard checker drops the path inside a union; this one keeps it.
    Case("union record branch gains field without default",
         one(["null", record(f("a", "int"), name="Q")]),
         one(["null", record(f("a", "int"), f("b", "int"), name="Q")]), False,
         frozenset({"reader_field_missing_default_value"}), paths=frozenset({"v.b"})),
    # Correction: by the specification, and in fastavro, a reader union resolves a writer
    # record with its first branch of the same unqualified name, which here lacks y.
    # avro.compatibility accepts any branch that would resolve.
    Case("reader union uses first matching branch",
         one(record(f("x", "int"), name="A", namespace="one")),
         one([record(f("x", "int"), f("y", "int"), name="A", namespace="two"),
              record(f("x", "int"), name="A", namespace="one")]),
         False, frozenset({"reader_field_missing_default_value", "namespace_changed"}),
         standard=True, paths=frozenset({"v.y"})),
    Case("union of two records narrowed", one([record(name="A"), record(name="B")]),
         one([record(name="A")]), False, frozenset({"missing_union_branch"})),
    # Names, aliases and namespaces.
    Case("record renamed without alias", record(name="Old"), record(name="New"), False,
         frozenset({"name_mismatch"})),
    Case("record renamed with full alias", record(name="Old", namespace="shop"),
         record(name="New", namespace="shop", aliases=["shop.Old"]), True),
    # Correction: an alias without a dot is relative to the reader's namespace (Avro
    # specification, "Aliases"); avro.compatibility compares it with the full name.
    Case("record renamed with relative alias", record(name="Old", namespace="shop"),
         record(name="New", namespace="shop", aliases=["Old"]), True, standard=False),
    Case("relative alias in another namespace", record(name="Old", namespace="shop"),
         record(name="New", namespace="store", aliases=["Old"]), False,
         frozenset({"name_mismatch"})),
    Case("namespace changed", record(name="R", namespace="shop"),
         record(name="R", namespace="store"), True, frozenset({"namespace_changed"})),
    # Fixed.
    Case("fixed same size", one(fixed(16)), one(fixed(16)), True),
    Case("fixed size changed", one(fixed(16)), one(fixed(8)), False,
         frozenset({"fixed_size_mismatch"})),
    Case("fixed renamed", one(fixed(16, name="A")), one(fixed(16, name="B")), False,
         frozenset({"name_mismatch"})),
    # Nested records, arrays and maps.
    Case("nested record gains field without default",
         one(record(f("x", "int"), name="Inner")),
         one(record(f("x", "int"), f("y", "int"), name="Inner")), False,
         frozenset({"reader_field_missing_default_value"}), paths=frozenset({"v.y"})),
    Case("array item record gains field without default",
         one({"type": "array", "items": record(f("x", "int"), name="Item")}),
         one({"type": "array", "items": record(f("x", "int"), f("y", "int"), name="Item")}),
         False, frozenset({"reader_field_missing_default_value"}), paths=frozenset({"v[].y"})),
    Case("array items promoted", one({"type": "array", "items": "int"}),
         one({"type": "array", "items": "long"}), True),
    Case("map values promoted", one({"type": "map", "values": "int"}),
         one({"type": "map", "values": "long"}), True),
    Case("map values changed type", one({"type": "map", "values": "string"}),
         one({"type": "map", "values": "int"}), False, frozenset({"type_mismatch"}),
         paths=frozenset({"v{}"})),
    Case("array read as map", one({"type": "array", "items": "int"}),
         one({"type": "map", "values": "int"}), False, frozenset({"type_mismatch"})),
    Case("recursive record", LINKED_LIST, LINKED_LIST, True),
    # Decimals. Correction: the Avro specification matches two decimals only when
    # precision and scale both match; avro.compatibility ignores logical types.
    Case("decimal unchanged", one(decimal(18, 6)), one(decimal(18, 6)), True),
    Case("decimal precision changed", one(decimal(18, 6)), one(decimal(20, 6)), False,
         frozenset({"decimal_mismatch"}), standard=True, paths=frozenset({"v"})),
    Case("decimal scale changed", one(decimal(18, 6)), one(decimal(18, 4)), False,
         frozenset({"decimal_mismatch"}), standard=True),
    Case("fixed decimal precision changed", one(decimal(10, 2, "fixed") | {"name": "D", "size": 8}),
         one(decimal(12, 2, "fixed") | {"name": "D", "size": 8}), False,
         frozenset({"decimal_mismatch"}), standard=True),
    Case("decimal read as plain bytes", one(decimal(18, 6)), one("bytes"), True,
         frozenset({"logical_type_changed"})),
    Case("plain bytes read as decimal", one("bytes"), one(decimal(18, 6)), True,
         frozenset({"logical_type_changed"})),
    # Timestamps and dates: every one of these resolves, but values change meaning.
    Case("timestamp-millis to timestamp-micros", one(logical("long", "timestamp-millis")),
         one(logical("long", "timestamp-micros")), True, frozenset({"logical_type_changed"})),
    Case("timestamp-micros to timestamp-millis", one(logical("long", "timestamp-micros")),
         one(logical("long", "timestamp-millis")), True, frozenset({"logical_type_changed"})),
    Case("date to timestamp-millis", one(logical("int", "date")),
         one(logical("long", "timestamp-millis")), True, frozenset({"logical_type_changed"})),
    Case("local-timestamp to timestamp", one(logical("long", "local-timestamp-micros")),
         one(logical("long", "timestamp-micros")), True, frozenset({"logical_type_changed"})),
    Case("time-millis to time-micros", one(logical("int", "time-millis")),
         one(logical("long", "time-micros")), True, frozenset({"logical_type_changed"})),
    Case("plain long read as timestamp", one("long"), one(logical("long", "timestamp-micros")),
         True, frozenset({"logical_type_changed"})),
    Case("uuid read as plain string", one(logical("string", "uuid")), one("string"), True),
    Case("plain string read as uuid", one("string"), one(logical("string", "uuid")), True,
         frozenset({"logical_type_changed"})),
    Case("timestamp unchanged", one(logical("long", "timestamp-micros")),
         one(logical("long", "timestamp-micros")), True),
]


def parse(schema: Any) -> avro.schema.Schema:
    return parse_schema_document(json.dumps(schema), "test").avro_schema


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_compatibility_case(case: Case):
    report = check_compatibility(parse(case.reader), parse(case.writer))

    assert report.compatible is case.compatible, [str(finding) for finding in report.findings]
    assert {finding.kind for finding in report.findings} == case.kinds
    expected_standard = case.compatible if case.standard is None else case.standard
    assert report.standard_compatible is expected_standard
    if case.paths is not None:
        assert {finding.path for finding in report.errors} == case.paths


def test_every_finding_has_message():
    for case in CASES:
        report = check_compatibility(parse(case.reader), parse(case.writer))
        for finding in report.findings:
            assert finding.message, case.id


def test_timestamp_warning_states_factor():
    report = check_compatibility(
        parse(one(logical("long", "timestamp-micros"))),
        parse(one(logical("long", "timestamp-millis"))),
    )
    (warning,) = report.warnings
    assert "1000 times too small" in warning.message


def test_null_default_on_string_is_invalid():
    schema = record(f("s", "string", default=None))
    with pytest.raises(InvalidSchemaError, match="Default value"):
        parse(schema)


def test_avro_package_alone_accepts_null_default():
    # Why validity is decided by fastavro: avro 1.12.2 accepts the invalid default.
    parsed = avro.schema.parse(json.dumps(record(f("s", "string", default=None))))
    assert parsed.fields[0].has_default


def test_enum_default_outside_symbols_is_invalid():
    with pytest.raises(InvalidSchemaError):
        parse(one(enum("A", default="B")))


def test_decimal_scale_above_precision_is_invalid():
    with pytest.raises(InvalidSchemaError, match="scale"):
        parse(one(decimal(4, 6)))
