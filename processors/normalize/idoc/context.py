"""One IDoc being normalized: control values, segment tree, reference tables and the envelope.

Identifiers, all deterministic so that replaying a raw record rebuilds the
same events:

- ``event_id`` is the UUID version 5 the X12 normalizer uses, over the raw
  record's topic, partition, offset and the event's entity id.
- ``idempotency_key`` is a SHA-256 over the sender and receiver partner
  numbers (SNDPRN, RCVPRN), the message type, the business document number
  (BELNR, VBELN, MBLNR or MATNR), a hash of the data records (segment name
  and right-trimmed SDATA, in tree order) and the entity type and id. It
  leaves out DOCNUM, the client and the segment numbers, so a resend under
  a new DOCNUM keeps the key, while a changed document gets a new one.
- ``correlation_id`` is ``idoc:{SNDPRN}:{DOCNUM}``.

Dates and times without a zone are read in the sender's time zone from
config/partners.yaml, keyed by SNDPRN.
"""

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from adapters.idoc import (
    DataRecordError,
    Node,
    SegmentTree,
    TreeError,
    decode,
    parse_tree,
    read_field,
)
from adapters.idoc import headers as ih
from adapters.raw import H_ADAPTER_VERSION, H_PAYLOAD_SHA256, H_RECEIVED_AT, sha256_hex
from canonical.common import Quantity
from canonical.envelope import Envelope, Provenance
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.idoc.values import is_empty_date, parse_datetime, to_quantity
from processors.normalize.record import RawRecord, require_header
from processors.normalize.reference_data import (
    PartnerConfig,
    UnitTable,
    config_dir,
    default_partner_config,
    load_unit_table,
)
from processors.normalize.x12_envelope import PAYLOAD_SHA256_MISMATCH_FLAG, event_id

PARTNERS_MAPPING = "partners"
SAP_UNITS_FILE = Path("mappings") / "sap-units.yaml"
OCCURRED_AT_MISSING_FLAG = "idoc.occurred_at_missing"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=4)
def _load_units(path: Path, mtime: float) -> UnitTable:
    return load_unit_table(path)


def default_sap_unit_table() -> UnitTable:
    """Return config/mappings/sap-units.yaml, read again when its modification time changes."""
    path = config_dir() / SAP_UNITS_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _load_units(path, mtime)


@dataclass(frozen=True, slots=True)
class Tables:
    """The reference data an IDoc normalizer uses; each defaults to the file under config/."""

    units: UnitTable
    partners: PartnerConfig

    @classmethod
    def load(
        cls, units: UnitTable | None = None, partners: PartnerConfig | None = None
    ) -> "Tables":
        return cls(
            units=units or default_sap_unit_table(),
            partners=partners or default_partner_config(),
        )


@dataclass(slots=True)
class Idoc:
    """A parsed IDoc with its control values and the quality flags found so far."""

    record: RawRecord
    tree: SegmentTree
    tables: Tables
    transform_version: str
    sender: str
    receiver: str
    message_type: str
    idoc_type: str
    docnum: str
    business_number: str
    ingested_at: datetime
    created_at: datetime | None
    created_at_source: str | None
    zone: tzinfo
    flags: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, record: RawRecord, tables: Tables, transform_version: str) -> "Idoc":
        """Read the headers and build the segment tree; raise RecordError when either fails."""
        text, _ = decode(record.value)
        lines = [line.rstrip("\r") for line in text.split("\n")]
        try:
            tree = parse_tree(lines[1:])
        except (DataRecordError, TreeError) as exc:
            raise RecordError(ErrorCode.IDOC_SEGMENT_INVALID, str(exc)) from exc
        flags = [flag for flag in record.headers.get(ih.H_QUALITY_FLAGS, "").split(",") if flag]
        flags.extend(flag for flag in tree.flags() if flag not in flags)
        if record.headers.get(H_PAYLOAD_SHA256, sha256_hex(record.value)) != sha256_hex(
            record.value
        ):
            flags.append(PAYLOAD_SHA256_MISMATCH_FLAG)
        sender = require_header(record, ih.H_SNDPRN)
        zone = tables.partners.timezone_for(sender)
        credat = record.headers.get(ih.H_CREDAT, "")
        cretim = record.headers.get(ih.H_CRETIM, "")
        created_at = None
        if credat:
            created_at = parse_datetime(credat, cretim, zone, "EDI_DC40.CREDAT")
        return cls(
            record=record,
            tree=tree,
            tables=tables,
            transform_version=transform_version,
            sender=sender,
            receiver=record.headers.get(ih.H_RCVPRN, ""),
            message_type=require_header(record, ih.H_MESTYP),
            idoc_type=require_header(record, ih.H_IDOCTP),
            docnum=require_header(record, ih.H_DOCNUM),
            business_number=require_header(record, ih.H_BUSINESS_NUMBER),
            ingested_at=_ingested_at(record),
            created_at=created_at,
            created_at_source=f"{credat}{cretim}" if credat else None,
            zone=zone,
            flags=flags,
        )

    def required(self, name: str) -> Node:
        """Return the first segment of type ``name``, or raise IDOC_SEGMENT_MISSING."""
        node = self.tree.first(name)
        if node is None:
            raise RecordError(
                ErrorCode.IDOC_SEGMENT_MISSING,
                f"the {self.idoc_type} IDoc {self.docnum} has no {name} segment",
                field_path=name,
            )
        return node

    def quantity(self, node: Node, value_field: str, unit_field: str) -> Quantity:
        """Build the Quantity of a segment's value and unit fields, mapping the unit."""
        return to_quantity(
            read_field(node.record, value_field),
            read_field(node.record, unit_field),
            table=self.tables.units,
            value_path=field_path(node, value_field),
            unit_path=field_path(node, unit_field),
        )

    def datetime_of(
        self, node: Node, date_field: str, time_field: str | None = None
    ) -> tuple[datetime | None, str | None]:
        """Return (UTC instant, source text) of a date and optional time field, or (None, None).

        An empty or all-zero date is absent; a malformed one raises IDOC_FIELD_INVALID.
        """
        day = read_field(node.record, date_field)
        if is_empty_date(day):
            return None, None
        clock = read_field(node.record, time_field) if time_field else ""
        instant = parse_datetime(day, clock, self.zone, field_path(node, date_field))
        return instant, f"{day}{clock}"

    def occurred_at(
        self, instant: datetime | None, source: str | None
    ) -> tuple[datetime, str | None]:
        """Return the business time: ``instant``, else the IDoc's creation time, else ingestion.

        The last fallback adds the flag ``idoc.occurred_at_missing``.
        """
        if instant is not None:
            return instant, source
        if self.created_at is not None:
            return self.created_at, self.created_at_source
        self.flags.append(OCCURRED_AT_MISSING_FLAG)
        return self.ingested_at, None

    def content_hash(self) -> str:
        """Hash segment names and right-trimmed SDATA in tree order, orphans last."""
        digest = hashlib.sha256()
        records = [node.record for node in self.tree.walk()] + self.tree.orphans
        for record in records:
            digest.update(f"{record.name}\x1f{record.sdata.rstrip()}".encode("utf-8", "replace"))
            digest.update(b"\x1e")
        return digest.hexdigest()

    def idempotency_key(self, entity_type: str, entity_id: str) -> str:
        parts = [
            "idoc",
            self.sender,
            self.receiver,
            self.message_type,
            self.business_number,
            self.content_hash(),
            entity_type,
            entity_id,
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def event(
        self,
        *,
        entity_type: str,
        event_type: str,
        entity_id: str,
        payload: BaseModel,
        occurred_at: datetime,
        occurred_at_source: str | None,
    ) -> CanonicalEvent:
        """Wrap ``payload`` in an envelope; the ids follow the module docstring."""
        with model_errors(entity_type):
            envelope = Envelope(
                event_id=event_id(self.record, entity_id),
                event_type=event_type,
                schema_version=1,
                entity_type=entity_type,
                entity_id=entity_id,
                entity_version=epoch_microseconds(occurred_at),
                producer_system=f"erp:{self.sender}",
                occurred_at=occurred_at,
                occurred_at_source=occurred_at_source,
                ingested_at=self.ingested_at,
                correlation_id=f"idoc:{self.sender}:{self.docnum}",
                causation_id=None,
                idempotency_key=self.idempotency_key(entity_type, entity_id),
                quality_flags=list(dict.fromkeys(self.flags)),
                provenance=Provenance(
                    source_document_ids=[f"DOCNUM={self.docnum}", f"IDOCTYP={self.idoc_type}"],
                    raw_topic=self.record.topic,
                    raw_partition=self.record.partition,
                    raw_offset=self.record.offset,
                    payload_sha256=sha256_hex(self.record.value),
                    adapter_version=require_header(self.record, H_ADAPTER_VERSION),
                    transform_version=self.transform_version,
                    mapping_versions={
                        self.tables.units.name: self.tables.units.version,
                        PARTNERS_MAPPING: self.tables.partners.version,
                    },
                ),
            )
            return CanonicalEvent(envelope=envelope, payload=payload)


def field_path(node: Node, name: str) -> str:
    """Return a field's path for errors: segment type, segment number and field, such as
    ``E1EDP01#3.MENGE``."""
    return f"{node.name}#{node.record.number}.{name}"


def _ingested_at(record: RawRecord) -> datetime:
    received_at = require_header(record, H_RECEIVED_AT)
    try:
        ingested_at = datetime.fromisoformat(received_at)
    except ValueError as exc:
        raise RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"header {H_RECEIVED_AT} of raw record {record.position} is not an ISO 8601 "
            f"timestamp: {received_at!r}",
            field_path=H_RECEIVED_AT,
        ) from exc
    if ingested_at.utcoffset() is None:
        raise RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"header {H_RECEIVED_AT} of raw record {record.position} has no UTC offset",
            field_path=H_RECEIVED_AT,
        )
    return ingested_at


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
            f"the {entity_name} built from the IDoc is invalid: {first_error['msg']} at {location}",
            field_path=location,
        ) from exc


def epoch_microseconds(instant: datetime) -> int:
    delta = instant - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
