"""Raw records as adapters publish them, and the provenance headers they carry."""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

ADAPTER_VERSION = "1"

# Provenance headers on every raw record. Values are UTF-8 strings.
H_SOURCE = "scmflow.source"
H_PARTNER = "scmflow.partner"
H_RECEIVED_AT = "scmflow.received_at"
H_PAYLOAD_SHA256 = "scmflow.payload_sha256"
H_FILENAME = "scmflow.filename"
H_ADAPTER_VERSION = "scmflow.adapter_version"
H_DOCUMENT_TYPE = "scmflow.document_type"
# Set when the adapter could not split the input into business documents. The
# whole input is then published as one record, so that the normalize stage
# dead-letters it with this code instead of the bytes being lost.
H_SPLIT_ERROR_CODE = "scmflow.split_error.code"
H_SPLIT_ERROR_MESSAGE = "scmflow.split_error.message"


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One business document, with the key and headers it is published with."""

    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [(name, text.encode("utf-8")) for name, text in self.headers.items()]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
