"""The GS1 EPCIS adapter: JSON-LD 2.0, XML 2.0 and XML 1.2 documents, one raw record per event."""

from adapters.epcis.event import EventError, build_event
from adapters.epcis.hashing import event_hash, prehash_string
from adapters.epcis.identifiers import canonical_epc, digital_link_parts, vocabulary_word
from adapters.epcis.model import EpcisEvent, Identifier, QuantityElement
from adapters.epcis.reader import DocumentError, EpcisDocument, read_document
from adapters.epcis.split import load_event, looks_like_epcis, split_epcis

__all__ = [
    "DocumentError",
    "EpcisDocument",
    "EpcisEvent",
    "EventError",
    "Identifier",
    "QuantityElement",
    "build_event",
    "canonical_epc",
    "digital_link_parts",
    "event_hash",
    "load_event",
    "looks_like_epcis",
    "prehash_string",
    "read_document",
    "split_epcis",
    "vocabulary_word",
]
