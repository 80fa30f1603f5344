"""Normalizers for SAP IDoc flat files.

``normalize_idoc`` picks the normalizer from the IDoc basic type the adapter
put in ``scmflow.document_type`` (IDOCTYP). Each module's docstring lists the
choices its mapping makes; processors.normalize.idoc.context describes the
event ids and the idempotency key.
"""

from collections.abc import Callable

from adapters.raw import H_DOCUMENT_TYPE
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.idoc.context import Tables
from processors.normalize.idoc.delivery import normalize_delvry
from processors.normalize.idoc.material import normalize_matmas
from processors.normalize.idoc.movement import normalize_wmmbid
from processors.normalize.idoc.orders import normalize_orders
from processors.normalize.record import RawRecord, require_header

__all__ = ["SUPPORTED_TYPES", "Tables", "normalize_idoc"]

SUPPORTED_TYPES: dict[str, Callable[..., list[CanonicalEvent]]] = {
    "ORDERS01": normalize_orders,
    "ORDERS05": normalize_orders,
    "DELVRY03": normalize_delvry,
    "DELVRY05": normalize_delvry,
    "WMMBID01": normalize_wmmbid,
    "WMMBID02": normalize_wmmbid,
    "MATMAS03": normalize_matmas,
    "MATMAS05": normalize_matmas,
}


def normalize_idoc(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Turn one raw IDoc into canonical events.

    Raises IDOC_UNSUPPORTED_TYPE for basic types without a normalizer and
    RecordError with another code for every defect of the IDoc.
    """
    idoc_type = require_header(record, H_DOCUMENT_TYPE)
    normalizer = SUPPORTED_TYPES.get(idoc_type)
    if normalizer is None:
        supported = ", ".join(sorted(SUPPORTED_TYPES))
        raise RecordError(
            ErrorCode.IDOC_UNSUPPORTED_TYPE,
            f"IDoc basic type {idoc_type} is not normalized by this release; "
            f"supported: {supported}",
            field_path="EDI_DC40.IDOCTYP",
        )
    return normalizer(record, tables=tables)
