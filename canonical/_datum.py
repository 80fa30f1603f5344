"""Conversion between canonical models and the Python values fastavro reads and writes.

Every record that sits in an Avro union is written in fastavro's tuple form,
``(record name, fields)``. Without the name fastavro 1.13 writes the valid
branch with the most matching field names, and the first one on a tie, so a
record whose fields also fit another branch could be written, and read back,
as that branch. Records are read with ``return_record_name`` for the same
reason, and each tagged value becomes the model class of that name.
"""

import types
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from canonical.common import AVRO_NAMESPACE


def avro_name(model: type[BaseModel]) -> str:
    """Return the full Avro name of the record a model class is written as."""
    return f"{AVRO_NAMESPACE}.{model.__name__}"


_PLAIN_TYPES = frozenset({str, int, float, bool, bytes})
"""Types written as they are; subclasses such as enums still take the checks below."""


def to_datum(model: BaseModel, as_class: type[BaseModel] | None = None) -> dict[str, Any]:
    """Convert a model to the dict fastavro writes, with union records tagged by name.

    ``as_class`` is a class with the same fields whose annotations follow the
    Avro schema more closely, such as the typed event class of a CanonicalEvent.
    """
    fields = (as_class or type(model)).model_fields
    return {name: _to_value(getattr(model, name), info.annotation) for name, info in fields.items()}


def _to_value(value: Any, annotation: Any) -> Any:
    if value is None or type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, BaseModel):
        datum = to_datum(value)
        return (avro_name(type(value)), datum) if _shape(annotation)[0] else datum
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        item_annotation = _shape(annotation)[1]
        return [_to_value(item, item_annotation) for item in value]
    if isinstance(value, dict):
        value_annotation = _shape(annotation)[2]
        return {key: _to_value(item, value_annotation) for key, item in value.items()}
    return value


_SHAPES: dict[Any, tuple[bool, Any, Any]] = {}


def _shape(annotation: Any) -> tuple[bool, Any, Any]:
    """Return (is a union, list item annotation, dict value annotation) of an annotation.

    Cached per annotation because ``typing`` introspection costs more than the
    conversion itself, and a model has a few dozen distinct annotations.
    """
    try:
        return _SHAPES[annotation]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation: compute it every time
        return _compute_shape(annotation)
    shape = _SHAPES[annotation] = _compute_shape(annotation)
    return shape


def _compute_shape(annotation: Any) -> tuple[bool, Any, Any]:
    stripped = _strip_annotated(annotation)
    return (
        _is_union(stripped),
        _container_argument(stripped, list, 0),
        _container_argument(stripped, dict, 1),
    )


def from_datum(model: type[BaseModel], datum: dict[str, Any]) -> dict[str, Any]:
    """Prepare a record fastavro read with ``return_record_name`` for ``model.model_validate``.

    Tagged union values become instances of the model class named by the tag;
    untagged records stay dicts for pydantic to validate.
    """
    converted = dict(datum)
    for name, info in model.model_fields.items():
        if name in converted:
            converted[name] = _from_value(converted[name], info.annotation)
    return converted


def _from_value(value: Any, annotation: Any) -> Any:
    annotation = _strip_annotated(annotation)
    if value is None:
        return None
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        name, datum = value
        model = _union_model_named(annotation, name)
        if model is None:
            return datum
        return model.model_validate(from_datum(model, datum))
    if isinstance(value, dict):
        model = _single_model(annotation)
        if model is not None:
            return from_datum(model, value)
        value_annotation = _container_argument(annotation, dict, 1)
        return {key: _from_value(item, value_annotation) for key, item in value.items()}
    if isinstance(value, list):
        item_annotation = _container_argument(annotation, list, 0)
        return [_from_value(item, item_annotation) for item in value]
    return value


def _strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _union_members(annotation: Any) -> tuple[Any, ...]:
    annotation = _strip_annotated(annotation)
    if _is_union(annotation):
        return tuple(_strip_annotated(member) for member in get_args(annotation))
    return (annotation,)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    return [
        member
        for member in _union_members(annotation)
        if isinstance(member, type) and issubclass(member, BaseModel)
    ]


def _single_model(annotation: Any) -> type[BaseModel] | None:
    models = _models_in(annotation)
    return models[0] if len(models) == 1 else None


def _union_model_named(annotation: Any, name: str) -> type[BaseModel] | None:
    short_name = name.rsplit(".", 1)[-1]
    for model in _models_in(annotation):
        if model.__name__ == short_name:
            return model
    return None


def _container_argument(annotation: Any, container: type, index: int) -> Any:
    for member in _union_members(annotation):
        if get_origin(member) is container:
            arguments = get_args(member)
            return arguments[index] if len(arguments) > index else Any
    return Any
