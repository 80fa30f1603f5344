"""Splitting an EPCIS document into one raw record per event.

Each record's value is the whole document, byte for byte, and the header
``epcis.event_index`` names the event the record stands for. Publishing
the document once per event keeps the bytes exactly as the partner sent
them: a JSON event re-serialised is not the partner's bytes, and an event
cut out of the document loses what it depends on, namely the JSON-LD
@context that defines its prefixes and the XML namespace declarations on
the root element.

NOTE: a document of N events is stored N times on the raw topic and parsed
N times by the normalize stage, so the cost grows with N squared. No limit on
N is enforced here.

How each defect is handled:

=============================================  ===================================
Defect                                         Outcome
=============================================  ===================================
not JSON or XML, malformed, no @context,       one split error EPCIS_DOCUMENT_INVALID
root not EPCISDocument or EPCISQueryDocument,  with the whole input
no eventList, a DTD or entity declaration
an event that breaks an EPCIS rule, as         split error EPCIS_EVENT_INVALID for
listed in ``adapters.epcis.event``             that event. The other events are kept
a document without events                      one split error EPCIS_DOCUMENT_INVALID
a partner vocabulary URI, an EPC of an         flag in ``epcis.quality_flags``
unknown scheme
=============================================  ===================================

The record key is the event's CBV 2.0 hash, the same for the event in either
syntax, so resends of an event land in the same partition.
"""

from adapters.epcis import headers as h
from adapters.epcis.event import EventError, build_event
from adapters.epcis.hashing import event_hash
from adapters.epcis.model import EpcisEvent
from adapters.epcis.reader import DocumentError, EpcisDocument, read_document
from adapters.raw import (
    ADAPTER_VERSION,
    H_ADAPTER_VERSION,
    H_DOCUMENT_TYPE,
    H_FILENAME,
    H_PARTNER,
    H_PAYLOAD_SHA256,
    H_RECEIVED_AT,
    H_SOURCE,
    H_SPLIT_ERROR_CODE,
    H_SPLIT_ERROR_MESSAGE,
    RawDocument,
    sha256_hex,
    utc_now_iso,
)
from canonical.errors import ErrorCode

SOURCE = "epcis"


def split_epcis(data: bytes, *, filename: str, received_at: str | None = None) -> list[RawDocument]:
    """Split an EPCIS document into raw records, one per event.

    Input that cannot be read, and each invalid event, becomes a record with
    the split error headers instead of an exception. ``received_at`` defaults
    to the current time.
    """
    received_at = received_at or utc_now_iso()
    base = {
        H_SOURCE: SOURCE,
        H_RECEIVED_AT: received_at,
        H_PAYLOAD_SHA256: sha256_hex(data),
        H_FILENAME: filename,
        H_ADAPTER_VERSION: ADAPTER_VERSION,
    }
    try:
        document = read_document(data)
    except DocumentError as exc:
        return [_document_error(data, base, filename, exc.code, exc.message)]
    if not document.events:
        message = "the document's eventList is empty"
        return [_document_error(data, base, filename, ErrorCode.EPCIS_DOCUMENT_INVALID, message)]

    records = []
    for index, tree in enumerate(document.events):
        headers = {**base, H_PARTNER: document.sender, **_document_headers(document)}
        headers[h.H_EVENT_INDEX] = str(index)
        headers[h.H_EVENT_COUNT] = str(len(document.events))
        headers[h.H_EVENT_TYPE] = str(tree.get("type") or "")
        headers[H_DOCUMENT_TYPE] = headers[h.H_EVENT_TYPE]
        headers[h.H_EVENT_ID] = str(tree.get("eventID") or "")
        try:
            event = build_event(tree, index, document.prefixes)
        except EventError as exc:
            headers[H_SPLIT_ERROR_CODE] = ErrorCode.EPCIS_EVENT_INVALID.value
            headers[H_SPLIT_ERROR_MESSAGE] = f"{exc.message} at {exc.field_path}"
            records.append(RawDocument(key=f"{filename}:{index}", value=data, headers=headers))
            continue
        records.append(_event_record(data, headers, event))
    return records


def load_event(data: bytes, index: int) -> tuple[EpcisDocument, EpcisEvent]:
    """Read event ``index`` of a document; raise DocumentError, EventError or IndexError."""
    document = read_document(data)
    return document, build_event(document.events[index], index, document.prefixes)


def looks_like_epcis(data: bytes) -> bool:
    """Return whether the first 4 KiB name an EPCISDocument or EPCISQueryDocument."""
    head = data[:4096]
    return b"EPCISDocument" in head or b"EPCISQueryDocument" in head


def _document_headers(document: EpcisDocument) -> dict[str, str]:
    return {
        h.H_SYNTAX: document.syntax,
        h.H_DOCUMENT_TYPE: document.document_type,
        h.H_SCHEMA_VERSION: document.schema_version,
        h.H_CONTEXT: document.context,
    }


def _event_record(data: bytes, headers: dict[str, str], event: EpcisEvent) -> RawDocument:
    hash_id = event_hash(event)
    headers[h.H_EVENT_HASH] = hash_id
    if event.flags:
        headers[h.H_QUALITY_FLAGS] = ",".join(dict.fromkeys(event.flags))
    return RawDocument(key=hash_id, value=data, headers=headers)


def _document_error(
    data: bytes, base: dict[str, str], filename: str, code: ErrorCode, message: str
) -> RawDocument:
    headers = {
        **base,
        H_PARTNER: "",
        H_DOCUMENT_TYPE: "",
        H_SPLIT_ERROR_CODE: code.value,
        H_SPLIT_ERROR_MESSAGE: message,
    }
    return RawDocument(key=f"{filename}:0", value=data, headers=headers)
