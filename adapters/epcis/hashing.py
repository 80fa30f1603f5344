"""The CBV 2.0 event hash: a syntax-independent fingerprint of an EPCIS event.

The pre-hash string concatenates, without separators, ``eventType``, then the
event's fields in a fixed order, each as ``name=value`` or, for lists and
structures, the name followed by its children. Values are normalised first:
timestamps to UTC with three decimals and ``Z``, EPCs to canonical GS1
Digital Link URIs, CBV vocabulary to ``https://ref.gs1.org/cbv/`` URIs,
numbers without trailing zeros. The children of every list are sorted
lexically by their own pre-hash string, and ILMD and extension fields by
name. ``eventID``, ``recordTime``, ``errorDeclaration`` and
``certificationInfo`` are left out, so an error declaration has the hash of
the event it corrects. The hash is SHA-256 over the UTF-8 pre-hash string,
written as ``ni:///sha-256;<hex>?ver=CBV2.0``.

The field order follows the published reference files of the
epcis-event-hash-generator project, which put ``destinationList`` before
``sourceList``.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapters.epcis.identifiers import canonical_epc, vocabulary_uri
from adapters.epcis.model import EpcisEvent, QuantityElement

HASH_PREFIX = "ni:///sha-256;"
HASH_SUFFIX = "?ver=CBV2.0"
SENSOR_METADATA_ORDER = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
SENSOR_REPORT_ORDER = (
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)
SENSOR_URI_FIELDS = ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules")
GS1_VOCABULARY = "https://gs1.org/voc/"


def event_hash(event: EpcisEvent) -> str:
    """Return the CBV 2.0 hash id of ``event``, such as ``ni:///sha-256;ab12...?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash_string(event).encode("utf-8")).hexdigest()
    return f"{HASH_PREFIX}{digest}{HASH_SUFFIX}"


def hash_hex(hash_id: str) -> str:
    """Return the hex digest inside a ``ni:///sha-256;...`` hash id."""
    return hash_id.removeprefix(HASH_PREFIX).removesuffix(HASH_SUFFIX)


def utc_millis(instant: datetime) -> str:
    """Format an instant in UTC with three decimals, rounding half up at the fourth."""
    rounded = instant.astimezone(UTC) + timedelta(microseconds=500)
    rounded = rounded.replace(microsecond=rounded.microsecond // 1000 * 1000)
    return rounded.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rounded.microsecond // 1000:03d}Z"


def number_text(value: Any) -> str:
    """Write a number without trailing zeros or exponent: 26.0 -> 26, 1.50 -> 1.5."""
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return str(value).strip()
    if not number.is_finite():
        return str(value).strip()
    text = format(number.normalize(), "f")
    return text


def prehash_string(event: EpcisEvent) -> str:
    """Build the pre-hash string of ``event`` from its normalised fields."""
    parts = [
        f"eventType={event.event_type}",
        f"eventTime={utc_millis(event.event_time)}",
        f"eventTimeZoneOffset={event.time_zone_offset}",
        _epc_list("epcList", event),
    ]
    if event.parent_id is not None:
        parts.append(f"parentID={event.parent_id.value}")
    parts += [
        _epc_list("inputEPCList", event),
        _epc_list("childEPCs", event),
        _quantity_list("quantityList", event),
        _quantity_list("childQuantityList", event),
        _quantity_list("inputQuantityList", event),
        _epc_list("outputEPCList", event),
        _quantity_list("outputQuantityList", event),
    ]

    if event.action:
        parts.append(f"action={event.action}")
    if event.transformation_id:
        parts.append(f"transformationID={event.transformation_id}")
    if event.biz_step:
        parts.append(f"bizStep={vocabulary_uri('bizStep', event.biz_step)}")
    if event.disposition:
        parts.append(f"disposition={vocabulary_uri('disposition', event.disposition)}")
    if event.persistent_disposition:
        parts.append("persistentDisposition")
        for part in ("set", "unset"):
            values = event.persistent_disposition.get(part, [])
            parts += sorted(f"{part}={vocabulary_uri('disposition', v)}" for v in values)

    for name, location in (("readPoint", event.read_point), ("bizLocation", event.biz_location)):
        if location is not None:
            parts.append(f"{name}id={location.value}")
            parts.append(_fields(event.location_extensions.get(name, {})))

    for name, value_key, kind in (
        ("bizTransactionList", "bizTransaction", "bizTransactionType"),
        ("destinationList", "destination", "sourceDestType"),
        ("sourceList", "source", "sourceDestType"),
    ):
        entries = event.typed(name)
        if entries:
            children = []
            for entry in entries:
                type_part = f"type={vocabulary_uri(kind, entry.type)}" if entry.type else ""
                children.append(f"{type_part}{value_key}={entry.value}")
            parts.append(name + "".join(sorted(children)))

    if event.sensor_elements:
        parts.append(
            "sensorElementList" + "".join(sorted(_sensor(e) for e in event.sensor_elements))
        )
    if event.ilmd:
        parts.append("ilmd" + _fields(event.ilmd))
    if event.extensions:
        parts.append(_fields(event.extensions))
    return "".join(parts)


def _epc_list(name: str, event: EpcisEvent) -> str:
    epcs = event.epcs(name)
    if not epcs:
        return ""
    return name + "".join(sorted(f"epc={epc.value}" for epc in epcs))


def _quantity(element: QuantityElement) -> str:
    text = f"quantityElementepcClass={element.epc_class.value}"
    if element.quantity is not None:
        text += f"quantity={number_text(element.quantity)}"
    if element.uom:
        text += f"uom={element.uom}"
    return text


def _quantity_list(name: str, event: EpcisEvent) -> str:
    elements = event.quantities(name)
    if not elements:
        return ""
    return name + "".join(sorted(_quantity(element) for element in elements))


def _sensor_value(name: str, value: Any) -> str:
    if name == "type" or name == "exception":
        text = str(value).strip()
        if text.startswith("gs1:"):
            text = text[len("gs1:") :]
        return text if ":" in text else f"{GS1_VOCABULARY}{text}"
    if name in ("time", "startTime", "endTime"):
        try:
            return utc_millis(datetime.fromisoformat(str(value).strip()))
        except ValueError:
            return str(value).strip()
    if name in SENSOR_URI_FIELDS:
        return canonical_epc(str(value))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return number_text(value)
    if name.endswith("Value") and name not in ("stringValue", "hexBinaryValue", "uriValue"):
        return number_text(value)
    if name in ("value", "sDev", "percRank"):
        return number_text(value)
    return str(value).strip()


def _sensor(element: dict[str, Any]) -> str:
    text = "sensorElement"
    metadata = element.get("sensorMetadata") or {}
    if metadata:
        text += "sensorMetadata" + "".join(
            f"{name}={_sensor_value(name, metadata[name])}"
            for name in SENSOR_METADATA_ORDER
            if name in metadata
        )
    reports = []
    for report in element.get("sensorReport") or []:
        reports.append(
            "sensorReport"
            + "".join(
                f"{name}={_sensor_value(name, report[name])}"
                for name in SENSOR_REPORT_ORDER
                if name in report
            )
        )
    return text + "".join(sorted(reports))


def _fields(tree: dict[str, Any]) -> str:
    children = []
    for name, value in tree.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, dict):
                children.append(name + _fields(item))
            elif isinstance(item, (int, float, Decimal)) and not isinstance(item, bool):
                children.append(f"{name}={number_text(item)}")
            else:
                children.append(f"{name}={str(item).strip()}")
    return "".join(sorted(children))
