"""One flat-file document being normalized: its layout, typed rows and the envelope.

The layout comes from the caller, or else from
``<config>/layouts/<flatfile.layout>.yaml``; its version must equal the
record's ``flatfile.layout_version`` header, because rows are read back with
the column positions they were split with.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.flatfile import FlatFileError, Layout, LayoutError, Row, load_layout, read_rows
from adapters.flatfile import headers as fh
from adapters.raw import H_ADAPTER_VERSION, H_RECEIVED_AT, sha256_hex
from canonical.envelope import Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.flatfile.identity import idempotency_key
from processors.normalize.flatfile.values import typed_row
from processors.normalize.record import RawRecord, require_header
from processors.normalize.reference_data import config_dir
from processors.normalize.x12_envelope import event_id

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LAYOUTS_FOLDER = "layouts"


def find_layout(record: RawRecord) -> Layout:
    """Load the layout the record names from the config folder; raise FLATFILE_LAYOUT_INVALID."""
    name = require_header(record, fh.H_LAYOUT)
    path = config_dir() / LAYOUTS_FOLDER / f"{name}.yaml"
    try:
        return load_layout(path)
    except LayoutError as exc:
        raise RecordError(ErrorCode.FLATFILE_LAYOUT_INVALID, str(exc), fh.H_LAYOUT) from exc


@dataclass(slots=True)
class Document:
    """The rows of one raw record, converted by the layout, with the flags found so far."""

    record: RawRecord
    layout: Layout
    rows: list[Row]
    typed: list[dict[str, Any]]
    document_number: str
    ingested_at: datetime
    transform_version: str
    flags: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, record: RawRecord, layout: Layout | None, transform_version: str) -> "Document":
        layout = layout or find_layout(record)
        declared = require_header(record, fh.H_LAYOUT_VERSION)
        if require_header(record, fh.H_LAYOUT) != layout.name or declared != layout.version:
            raise RecordError(
                ErrorCode.FLATFILE_LAYOUT_INVALID,
                f"the record was split with layout {record.headers.get(fh.H_LAYOUT)} version "
                f"{declared}, but layout {layout.name} version {layout.version} is loaded; "
                f"restore that layout version or re-ingest the file",
                field_path=fh.H_LAYOUT_VERSION,
            )
        try:
            _, rows = read_rows(record.value, layout)
        except FlatFileError as exc:
            raise RecordError(ErrorCode.FLATFILE_FILE_INVALID, str(exc)) from exc
        if not rows:
            raise RecordError(ErrorCode.FLATFILE_FILE_INVALID, "the record has no data rows")
        received_at = require_header(record, H_RECEIVED_AT)
        try:
            ingested_at = datetime.fromisoformat(received_at)
        except ValueError as exc:
            raise RecordError(
                ErrorCode.RAW_HEADER_MISSING,
                f"header {H_RECEIVED_AT} is not an ISO 8601 timestamp: {received_at!r}",
                field_path=H_RECEIVED_AT,
            ) from exc
        return cls(
            record=record,
            layout=layout,
            rows=rows,
            typed=[typed_row(row, layout) for row in rows],
            document_number=record.headers.get(fh.H_DOCUMENT_KEY, ""),
            ingested_at=ingested_at,
            transform_version=transform_version,
        )

    def value(self, position: int, canonical_field: str) -> Any:
        """Return the converted value of the column mapped to ``canonical_field``, or None."""
        column = self.layout.fields.get(canonical_field)
        return self.typed[position].get(column) if column else None

    def required(self, position: int, canonical_field: str) -> Any:
        value = self.value(position, canonical_field)
        if value is None:
            column = self.layout.fields.get(canonical_field, canonical_field)
            raise RecordError(
                ErrorCode.FLATFILE_FIELD_INVALID,
                f"layout {self.layout.name} maps no value to {canonical_field} on line "
                f"{self.rows[position].line_number} (column {column})",
                field_path=f"line {self.rows[position].line_number}.{column}",
            )
        return value

    def event(
        self,
        *,
        entity_type: str,
        event_type: str,
        entity_id: str,
        payload: BaseModel,
        occurred_at: datetime,
        positions: list[int],
        flags: list[str] | None = None,
    ) -> CanonicalEvent:
        """Wrap ``payload`` in an envelope built from the rows at ``positions``."""
        rows = [(position + 1, self.typed[position]) for position in positions]
        source_text = self.rows[positions[0]].values.get(self.layout.key.time or "", "") or None
        with model_errors(entity_type):
            envelope = Envelope(
                event_id=event_id(self.record, entity_id),
                event_type=event_type,
                schema_version=1,
                entity_type=entity_type,
                entity_id=entity_id,
                entity_version=epoch_microseconds(occurred_at),
                producer_system=f"erp:{self.layout.source}",
                occurred_at=occurred_at,
                occurred_at_source=source_text,
                ingested_at=self.ingested_at,
                correlation_id=f"flatfile:{self.layout.source}:{self.layout.name}:"
                f"{self.document_number}",
                causation_id=None,
                idempotency_key=idempotency_key(
                    self.layout, self.document_number, rows, entity_type, entity_id
                ),
                quality_flags=list(dict.fromkeys([*self.flags, *(flags or [])])),
                provenance=Provenance(
                    source_document_ids=[
                        f"file={self.record.headers.get('scmflow.filename', '')}",
                        f"lines={','.join(str(self.rows[p].line_number) for p in positions)}",
                    ],
                    raw_topic=self.record.topic,
                    raw_partition=self.record.partition,
                    raw_offset=self.record.offset,
                    payload_sha256=sha256_hex(self.record.value),
                    adapter_version=require_header(self.record, H_ADAPTER_VERSION),
                    transform_version=self.transform_version,
                    mapping_versions={f"layout:{self.layout.name}": self.layout.version},
                ),
            )
            return CanonicalEvent(envelope=envelope, payload=payload)


@contextlib.contextmanager
def model_errors(entity_name: str) -> Iterator[None]:
    """Turn a pydantic ValidationError into SCHEMA_VALIDATION_FAILED naming the first field."""
    try:
        yield
    except ValidationError as exc:
        first_error = exc.errors()[0]
        location = ".".join(str(part) for part in first_error["loc"])
        raise RecordError(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            f"the {entity_name} built from the flat file is invalid: {first_error['msg']} "
            f"at {location}",
            field_path=location,
        ) from exc


def epoch_microseconds(instant: datetime) -> int:
    delta = instant - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
