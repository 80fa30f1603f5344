"""The normalize stage's transform: raw partner documents in, canonical events out.

``normalize`` picks the normalizer from the record's provenance headers. It
raises RecordError for every defect of the input, so that the stage can
dead-letter the record with the error's code. Any other exception is a bug.
"""

from adapters.raw import H_DOCUMENT_TYPE, H_SOURCE, H_SPLIT_ERROR_CODE, H_SPLIT_ERROR_MESSAGE
from canonical.envelope import CanonicalEvent
from canonical.errors import ErrorCode, RecordError
from processors.normalize.edifact import normalize_edifact
from processors.normalize.epcis import normalize_epcis
from processors.normalize.flatfile import normalize_flatfile
from processors.normalize.idoc import normalize_idoc
from processors.normalize.record import RawRecord, require_header
from processors.normalize.webhooks import normalize_webhook
from processors.normalize.x12 import NORMALIZERS as X12_SET_NORMALIZERS
from processors.normalize.x12_856 import normalize_856

__all__ = ["RawRecord", "normalize"]

X12_SOURCE = "x12"
EDIFACT_SOURCE = "edifact"
EPCIS_SOURCE = "epcis"
WEBHOOK_SOURCE = "webhook"
IDOC_SOURCE = "idoc"
FLATFILE_SOURCE = "flatfile"
SUPPORTED_X12_SETS = {"856": normalize_856, **X12_SET_NORMALIZERS}


def normalize(record: RawRecord) -> list[CanonicalEvent]:
    """Turn one raw record into canonical events.

    Raises RecordError with the adapter's split error code when the adapter
    could not split the input, X12_UNSUPPORTED_SET for X12 set types without a
    normalizer, and RAW_HEADER_MISSING when a needed header is absent.
    """
    split_error = record.headers.get(H_SPLIT_ERROR_CODE)
    if split_error:
        raise _split_error(record, split_error)

    source = require_header(record, H_SOURCE)
    if source == EDIFACT_SOURCE:
        return normalize_edifact(record)
    if source == WEBHOOK_SOURCE:
        return normalize_webhook(record)
    if source == EPCIS_SOURCE:
        return normalize_epcis(record)
    if source == IDOC_SOURCE:
        return normalize_idoc(record)
    if source == FLATFILE_SOURCE:
        return normalize_flatfile(record)
    if source != X12_SOURCE:
        raise RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"raw record {record.position} has source {source!r}, which has no normalizer; "
            f"expected one of: {X12_SOURCE}",
            field_path=H_SOURCE,
        )
    set_type = require_header(record, H_DOCUMENT_TYPE)
    normalizer = SUPPORTED_X12_SETS.get(set_type)
    if normalizer is None:
        supported = ", ".join(sorted(SUPPORTED_X12_SETS))
        raise RecordError(
            ErrorCode.X12_UNSUPPORTED_SET,
            f"X12 transaction set {set_type} is not normalized by this release; "
            f"supported: {supported}",
            field_path="ST01",
        )
    return normalizer(record)


def _split_error(record: RawRecord, code: str) -> RecordError:
    message = record.headers.get(H_SPLIT_ERROR_MESSAGE) or "the adapter could not split the input"
    try:
        error_code = ErrorCode(code)
    except ValueError:
        return RecordError(
            ErrorCode.RAW_HEADER_MISSING,
            f"raw record {record.position} carries the unknown split error code {code!r}: "
            f"{message}",
            field_path=H_SPLIT_ERROR_CODE,
        )
    return RecordError(error_code, message)
