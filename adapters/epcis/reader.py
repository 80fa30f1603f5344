"""Reading EPCIS documents (JSON-LD 2.0, XML 2.0 and XML 1.2) into one tree per event.

Both syntaxes become the same plain tree, keyed by the JSON-LD names:

- ``epcList`` and the other EPC lists are lists of strings;
- ``bizTransactionList`` is a list of ``{"type", "bizTransaction"}`` objects,
  and the source and destination lists likewise;
- ``readPoint`` and ``bizLocation`` are ``{"id"}`` objects;
- sensor metadata and reports are objects of their attributes;
- every user extension or ILMD field is keyed ``{namespace}localName``.

XML 1.2 wrappers (``extension``, ``baseExtension``) are flattened into their
parent. Values stay as written, and ``adapters.epcis.event`` validates and
normalises them.

XML is parsed with defusedxml, which rejects a document type declaration,
entity declarations and external references, so an XXE or entity-expansion
attempt fails before any entity is read.
"""

import json
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from canonical.errors import ErrorCode

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
XML_NAMESPACES = {
    "urn:epcglobal:epcis:xsd:2": "2.0",
    "urn:epcglobal:epcis:xsd:1": "1.2",
    "urn:epcglobal:epcis-query:xsd:2": "2.0",
    "urn:epcglobal:epcis-query:xsd:1": "1.2",
}
FLATTENED_ELEMENTS = ("extension", "baseExtension")
EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
TYPED_LISTS = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
ID_ELEMENTS = ("readPoint", "bizLocation")


class DocumentError(Exception):
    """The input is not a readable EPCIS document; no event can be taken from it."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(slots=True)
class EpcisDocument:
    """An EPCIS document's metadata and its events as plain trees, in document order."""

    syntax: str
    """``json-ld`` or ``xml``."""
    document_type: str
    schema_version: str
    context: str
    """JSON-LD: the ``@context`` URLs, comma-separated. XML: the root element's namespace."""
    sender: str
    events: list[dict[str, Any]] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    """JSON-LD prefixes declared at document level, used to expand ``prefix:name`` keys."""


def read_document(data: bytes) -> EpcisDocument:
    """Parse ``data`` as JSON-LD or XML; raise DocumentError when it is neither."""
    text_start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if text_start in (b"{", b"["):
        return _read_json(data)
    if text_start == b"<":
        return _read_xml(data)
    raise DocumentError(
        ErrorCode.EPCIS_DOCUMENT_INVALID,
        "the input is neither JSON nor XML: expected '{' or '<' as the first character",
    )


# JSON-LD


def _read_json(data: bytes) -> EpcisDocument:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(
            ErrorCode.EPCIS_DOCUMENT_INVALID, f"the input is not valid JSON: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise DocumentError(ErrorCode.EPCIS_DOCUMENT_INVALID, "the JSON document is not an object")

    document_type = document.get("type")
    if document_type not in DOCUMENT_TYPES:
        raise DocumentError(
            ErrorCode.EPCIS_DOCUMENT_INVALID,
            f"the JSON document's type is {document_type!r}; expected one of: "
            f"{', '.join(DOCUMENT_TYPES)}",
        )
    if "@context" not in document:
        raise DocumentError(
            ErrorCode.EPCIS_DOCUMENT_INVALID,
            "the JSON-LD document has no @context, so its terms cannot be interpreted",
        )
    context_urls, prefixes = _context(document["@context"])

    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise DocumentError(ErrorCode.EPCIS_DOCUMENT_INVALID, "epcisBody is missing")
    if document_type == "EPCISQueryDocument":
        results = body.get("queryResults", {})
        body = results.get("resultsBody", {}) if isinstance(results, dict) else {}
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise DocumentError(ErrorCode.EPCIS_DOCUMENT_INVALID, "the document has no eventList array")

    sender = ""
    header = document.get("epcisHeader")
    if isinstance(header, dict):
        sbdh = header.get("sbdh") or header.get("StandardBusinessDocumentHeader") or {}
        sender_block = sbdh.get("sender") if isinstance(sbdh, dict) else None
        if isinstance(sender_block, dict):
            identifier = sender_block.get("identifier")
            sender = str(
                identifier.get("#text", "") if isinstance(identifier, dict) else identifier or ""
            )
    return EpcisDocument(
        syntax="json-ld",
        document_type=document_type,
        schema_version=str(document.get("schemaVersion", "")),
        context=",".join(context_urls),
        sender=sender,
        events=[event if isinstance(event, dict) else {"type": None} for event in events],
        prefixes=prefixes,
    )


STANDARD_PREFIXES = {
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "cbv": "https://ref.gs1.org/cbv/",
    "epcis": "https://ref.gs1.org/epcis/",
}
"""Prefixes the EPCIS 2.0 JSON-LD context defines; a document's own @context may override them."""


def _context(context: Any) -> tuple[list[str], dict[str, str]]:
    urls: list[str] = []
    prefixes: dict[str, str] = dict(STANDARD_PREFIXES)
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str):
            urls.append(item)
        elif isinstance(item, dict):
            for name, value in item.items():
                if isinstance(value, str):
                    prefixes[name] = value
                elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                    prefixes[name] = value["@id"]
    return urls, prefixes


# XML


def _read_xml(data: bytes) -> EpcisDocument:
    try:
        root = safe_xml.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise DocumentError(
            ErrorCode.EPCIS_DOCUMENT_INVALID,
            f"the XML document declares a DTD or entities, which are rejected: {exc}",
        ) from exc
    except safe_xml.ParseError as exc:
        raise DocumentError(
            ErrorCode.EPCIS_DOCUMENT_INVALID, f"the input is not well-formed XML: {exc}"
        ) from exc
    namespace, _, local = (
        root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    )
    if local not in DOCUMENT_TYPES or namespace not in XML_NAMESPACES:
        raise DocumentError(
            ErrorCode.EPCIS_DOCUMENT_INVALID,
            f"the XML root element is {root.tag!r}; expected EPCISDocument or "
            f"EPCISQueryDocument in one of the namespaces {', '.join(XML_NAMESPACES)}",
        )
    event_list = next((e for e in root.iter() if _split_name(e.tag)[1] == "EventList"), None)
    if event_list is None:
        raise DocumentError(ErrorCode.EPCIS_DOCUMENT_INVALID, "the document has no EventList")
    elements: list[Element] = []
    pending = list(event_list)
    while pending:
        child = pending.pop(0)
        if _split_name(child.tag)[1] == "extension":
            # XML 1.2 wraps events newer than 1.0 in one or more extension elements.
            pending[:0] = list(child)
        else:
            elements.append(child)
    return EpcisDocument(
        syntax="xml",
        document_type=local,
        schema_version=root.get("schemaVersion") or XML_NAMESPACES[namespace],
        context=namespace,
        sender=_xml_sender(root),
        events=[_xml_event(element) for element in elements],
    )


def _split_name(tag: str) -> tuple[str, str]:
    """Return (namespace, local name); an element in an EPCIS namespace counts as unqualified."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return ("", local) if namespace in XML_NAMESPACES else (namespace, local)
    return "", tag


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _xml_sender(root: Element) -> str:
    for element in root.iter():
        namespace, local = _split_name(element.tag)
        if local == "Sender":
            for child in element:
                if _split_name(child.tag)[1] == "Identifier":
                    return _text(child)
    return ""


def _xml_event(element: Element) -> dict[str, Any]:
    _, local = _split_name(element.tag)
    event: dict[str, Any] = {"type": local}
    _xml_fields(element, event)
    return event


def _xml_fields(element: Element, event: dict[str, Any]) -> None:
    for child in element:
        namespace, local = _split_name(child.tag)
        if namespace:
            event[child.tag] = _xml_extension(child)
        elif local in FLATTENED_ELEMENTS:
            _xml_fields(child, event)
        elif local in EPC_LISTS:
            event[local] = [_text(epc) for epc in child]
        elif local in QUANTITY_LISTS:
            event[local] = [
                {_split_name(part.tag)[1]: _text(part) for part in quantity} for quantity in child
            ]
        elif local in TYPED_LISTS:
            event[local] = [
                {"type": item.get("type"), TYPED_LISTS[local]: _text(item)} for item in child
            ]
        elif local in ID_ELEMENTS:
            event[local] = {
                part.tag if _split_name(part.tag)[0] else "id": _xml_extension(part)
                for part in child
            }
        elif local == "persistentDisposition":
            disposition: dict[str, list[str]] = {}
            for part in child:
                disposition.setdefault(_split_name(part.tag)[1], []).append(_text(part))
            event[local] = disposition
        elif local == "sensorElementList":
            event[local] = [_xml_sensor_element(sensor) for sensor in child]
        elif local == "ilmd":
            event[local] = _xml_extension(child) if len(child) else {}
        elif local == "errorDeclaration":
            event[local] = _xml_error_declaration(child)
        elif local == "certificationInfo":
            event.setdefault(local, []).append(_text(child))
        else:
            event[local] = _text(child) if len(child) == 0 else _xml_extension(child)


def _xml_sensor_element(sensor: Element) -> dict[str, Any]:
    result: dict[str, Any] = {"sensorReport": []}
    for part in sensor:
        namespace, local = _split_name(part.tag)
        if local == "sensorMetadata":
            result["sensorMetadata"] = dict(part.attrib)
        elif local == "sensorReport":
            result["sensorReport"].append(dict(part.attrib))
        elif namespace:
            result[part.tag] = _xml_extension(part)
    return result


def _xml_error_declaration(element: Element) -> dict[str, Any]:
    declaration: dict[str, Any] = {}
    for part in element:
        namespace, local = _split_name(part.tag)
        if local == "correctiveEventIDs":
            declaration[local] = [_text(item) for item in part]
        elif namespace:
            declaration[part.tag] = _xml_extension(part)
        else:
            declaration[local] = _text(part)
    return declaration


def _xml_extension(element: Element) -> Any:
    """Return the text of a leaf, else a dict of children; a repeated child becomes a list."""
    if len(element) == 0:
        return _text(element)
    children: dict[str, Any] = {}
    for child in element:
        value = _xml_extension(child)
        if child.tag not in children:
            children[child.tag] = value
        elif isinstance(children[child.tag], list):
            children[child.tag].append(value)
        else:
            children[child.tag] = [children[child.tag], value]
    return children
