"""The Avro schema a canonical event class implies, and a field-by-field diff against a file.

Each model type maps to one Avro type. The primitives: str to string, Int32
to int, Int64 to long and bool to boolean. The logical types: QuantityValue to
decimal(18, 6) bytes, UtcDatetime to timestamp-micros long and UUID to uuid
string. A StrEnum becomes an enum and a model a record, each named after its
class. list becomes array, dict map, and ``X | None`` the union
``["null", X]`` with default null. A model default becomes the Avro default.
"""

import types
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from fastavro.schema import expand_schema, parse_schema
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from canonical.common import AVRO_NAMESPACE

INT32_MAX = 2**31 - 1


def expected_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return the Avro record schema that ``model``'s fields imply, in scmflow.canonical."""
    schema = _record(model, set())
    schema["namespace"] = AVRO_NAMESPACE
    return schema


def _record(model: type[BaseModel], defined: set[str]) -> dict[str, Any] | str:
    if model.__name__ in defined:
        return model.__name__
    defined.add(model.__name__)
    fields = []
    for name, info in model.model_fields.items():
        avro_type = _avro_type(info.annotation, list(info.metadata), defined)
        field: dict[str, Any] = {"name": name, "type": avro_type}
        default = _default(info)
        if default is not PydanticUndefined:
            field["default"] = default
        elif isinstance(avro_type, list) and avro_type[0] == "null":
            field["default"] = None
        fields.append(field)
    return {"type": "record", "name": model.__name__, "fields": fields}


def _default(info: FieldInfo) -> Any:
    if info.default is PydanticUndefined:
        return PydanticUndefined
    if isinstance(info.default, Enum):
        return info.default.value
    return info.default


def _avro_type(annotation: Any, metadata: list[Any], defined: set[str]) -> Any:
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metadata = [*metadata, *extra]

    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [_avro_type(m, [], defined) for m in get_args(annotation) if m is not type(None)]
        nullable = type(None) in get_args(annotation)
        return ["null", *members] if nullable else members
    if origin is list:
        return {"type": "array", "items": _avro_type(get_args(annotation)[0], [], defined)}
    if origin is dict:
        return {"type": "map", "values": _avro_type(get_args(annotation)[1], [], defined)}

    if annotation is str:
        return "string"
    if annotation is bool:
        return "boolean"
    if annotation is float:
        return "double"
    if annotation is int:
        upper = _constraint(metadata, "le")
        if upper is None:
            raise TypeError("an int field needs Int32 or Int64 to choose between Avro int and long")
        return "int" if upper <= INT32_MAX else "long"

    if annotation is Decimal:
        return {
            "type": "bytes",
            "logicalType": "decimal",
            "precision": _constraint(metadata, "max_digits"),
            "scale": _constraint(metadata, "decimal_places"),
        }
    if annotation is AwareDatetime:
        return {"type": "long", "logicalType": "timestamp-micros"}
    if annotation is UUID:
        return {"type": "string", "logicalType": "uuid"}

    if isinstance(annotation, type) and issubclass(annotation, Enum):
        if annotation.__name__ in defined:
            return annotation.__name__
        defined.add(annotation.__name__)
        symbols = [member.value for member in annotation]
        return {"type": "enum", "name": annotation.__name__, "symbols": symbols}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _record(annotation, defined)
    raise TypeError(f"no Avro mapping for {annotation!r}")


def _constraint(metadata: list[Any], name: str) -> Any:
    for item in metadata:
        nested = item.metadata if isinstance(item, FieldInfo) else [item]
        for entry in nested:
            value = getattr(entry, name, None)
            if value is not None:
                return value
    return None


def expanded(schema: Any) -> Any:
    """Parse a schema and inline every named reference, dropping docs and fastavro's keys."""
    return _strip(expand_schema(parse_schema(schema)))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip(item)
            for key, item in value.items()
            if key not in ("doc", "aliases") and not key.startswith("__")
        }
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """List every place where two expanded schemas differ, by field path."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.get("type") == "record" and actual.get("type") == "record":
            return _record_differences(expected, actual, path)
        problems = []
        for key in sorted(expected.keys() | actual.keys()):
            if key not in actual:
                problems.append(f"{path or '(top level)'}: {key} {expected[key]!r} missing")
            elif key not in expected:
                problems.append(f"{path or '(top level)'}: unexpected {key} {actual[key]!r}")
            else:
                problems += differences(expected[key], actual[key], f"{path}<{key}>")
        return problems
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            problem
            for index, (left, right) in enumerate(zip(expected, actual, strict=True))
            for problem in differences(left, right, f"{path}[{index}]")
        ]
    if expected != actual:
        return [f"{path or '(top level)'}: expected {expected!r}, schema has {actual!r}"]
    return []


def _record_differences(expected: dict, actual: dict, path: str) -> list[str]:
    problems = []
    if expected["name"] != actual["name"]:
        problems.append(f"{path}: record {actual['name']}, expected {expected['name']}")
    expected_fields = {field["name"]: field for field in expected["fields"]}
    actual_fields = {field["name"]: field for field in actual["fields"]}
    for name in expected_fields.keys() - actual_fields.keys():
        problems.append(f"{path}.{name}: in the model, not in the schema")
    for name in actual_fields.keys() - expected_fields.keys():
        problems.append(f"{path}.{name}: in the schema, not in the model")
    if [f for f in expected_fields if f in actual_fields] != [
        f for f in actual_fields if f in expected_fields
    ]:
        problems.append(f"{path}: fields are in another order than in the model")
    for name in expected_fields.keys() & actual_fields.keys():
        left, right = expected_fields[name], actual_fields[name]
        field_path = f"{path}.{name}" if path else name
        problems += differences(left["type"], right["type"], field_path)
        if "default" in left and left.get("default") != right.get("default", PydanticUndefined):
            problems.append(f"{field_path}: default should be {left['default']!r}")
    return problems
