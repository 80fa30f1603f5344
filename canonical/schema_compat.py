"""Reader/writer compatibility of two Avro schemas, by the Avro specification's resolution rules.

``check_compatibility(reader, writer)`` checks whether a reader using
``reader`` can read every datum written with ``writer``. It lists every
incompatibility with the field path where it occurs, and warns about changes
that resolve but change what a value means.

The schema registry decides with Apache Avro's Java ``SchemaCompatibility``;
the Python ``avro`` package ships a port of it in ``avro.compatibility``. That
port's verdict is reported beside this one (``standard_compatible``), but it
is not used for the verdict, because in avro 1.12.2 it departs from the
specification or from the Java checker in ways that matter here:

- It ignores logical types, so it accepts decimal(18, 6) read as
  decimal(18, 4), although the specification matches decimals only when
  precision and scale both match (the Java checker has the same gap).
- It compares a reader alias with the writer's full name without resolving
  the alias against the reader's namespace, so a relative alias such as
  ``"aliases": ["OldName"]`` never matches (the Java checker resolves it).
- It accepts a writer type that any branch of a reader union resolves. The
  specification, and fastavro, which reads canonical records here, use the
  first branch that matches by name or promotion, and fail if that branch
  does not resolve.
- It drops the field path inside unions and merges messages and paths into
  two unrelated sets, so its result does not pair an incompatibility with
  its path.

Differences with the standard checker are covered, case by case, by
tests/unit/contract/test_compatibility_table.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from avro.errors import AvroException
from avro.schema import Schema

_PROMOTIONS = {
    ("int", "long"),
    ("int", "float"),
    ("int", "double"),
    ("long", "float"),
    ("long", "double"),
    ("float", "double"),
    ("string", "bytes"),
    ("bytes", "string"),
}
"""(writer type, reader type) pairs the specification lets a reader promote."""

_LOSSY_PROMOTIONS = {
    ("int", "float"): 24,
    ("long", "float"): 24,
    ("long", "double"): 53,
}
"""Promotions that round integers beyond 2**bits, the target's significand size."""

_NAMED_TYPES = {"record", "enum", "fixed"}
_UNIT_NAMES = {"millis": "milliseconds", "micros": "microseconds", "nanos": "nanoseconds"}
_TIME_UNITS = {"millis": 1_000, "micros": 1_000_000, "nanos": 1_000_000_000}


class Severity(StrEnum):
    ERROR = "error"
    """The reader cannot read some data written with the writer."""
    WARNING = "warning"
    """Every datum resolves, but some values are read with another meaning or rounded."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One incompatibility or warning, at a field path such as ``payload.lines[].quantity``."""

    severity: Severity
    path: str
    kind: str
    """A stable name: the ``avro.compatibility`` incompatibility names where one fits
    (type_mismatch, name_mismatch, fixed_size_mismatch, missing_enum_symbols,
    reader_field_missing_default_value, missing_union_branch), else decimal_mismatch,
    logical_type_changed, namespace_changed or lossy_promotion."""
    message: str

    def __str__(self) -> str:
        return f"{self.severity} {self.path or '(top level)'}: {self.message} [{self.kind}]"


@dataclass(frozen=True, slots=True)
class CompatibilityReport:
    """The result of reading data written with one schema using another."""

    findings: tuple[Finding, ...]
    standard_compatible: bool | None
    """The verdict of ``avro.compatibility``, or None when it raised an error."""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def compatible(self) -> bool:
        return not self.errors


def check_compatibility(reader: Schema, writer: Schema) -> CompatibilityReport:
    """Check whether ``reader`` can read every datum written with ``writer`` (parsed by avro)."""
    resolver = _Resolver()
    resolver.resolve(reader, writer, "")
    return CompatibilityReport(tuple(resolver.findings), _standard_verdict(reader, writer))


def _standard_verdict(reader: Schema, writer: Schema) -> bool | None:
    try:
        result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    except (AvroException, AssertionError):
        return None
    return result.compatibility is SchemaCompatibilityType.compatible


@dataclass
class _Resolver:
    findings: list[Finding] = field(default_factory=list)
    _results: dict[tuple[int, int], bool] = field(default_factory=dict)

    def resolve(self, reader: Schema, writer: Schema, path: str) -> bool:
        """Resolve ``writer`` against ``reader`` at ``path``; return whether it is compatible."""
        if reader.type != "record" or writer.type != "record":
            return self._resolve(reader, writer, path)
        # A record pair is checked once, so a record used in several places reports its
        # findings at the first path only, and a recursive record does not loop: while
        # its check is in progress it counts as compatible.
        key = (id(reader), id(writer))
        if key not in self._results:
            self._results[key] = True
            self._results[key] = self._resolve(reader, writer, path)
        return self._results[key]

    def _resolve(self, reader: Schema, writer: Schema, path: str) -> bool:
        if writer.type == "union":
            # Any branch may have been written, so each must be readable.
            results = [self.resolve(reader, branch, path) for branch in writer.schemas]
            return all(results)
        if reader.type == "union":
            # The first branch that matches is used, even if a later one would resolve deeper.
            branch = next((b for b in reader.schemas if _matches(b, writer)), None)
            if branch is None:
                branches = ", ".join(_describe(b) for b in reader.schemas)
                return self._error(
                    path,
                    "missing_union_branch",
                    f"the reader's union [{branches}] has no branch for the writer's "
                    f"{_describe(writer)}",
                )
            return self.resolve(branch, writer, path)
        if not _matches(reader, writer):
            return self._mismatch(reader, writer, path)
        if reader.type == "record":
            return self._record(reader, writer, path)
        if reader.type == "enum":
            self._namespace(reader, writer, path)
            return self._enum(reader, writer, path)
        if reader.type == "array":
            return self.resolve(reader.items, writer.items, f"{path}[]")
        if reader.type == "map":
            return self.resolve(reader.values, writer.values, f"{path}{{}}")
        if reader.type == "fixed":
            self._namespace(reader, writer, path)
        self._promotion(reader, writer, path)
        return self._logical(reader, writer, path)

    def _record(self, reader: Schema, writer: Schema, path: str) -> bool:
        self._namespace(reader, writer, path)
        compatible = True
        for reader_field in reader.fields:
            writer_field = _writer_field(writer, reader_field)
            field_path = f"{path}.{reader_field.name}" if path else reader_field.name
            if writer_field is not None:
                compatible &= self.resolve(reader_field.type, writer_field.type, field_path)
            elif not reader_field.has_default:
                compatible = self._error(
                    field_path,
                    "reader_field_missing_default_value",
                    f"the reader's field {reader_field.name} has no default and the writer's "
                    f"record {writer.fullname} has no field of that name or its aliases",
                )
        return compatible

    def _enum(self, reader: Schema, writer: Schema, path: str) -> bool:
        missing = [symbol for symbol in writer.symbols if symbol not in reader.symbols]
        if not missing or reader.props.get("default") in reader.symbols:
            return True
        return self._error(
            path,
            "missing_enum_symbols",
            f"the reader's enum {reader.fullname} lacks the writer's symbols "
            f"{', '.join(missing)} and has no default symbol",
        )

    def _mismatch(self, reader: Schema, writer: Schema, path: str) -> bool:
        if reader.type == writer.type == "fixed" and reader.size != writer.size:
            return self._error(
                path,
                "fixed_size_mismatch",
                f"fixed {writer.fullname} is {writer.size} bytes, "
                f"the reader's fixed {reader.fullname} is {reader.size}",
            )
        if reader.type == writer.type:
            return self._error(
                path,
                "name_mismatch",
                f"the writer's {writer.type} {writer.fullname} does not match the reader's "
                f"{reader.fullname}: unqualified names differ and no reader alias names it",
            )
        return self._error(
            path,
            "type_mismatch",
            f"the writer's {_describe(writer)} cannot be read as {_describe(reader)}",
        )

    def _namespace(self, reader: Schema, writer: Schema, path: str) -> None:
        if reader.fullname != writer.fullname and writer.fullname not in _alias_names(reader):
            self._warning(
                path,
                "namespace_changed",
                f"{writer.fullname} is read as {reader.fullname}: the unqualified names match, "
                "but code generated from the schema and union branch choice by full name "
                "see two different types",
            )

    def _promotion(self, reader: Schema, writer: Schema, path: str) -> None:
        bits = _LOSSY_PROMOTIONS.get((writer.type, reader.type))
        if bits is not None:
            self._warning(
                path,
                "lossy_promotion",
                f"{writer.type} values beyond 2**{bits} in magnitude are rounded when read as "
                f"{reader.type}",
            )

    def _logical(self, reader: Schema, writer: Schema, path: str) -> bool:
        reader_logical = reader.props.get("logicalType")
        writer_logical = writer.props.get("logicalType")
        if reader_logical == writer_logical == "decimal":
            reader_decimal = (reader.props.get("precision"), reader.props.get("scale", 0))
            writer_decimal = (writer.props.get("precision"), writer.props.get("scale", 0))
            if reader_decimal == writer_decimal:
                return True
            return self._error(
                path,
                "decimal_mismatch",
                f"decimal{writer_decimal} cannot be read as decimal{reader_decimal}: the Avro "
                "specification matches two decimals only when precision and scale both match",
            )
        if reader_logical != writer_logical:
            message = _logical_change(writer_logical, reader_logical)
            if message:
                self._warning(path, "logical_type_changed", message)
        return True

    def _error(self, path: str, kind: str, message: str) -> bool:
        self.findings.append(Finding(Severity.ERROR, path, kind, message))
        return False

    def _warning(self, path: str, kind: str, message: str) -> None:
        self.findings.append(Finding(Severity.WARNING, path, kind, message))


def _matches(reader: Schema, writer: Schema) -> bool:
    """Return whether two non-union schemas match by the specification, before recursing."""
    if reader.type != writer.type:
        return (writer.type, reader.type) in _PROMOTIONS
    if reader.type in _NAMED_TYPES and not _names_match(reader, writer):
        return False
    return reader.type != "fixed" or reader.size == writer.size


def _names_match(reader: Schema, writer: Schema) -> bool:
    """Unqualified names are equal, or a reader alias, resolved in the reader's namespace,
    is the writer's full name (Avro specification, "Aliases")."""
    if _short_name(reader.fullname) == _short_name(writer.fullname):
        return True
    return writer.fullname in _alias_names(reader)


def _alias_names(schema: Schema) -> set[str]:
    namespace = schema.fullname.rpartition(".")[0]
    names = set()
    for alias in schema.props.get("aliases") or []:
        names.add(alias if "." in alias or not namespace else f"{namespace}.{alias}")
    return names


def _short_name(fullname: str) -> str:
    return fullname.rpartition(".")[2]


def _writer_field(writer: Schema, reader_field):
    by_name = writer.fields_dict
    if reader_field.name in by_name:
        return by_name[reader_field.name]
    for alias in reader_field.props.get("aliases") or []:
        if alias in by_name:
            return by_name[alias]
    return None


def _describe(schema: Schema) -> str:
    if schema.type in _NAMED_TYPES:
        return f"{schema.type} {schema.fullname}"
    logical = schema.props.get("logicalType")
    return f"{schema.type} ({logical})" if logical else schema.type


def _time_unit(logical: str | None) -> tuple[str, str] | None:
    """Split timestamp-millis into ("timestamp", "millis"), local-timestamp-micros and so on."""
    if not logical:
        return None
    kind, _, unit = logical.rpartition("-")
    if unit in _TIME_UNITS and kind in ("timestamp", "local-timestamp", "time"):
        return kind, unit
    return None


def _logical_change(writer: str | None, reader: str | None) -> str | None:
    """Describe how values change meaning when ``writer``'s logical type is read as ``reader``'s."""
    if writer == "uuid" and reader is None:
        return None
    written, read = _time_unit(writer), _time_unit(reader)
    if written and read and written[0] == read[0]:
        written_per_second, read_per_second = _TIME_UNITS[written[1]], _TIME_UNITS[read[1]]
        if read_per_second > written_per_second:
            scale = f"{read_per_second // written_per_second} times too small"
        else:
            scale = f"{written_per_second // read_per_second} times too large"
        origin = "midnight" if written[0] == "time" else "1970-01-01"
        return f"{writer} values are read as {reader}: the time since {origin} is read {scale}"
    if written and read and {written[0], read[0]} == {"timestamp", "local-timestamp"}:
        return (
            f"{writer} values are read as {reader}: instants in UTC and wall-clock times "
            "without a time zone are mixed up"
        )
    if writer == "date" and read:
        return (
            f"date values (days since 1970-01-01) are read as {reader}: each count of days "
            f"is read as a count of {_UNIT_NAMES[read[1]]}"
        )
    if writer == "decimal":
        return f"decimal values are read as {reader or 'plain bytes'}: the scale is lost"
    if reader == "decimal":
        return f"{writer or 'plain bytes'} values are read as decimals: bytes become numbers"
    if reader == "uuid":
        return "strings are read as uuid: values that are not UUIDs fail to read"
    return (
        f"logical type changes from {writer or 'none'} to {reader or 'none'}: values resolve "
        "but are read with another meaning"
    )
