"""The pipeline's exceptions and the error codes written to dead-letter records.

Exceptions are grouped by what the caller does with them:

- ``RecordError``: the record cannot be processed as it is. The stage writes it
  to its dead-letter topic with ``code`` and moves on.
- ``RetriableError``: an infrastructure fault such as Redis being unreachable.
  The stage aborts the batch, backs off and processes the same records again.
- ``StageStopped``: the stage cannot go on and must be restarted.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable reason written to the ``scmflow.error.code`` DLQ header."""

    X12_INTERCHANGE_INVALID = "X12_INTERCHANGE_INVALID"
    """No readable ISA header: truncated, not fixed width, or not X12 at all."""
    X12_ENVELOPE_INVALID = "X12_ENVELOPE_INVALID"
    """ST/SE or GS/GE envelope missing, unbalanced or unreadable."""
    X12_UNSUPPORTED_SET = "X12_UNSUPPORTED_SET"
    """A transaction set type this release does not normalize."""
    X12_SEGMENT_MISSING = "X12_SEGMENT_MISSING"
    """A segment the transaction set requires is absent."""
    X12_ELEMENT_INVALID = "X12_ELEMENT_INVALID"
    """An element is missing, malformed or contains a value outside its code list."""
    X12_HIERARCHY_INVALID = "X12_HIERARCHY_INVALID"
    """The HL tree has no shipment level, duplicate ids or a cycle."""
    EDIFACT_INTERCHANGE_INVALID = "EDIFACT_INTERCHANGE_INVALID"
    """No readable UNA, UNB or UNH: an unusable service string advice, or not EDIFACT at all."""
    EDIFACT_ENVELOPE_INVALID = "EDIFACT_ENVELOPE_INVALID"
    """A UNH without its UNT, or data outside any message."""
    EDIFACT_UNSUPPORTED_MESSAGE = "EDIFACT_UNSUPPORTED_MESSAGE"
    """A message type this release does not normalize."""
    EDIFACT_SEGMENT_MISSING = "EDIFACT_SEGMENT_MISSING"
    """A segment the message requires is absent."""
    EDIFACT_ELEMENT_INVALID = "EDIFACT_ELEMENT_INVALID"
    """A data element is missing, malformed or contains a value outside its code list."""
    EDIFACT_HIERARCHY_INVALID = "EDIFACT_HIERARCHY_INVALID"
    """The CPS packing tree has duplicate ids or a cycle."""
    IDOC_FILE_INVALID = "IDOC_FILE_INVALID"
    """No EDI_DC40 control record where an IDoc must start: empty input, data records
    before the first control record, or not an IDoc flat file at all."""
    IDOC_CONTROL_RECORD_INVALID = "IDOC_CONTROL_RECORD_INVALID"
    """An EDI_DC40 control record without DOCNUM, IDOCTYP or MESTYP."""
    IDOC_SEGMENT_INVALID = "IDOC_SEGMENT_INVALID"
    """Data records that cannot be read or do not form a tree: no data records, a
    non-numeric or duplicate segment number, or a parent cycle."""
    IDOC_UNSUPPORTED_TYPE = "IDOC_UNSUPPORTED_TYPE"
    """An IDoc basic type this release does not normalize."""
    IDOC_SEGMENT_MISSING = "IDOC_SEGMENT_MISSING"
    """A segment the IDoc type requires is absent."""
    IDOC_FIELD_INVALID = "IDOC_FIELD_INVALID"
    """A segment field is missing, malformed or contains a value outside its code list."""
    FLATFILE_LAYOUT_INVALID = "FLATFILE_LAYOUT_INVALID"
    """A flat-file layout that is missing, malformed or does not match the raw record."""
    FLATFILE_FILE_INVALID = "FLATFILE_FILE_INVALID"
    """A flat file that cannot be decoded or split into rows with its layout."""
    FLATFILE_FIELD_INVALID = "FLATFILE_FIELD_INVALID"
    """A flat-file column is missing, malformed (a bad number or date) or outside its code table."""
    WEBHOOK_BODY_INVALID = "WEBHOOK_BODY_INVALID"
    """A webhook body is not JSON, or a field the normalizer needs is missing or mistyped."""
    WEBHOOK_UNSUPPORTED_EVENT = "WEBHOOK_UNSUPPORTED_EVENT"
    """A webhook topic or body this release does not normalize, such as a product update."""
    EPCIS_DOCUMENT_INVALID = "EPCIS_DOCUMENT_INVALID"
    """Not an EPCIS document: not JSON or XML, no @context or EventList, or a DTD in the XML."""
    EPCIS_EVENT_INVALID = "EPCIS_EVENT_INVALID"
    """An EPCIS event breaks a rule of the standard, such as a missing eventTime or action."""
    EPCIS_UNSUPPORTED_EVENT = "EPCIS_UNSUPPORTED_EVENT"
    """A valid EPCIS event with nothing this release maps, such as sensor readings without
    objects or alarms."""
    MAPPING_MISSING = "MAPPING_MISSING"
    """A reference-data table has no entry for a source code, such as a unit of measure."""
    RAW_HEADER_MISSING = "RAW_HEADER_MISSING"
    """A raw record lacks a provenance header that the normalizer needs."""
    ENVELOPE_DECODE_FAILED = "ENVELOPE_DECODE_FAILED"
    """A canonical record is not a valid Avro envelope of a known schema."""
    SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
    """A canonical event does not satisfy its model or its Avro schema."""
    SCHEMA_NOT_REGISTERED = "SCHEMA_NOT_REGISTERED"
    """The schema registry has no subject version for the event's local schema."""
    ROUTE_NOT_FOUND = "ROUTE_NOT_FOUND"
    """No fan-out route in topology.yaml matches the event."""
    ENTITY_PARKED = "ENTITY_PARKED"
    """An earlier record with the same key is in the dead-letter topic. This one waits
    there too, so that no consumer applies a later state on top of a missing one."""
    INTERNAL_ERROR = "INTERNAL_ERROR"
    """An unexpected exception in the stage's code, after the configured attempts."""

    @property
    def retriable(self) -> bool:
        """Whether replaying the record unchanged can succeed once a dependency recovers.

        MAPPING_MISSING is retriable through replay: fix the table, replay the record.
        SCHEMA_NOT_REGISTERED likewise: register the schema, replay the record.
        ENTITY_PARKED succeeds once the record that blocked its key has been replayed.
        """
        return self in (
            ErrorCode.MAPPING_MISSING,
            ErrorCode.SCHEMA_NOT_REGISTERED,
            ErrorCode.ENTITY_PARKED,
        )


class ScmflowError(Exception):
    """Root of every exception the pipeline raises on purpose."""


class RecordError(ScmflowError):
    """A record that cannot be processed; it goes to the stage's dead-letter topic."""

    def __init__(self, code: ErrorCode, message: str, field_path: str | None = None) -> None:
        self.code = code
        self.message = message
        self.field_path = field_path
        where = f" at {field_path}" if field_path else ""
        super().__init__(f"{code}: {message}{where}")


class RetriableError(ScmflowError):
    """An infrastructure fault; the batch is aborted and processed again after a backoff."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


class StageStopped(ScmflowError):
    """The stage cannot continue, for example after a fatal producer error."""
