"""Normalizers for UN/EDIFACT and EANCOM messages (directory D.96A and later).

``normalize_edifact`` picks the normalizer from the message type the adapter
put in ``scmflow.document_type`` (UNH02). Each module's docstring lists the
choices its mapping makes.
"""

from collections.abc import Callable

from adapters.raw import H_DOCUMENT_TYPE
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.edifact.desadv import normalize_desadv
from processors.normalize.edifact.iftsta import normalize_iftsta
from processors.normalize.edifact.invrpt import normalize_invrpt
from processors.normalize.edifact.message import Tables
from processors.normalize.edifact.orders import normalize_orders
from processors.normalize.edifact.recadv import normalize_recadv
from processors.normalize.record import RawRecord, require_header

__all__ = ["SUPPORTED_MESSAGES", "Tables", "normalize_edifact"]

SUPPORTED_MESSAGES: dict[str, Callable[..., list[CanonicalEvent]]] = {
    "DESADV": normalize_desadv,
    "IFTSTA": normalize_iftsta,
    "INVRPT": normalize_invrpt,
    "ORDERS": normalize_orders,
    "RECADV": normalize_recadv,
}


def normalize_edifact(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Turn one raw EDIFACT message into canonical events.

    Raises EDIFACT_UNSUPPORTED_MESSAGE for message types without a normalizer
    and RecordError with another code for every defect of the message.
    """
    message_type = require_header(record, H_DOCUMENT_TYPE)
    normalizer = SUPPORTED_MESSAGES.get(message_type)
    if normalizer is None:
        supported = ", ".join(sorted(SUPPORTED_MESSAGES))
        raise RecordError(
            ErrorCode.EDIFACT_UNSUPPORTED_MESSAGE,
            f"EDIFACT message type {message_type} is not normalized by this release; "
            f"supported: {supported}",
            field_path="UNH02",
        )
    return normalizer(record, tables=tables)
