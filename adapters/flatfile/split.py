"""Splitting a legacy export into one raw record per business document.

Rows are grouped by the layout's ``document_key`` columns, in order of each
group's first row. A record's value is the CSV header row, when the layout
has one, followed by the group's rows. Each row is its exact text from the
file, re-encoded in the layout's encoding, so a normalizer reads it back with
the same layout. The key is ``{source}:{layout name}:{document key}``. A file
that cannot be split (undecodable, a missing header column, an unclosed
quote, no data rows) becomes one record with the ``scmflow.split_error.*``
headers (FLATFILE_FILE_INVALID) and the whole input, so the normalize stage
dead-letters it instead of the bytes being lost.
"""

from adapters.flatfile import headers as h
from adapters.flatfile.layout import Layout
from adapters.flatfile.rows import FlatFileError, Row, document_key, read_rows
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

SOURCE = "flatfile"


def split_flatfile(
    data: bytes, layout: Layout, *, filename: str, received_at: str | None = None
) -> list[RawDocument]:
    """Split an export into raw records, one per document key; never raises on bad input."""
    received_at = received_at or utc_now_iso()
    base = {
        H_SOURCE: SOURCE,
        H_PARTNER: layout.source,
        H_RECEIVED_AT: received_at,
        H_FILENAME: filename,
        H_ADAPTER_VERSION: ADAPTER_VERSION,
        H_DOCUMENT_TYPE: layout.entity,
        h.H_LAYOUT: layout.name,
        h.H_LAYOUT_VERSION: layout.version,
        h.H_FORMAT: layout.format,
        h.H_ENTITY: layout.entity,
    }
    try:
        header_text, rows = read_rows(data, layout)
        if not rows:
            raise FlatFileError("the file has no data rows")
    except FlatFileError as exc:
        headers = {
            **base,
            H_PAYLOAD_SHA256: sha256_hex(data),
            H_SPLIT_ERROR_CODE: ErrorCode.FLATFILE_FILE_INVALID.value,
            H_SPLIT_ERROR_MESSAGE: f"{filename} with layout {layout.name}: {exc}",
        }
        return [RawDocument(key=f"{filename}:0", value=data, headers=headers)]

    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(document_key(row, layout), []).append(row)
    documents = []
    for key, group in groups.items():
        text = header_text + "".join(_with_line_break(row.text) for row in group)
        value = text.encode(layout.encoding)
        headers = {
            **base,
            H_PAYLOAD_SHA256: sha256_hex(value),
            h.H_DOCUMENT_KEY: key,
            h.H_ROW_COUNT: str(len(group)),
            h.H_LINE_NUMBERS: ",".join(str(row.line_number) for row in group),
            h.H_HEADER_ROW: "true" if header_text else "false",
        }
        documents.append(
            RawDocument(key=f"{layout.source}:{layout.name}:{key}", value=value, headers=headers)
        )
    return documents


def _with_line_break(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
