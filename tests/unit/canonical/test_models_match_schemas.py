"""The pydantic models and the .avsc files describe the same records."""

from typing import get_args

import pytest
from pydantic import BaseModel

from canonical import EVENT_CLASSES
from canonical.avro import default_catalog

ENTITY_TYPES = sorted(EVENT_CLASSES)


def _record_fields(schema: dict) -> dict[str, dict]:
    return {field["name"]: field for field in schema["fields"]}


def _named_record(schema, named: dict) -> dict | None:
    """Return the record schema inside a field type (through unions and arrays)."""
    if isinstance(schema, str):
        return named.get(schema)
    if isinstance(schema, list):
        for branch in schema:
            found = _named_record(branch, named)
            if found:
                return found
        return None
    if schema.get("type") == "record":
        named[schema["name"]] = schema
        return schema
    if schema.get("type") == "array":
        return _named_record(schema["items"], named)
    return None


def _all_named(schema, named: dict) -> dict:
    """Collect every named record of a parsed schema by its full name."""
    if isinstance(schema, list):
        for branch in schema:
            _all_named(branch, named)
    elif isinstance(schema, dict):
        if schema.get("type") == "record":
            named[schema["name"]] = schema
            for field in schema["fields"]:
                _all_named(field["type"], named)
        elif schema.get("type") == "array":
            _all_named(schema["items"], named)
        elif schema.get("type") == "map":
            _all_named(schema["values"], named)
    return named


def _model_of(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        model = _model_of(argument)
        if model:
            return model
    return None


def _compare(model: type[BaseModel], schema: dict, named: dict, path: str, problems: list[str]):
    avro_fields = _record_fields(schema)
    model_fields = model.model_fields
    for name in model_fields.keys() - avro_fields.keys():
        problems.append(f"{path}.{name}: in the model, not in the schema")
    for name in avro_fields.keys() - model_fields.keys():
        problems.append(f"{path}.{name}: in the schema, not in the model")
    for name in model_fields.keys() & avro_fields.keys():
        nested_model = _model_of(model_fields[name].annotation)
        nested_schema = _named_record(avro_fields[name]["type"], named)
        if nested_model and nested_schema:
            _compare(nested_model, nested_schema, named, f"{path}.{name}", problems)
        elif bool(nested_model) != bool(nested_schema):
            problems.append(f"{path}.{name}: record in one, not in the other")


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_schema_matches_models(entity_type: str):
    schema = default_catalog().latest(entity_type).parsed
    event_class = EVENT_CLASSES[entity_type]
    problems: list[str] = []
    _compare(event_class, schema, _all_named(schema, {}), event_class.__name__, problems)
    assert problems == []


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_every_optional_schema_field_has_default(entity_type: str):
    schema = default_catalog().latest(entity_type).parsed
    named = _all_named(schema, {})
    missing = []

    def walk(record: dict, path: str) -> None:
        for field in record["fields"]:
            field_type = field["type"]
            if isinstance(field_type, list) and "null" in field_type and "default" not in field:
                missing.append(f"{path}.{field['name']}")
            nested = _named_record(field_type, named)
            if nested:
                walk(nested, f"{path}.{field['name']}")

    walk(schema, schema["name"])
    assert missing == []
