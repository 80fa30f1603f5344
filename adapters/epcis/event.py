"""Validating an event tree and normalising it into an ``EpcisEvent``.

``build_event`` turns a tree from ``adapters.epcis.reader`` into the model of
``adapters.epcis.model``. Identifiers and vocabulary are normalised as
``adapters.epcis.identifiers`` describes. ``eventTime`` is converted to UTC
and its text is kept. ``eventTimeZoneOffset`` is kept as its own value,
because partners send offsets that differ from the one in ``eventTime``.

``EventError`` is raised for an event that breaks a rule of EPCIS 2.0:

- a missing or invalid ``eventTime``, ``eventTimeZoneOffset`` or ``action``;
- an object event without EPCs, quantities or sensor data;
- a bare vocabulary word outside the CBV, because a JSON-LD document cannot
  define one;
- an ILMD or extension field without a namespace;
- an unknown field in a quantity element, or a negative quantity.

A standard-conforming value this release does not know, such as a
partner's own bizStep URI, is a quality flag instead.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.epcis.identifiers import canonical_epc, vocabulary_word
from adapters.epcis.model import (
    EpcisEvent,
    ErrorDeclaration,
    Identifier,
    QuantityElement,
    TypedValue,
)
from adapters.epcis.reader import EPC_LISTS, EVENT_TYPES, QUANTITY_LISTS, TYPED_LISTS

ACTIONS = ("ADD", "OBSERVE", "DELETE")
ACTION_REQUIRED = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "AssociationEvent")
QUANTITY_FIELDS = ("epcClass", "quantity", "uom")
MIN_YEAR = 1900
MAX_YEAR = 9000
"""Years accepted in timestamps; the bounds keep UTC conversion and rounding inside datetime."""
OFFSET_PATTERN = re.compile(r"[+-](0\d|1[0-4]):[0-5]\d")
KNOWN_FIELDS = frozenset(
    {
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "action",
        "bizStep",
        "disposition",
        "persistentDisposition",
        "readPoint",
        "bizLocation",
        "sensorElementList",
        "ilmd",
        "parentID",
        "transformationID",
        "certificationInfo",
        "errorDeclaration",
        "@context",
        "id",
        *EPC_LISTS,
        *QUANTITY_LISTS,
        *TYPED_LISTS,
    }
)
"""JSON-LD terms of an EPCIS 2.0 event; any other key must carry a namespace prefix."""

FLAG_VOCABULARY_CUSTOM = "epcis.vocabulary_custom"
"""Prefix of the flag for a non-CBV vocabulary URI, followed by ``:{field}``."""
FLAG_EPC_UNKNOWN_SCHEME = "epcis.epc_unknown_scheme"


class EventError(Exception):
    """An event that breaks an EPCIS rule; it is rejected with the field path."""

    def __init__(self, message: str, field_path: str) -> None:
        self.message = message
        self.field_path = field_path
        super().__init__(f"{message} at {field_path}")


def parse_time(value: Any, path: str) -> tuple[datetime, str]:
    """Return (UTC instant, text as written) of an xsd:dateTime with an offset."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise EventError("the timestamp is missing", path)
    # Python reads at most six fractional digits; partners send up to nine.
    parseable = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        instant = datetime.fromisoformat(parseable)
    except ValueError as exc:
        raise EventError(
            f"{text!r} is not an ISO 8601 date and time such as 2024-05-01T10:00:00+02:00", path
        ) from exc
    if instant.utcoffset() is None:
        raise EventError(f"{text!r} has no UTC offset", path)
    if not MIN_YEAR <= instant.year <= MAX_YEAR:
        raise EventError(f"{text!r} is outside the years {MIN_YEAR} to {MAX_YEAR}", path)
    return instant.astimezone(UTC), text


def parse_number(value: Any, path: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise EventError(f"{value!r} is not a number", path) from exc
    if not number.is_finite():
        raise EventError(f"{value!r} is not a finite number", path)
    return number


def build_event(tree: dict[str, Any], index: int, prefixes: dict[str, str]) -> EpcisEvent:
    """Validate one event tree and return the normalised event; raise EventError."""
    base = f"eventList[{index}]"
    event_type = tree.get("type")
    if event_type not in EVENT_TYPES:
        raise EventError(
            f"event type {event_type!r} is not one of: {', '.join(EVENT_TYPES)}", f"{base}.type"
        )
    local_prefixes = _event_prefixes(tree, prefixes)
    flags: list[str] = []
    extensions = _extensions(tree, local_prefixes, base)

    event_time, event_time_source = parse_time(tree.get("eventTime"), f"{base}.eventTime")
    offset = _time_zone_offset(tree, base)
    action = _action(tree, event_type, base)

    biz_step, biz_step_source = _vocabulary("bizStep", tree.get("bizStep"), base, flags)
    disposition, disposition_source = _vocabulary(
        "disposition", tree.get("disposition"), base, flags
    )
    persistent = _persistent_disposition(tree, base, flags)

    epc_lists = {
        name: [
            _identifier(value, f"{base}.{name}[{i}]", flags)
            for i, value in enumerate(_list(tree, name, base))
        ]
        for name in EPC_LISTS
        if name in tree
    }
    quantity_lists = {
        name: [
            _quantity(item, f"{base}.{name}[{i}]", flags)
            for i, item in enumerate(_list(tree, name, base))
        ]
        for name in QUANTITY_LISTS
        if name in tree
    }
    typed_lists = {
        name: [
            _typed(item, value_key, f"{base}.{name}[{i}]", flags)
            for i, item in enumerate(_list(tree, name, base))
        ]
        for name, value_key in TYPED_LISTS.items()
        if name in tree
    }
    has_objects = epc_lists.get("epcList") or quantity_lists.get("quantityList")
    if event_type == "ObjectEvent" and not has_objects and not tree.get("sensorElementList"):
        raise EventError(
            "an ObjectEvent needs a non-empty epcList or quantityList, or sensor data",
            f"{base}.epcList",
        )

    ilmd = tree.get("ilmd")
    if ilmd is not None and not isinstance(ilmd, dict):
        raise EventError("ilmd is not an object", f"{base}.ilmd")
    certification_list = _certification_info(tree, base)

    parent = tree.get("parentID")
    transformation = tree.get("transformationID")
    return EpcisEvent(
        index=index,
        event_type=event_type,
        event_id=str(tree["eventID"]).strip() if tree.get("eventID") else None,
        event_time=event_time,
        event_time_source=event_time_source,
        time_zone_offset=offset,
        record_time=str(tree["recordTime"]) if tree.get("recordTime") else None,
        action=action,
        biz_step=biz_step,
        biz_step_source=biz_step_source,
        disposition=disposition,
        disposition_source=disposition_source,
        persistent_disposition=persistent,
        read_point=_location(tree, "readPoint", base, flags),
        biz_location=_location(tree, "bizLocation", base, flags),
        parent_id=_identifier(parent, f"{base}.parentID", flags) if parent else None,
        transformation_id=canonical_epc(str(transformation)) if transformation else None,
        epc_lists=epc_lists,
        quantity_lists=quantity_lists,
        typed_lists=typed_lists,
        location_extensions={
            name: _expand_tree(
                {k: v for k, v in tree[name].items() if k != "id"}, local_prefixes, f"{base}.{name}"
            )
            for name in ("readPoint", "bizLocation")
            if isinstance(tree.get(name), dict) and len(tree[name]) > 1
        },
        sensor_elements=_sensor_elements(tree.get("sensorElementList"), base, local_prefixes),
        ilmd=_expand_tree(ilmd or {}, local_prefixes, f"{base}.ilmd"),
        extensions=extensions,
        certification_info=list(certification_list),
        error_declaration=_error_declaration(tree.get("errorDeclaration"), base, flags),
        flags=flags,
    )


def _event_prefixes(tree: dict[str, Any], prefixes: dict[str, str]) -> dict[str, str]:
    """Return the document's prefixes plus those of an @context inside the event."""
    local_prefixes = dict(prefixes)
    local_context = tree.get("@context")
    for item in local_context if isinstance(local_context, list) else [local_context]:
        if isinstance(item, dict):
            local_prefixes.update({k: v for k, v in item.items() if isinstance(v, str)})
    return local_prefixes


def _extensions(tree: dict[str, Any], prefixes: dict[str, str], base: str) -> dict[str, Any]:
    extensions: dict[str, Any] = {}
    for key, value in tree.items():
        if key in KNOWN_FIELDS:
            continue
        expanded = _expand_key(key, prefixes)
        if expanded is None:
            raise EventError(f"unknown field {key!r} without a namespace prefix", f"{base}.{key}")
        namespace = expanded[1:].partition("}")[0]
        extensions[expanded] = _expand_tree(value, prefixes, f"{base}.{key}", namespace)
    return extensions


def _time_zone_offset(tree: dict[str, Any], base: str) -> str:
    offset = str(tree.get("eventTimeZoneOffset") or "").strip()
    if not OFFSET_PATTERN.fullmatch(offset):
        raise EventError(
            f"eventTimeZoneOffset {offset!r} is missing or not of the form +hh:mm",
            f"{base}.eventTimeZoneOffset",
        )
    return offset


def _action(tree: dict[str, Any], event_type: str, base: str) -> str | None:
    action = tree.get("action")
    if event_type in ACTION_REQUIRED or action is not None:
        if action not in ACTIONS:
            raise EventError(
                f"action {action!r} is not one of: {', '.join(ACTIONS)}", f"{base}.action"
            )
    return action


def _persistent_disposition(
    tree: dict[str, Any], base: str, flags: list[str]
) -> dict[str, list[str]]:
    persistent: dict[str, list[str]] = {}
    raw_persistent = tree.get("persistentDisposition")
    if isinstance(raw_persistent, dict):
        for part in ("set", "unset"):
            values = raw_persistent.get(part) or []
            values = values if isinstance(values, list) else [values]
            persistent[part] = [
                _vocabulary("disposition", value, base, flags)[0] or "" for value in values
            ]
    return persistent


def _certification_info(tree: dict[str, Any], base: str) -> list[str]:
    certification = tree.get("certificationInfo")
    if certification is None:
        return []
    values = certification if isinstance(certification, list) else [certification]
    for i, item in enumerate(values):
        if not isinstance(item, str):
            raise EventError(
                "certificationInfo must be a URI string", f"{base}.certificationInfo[{i}]"
            )
    return list(values)


def _list(tree: dict[str, Any], name: str, base: str) -> list[Any]:
    value = tree.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise EventError(f"{name} is not a list", f"{base}.{name}")
    return value


def _expand_key(key: str, prefixes: dict[str, str], inherited: str | None = None) -> str | None:
    """Expand ``prefix:name`` to ``{namespace}name``; an unprefixed key takes ``inherited``."""
    if key.startswith("{"):
        return key
    if key.startswith(("http://", "https://", "urn:")):
        return "{" + key.rsplit("/", 1)[0] + "/}" + key.rsplit("/", 1)[1] if "/" in key else key
    prefix, sep, local = key.partition(":")
    if sep and prefix in prefixes:
        return "{" + prefixes[prefix] + "}" + local
    if sep and prefix:
        return "{" + prefix + ":}" + local
    return "{" + inherited + "}" + key if inherited else None


def _expand_tree(
    value: Any, prefixes: dict[str, str], path: str, inherited: str | None = None
) -> Any:
    """Expand the keys of an ILMD or extension tree; nested keys take the parent's namespace."""
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key.startswith("@"):
                continue
            expanded = _expand_key(key, prefixes, inherited)
            if expanded is None:
                raise EventError(f"field {key!r} has no namespace prefix", f"{path}.{key}")
            namespace = expanded[1:].partition("}")[0]
            result[expanded] = _expand_tree(item, prefixes, f"{path}.{key}", namespace)
        return result
    if isinstance(value, list):
        return [_expand_tree(item, prefixes, path, inherited) for item in value]
    return value


def _vocabulary(
    kind: str, value: Any, base: str, flags: list[str]
) -> tuple[str | None, str | None]:
    if value is None or value == "":
        return None, None
    text = str(value).strip()
    word, standard = vocabulary_word(kind, text)
    if standard:
        return word, text
    if ":" not in text:
        raise EventError(f"{kind} {text!r} is neither a CBV 2.0 term nor a URI", f"{base}.{kind}")
    flags.append(f"{FLAG_VOCABULARY_CUSTOM}:{kind}")
    return text, text


def _identifier(value: Any, path: str, flags: list[str]) -> Identifier:
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{value!r} is not an identifier URI", path)
    canonical = canonical_epc(value)
    if canonical == value.strip() and not canonical.startswith("https://id.gs1.org/"):
        flags.append(FLAG_EPC_UNKNOWN_SCHEME)
    return Identifier(value=canonical, source=value)


def _location(tree: dict[str, Any], name: str, base: str, flags: list[str]) -> Identifier | None:
    value = tree.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("id")
    return _identifier(value, f"{base}.{name}.id", flags)


def _quantity(item: Any, path: str, flags: list[str]) -> QuantityElement:
    if not isinstance(item, dict):
        raise EventError("a quantity element is not an object", path)
    unknown = sorted(set(item) - set(QUANTITY_FIELDS))
    if unknown:
        raise EventError(f"unknown fields in a quantity element: {', '.join(unknown)}", path)
    if not item.get("epcClass"):
        raise EventError("a quantity element has no epcClass", f"{path}.epcClass")
    quantity = item.get("quantity")
    number = parse_number(quantity, f"{path}.quantity") if quantity not in (None, "") else None
    if number is not None and number < 0:
        raise EventError(f"quantity {quantity!r} is negative", f"{path}.quantity")
    uom = item.get("uom")
    return QuantityElement(
        epc_class=_identifier(item["epcClass"], f"{path}.epcClass", flags),
        quantity=number,
        uom=str(uom).strip() if uom else None,
    )


def _typed(item: Any, value_key: str, path: str, flags: list[str]) -> TypedValue:
    if not isinstance(item, dict) or not item.get(value_key):
        raise EventError(f"an entry has no {value_key} value", path)
    kind = "bizTransactionType" if value_key == "bizTransaction" else "sourceDestType"
    type_source = item.get("type")
    type_word = None
    if type_source:
        type_word, standard = vocabulary_word(kind, str(type_source))
        if not standard:
            if ":" not in type_word:
                raise EventError(
                    f"type {type_word!r} is neither a CBV 2.0 term nor a URI", f"{path}.type"
                )
            flags.append(f"{FLAG_VOCABULARY_CUSTOM}:{value_key}")
    value = canonical_epc(str(item[value_key]))
    return TypedValue(type=type_word, value=value, type_source=type_source)


def _sensor_elements(value: Any, base: str, prefixes: dict[str, str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise EventError("sensorElementList is not a list", f"{base}.sensorElementList")
    elements = []
    for i, element in enumerate(value):
        path = f"{base}.sensorElementList[{i}]"
        if not isinstance(element, dict):
            raise EventError("a sensor element is not an object", path)
        metadata = element.get("sensorMetadata") or {}
        if not isinstance(metadata, dict):
            raise EventError("sensorMetadata is not an object", f"{path}.sensorMetadata")
        reports = element.get("sensorReport") or []
        if not isinstance(reports, list):
            reports = [reports]
        for j, report in enumerate(reports):
            if not isinstance(report, dict):
                raise EventError("a sensor report is not an object", f"{path}.sensorReport[{j}]")
        elements.append(
            {
                "sensorMetadata": dict(metadata),
                "sensorReport": [dict(report) for report in reports],
            }
        )
    return elements


def _error_declaration(value: Any, base: str, flags: list[str]) -> ErrorDeclaration | None:
    if value is None:
        return None
    path = f"{base}.errorDeclaration"
    if not isinstance(value, dict):
        raise EventError("errorDeclaration is not an object", path)
    instant, source = parse_time(value.get("declarationTime"), f"{path}.declarationTime")
    reason = value.get("reason")
    if reason:
        reason, _ = vocabulary_word("errorReason", str(reason))
    corrective = value.get("correctiveEventIDs") or []
    if not isinstance(corrective, list):
        raise EventError("correctiveEventIDs is not a list", f"{path}.correctiveEventIDs")
    return ErrorDeclaration(
        declaration_time=instant,
        declaration_time_source=source,
        reason=reason or None,
        corrective_event_ids=tuple(str(item) for item in corrective),
    )
