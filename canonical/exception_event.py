"""The exception-event entity: a problem reported against another entity, tracked until closed.

An exception report states that something deviated from plan, such as a late
shipment or a short delivery. ``details`` is a union of detail records. Each
is written with its record name (tagged), so a detail record whose fields
would also fit another branch is read back as the record it was.
"""

from enum import StrEnum
from typing import ClassVar

from canonical._types import UtcDatetime
from canonical.common import CanonicalModel, Quantity, Reference
from canonical.ownership import ANY_PRODUCER, FieldOwnership, OwnedEntity


class ExceptionStatus(StrEnum):
    """Lifecycle state of an exception report."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    """Closed without action, for example a false alarm."""


class ExceptionSeverity(StrEnum):
    """The urgency of an exception."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class DelayDetails(CanonicalModel):
    """Details of a delay: the planned and the newly expected time."""

    planned_at: UtcDatetime | None = None
    expected_at: UtcDatetime | None = None
    reason_code: str | None = None


class QuantityDiscrepancy(CanonicalModel):
    """Details of a short, over or damaged delivery: the expected and the actual quantity."""

    expected: Quantity | None = None
    actual: Quantity | None = None
    reason_code: str | None = None


class ExceptionReport(OwnedEntity):
    """A supply-chain exception raised against one entity, such as a late shipment.

    Any system may raise an exception; only the operations desk (``ops``)
    changes its status or resolution once raised.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("exception_id",),
        default=(ANY_PRODUCER,),
        fields={"status": ("ops",), "resolution": ("ops",), "resolved_at": ("ops",)},
    )

    exception_id: str
    status: ExceptionStatus
    severity: ExceptionSeverity
    kind: str
    """The problem, as ``<entity type>.<problem>``, such as ``shipment.late``."""
    subject_entity_type: str
    """The entity type of the affected entity, such as ``shipment``."""
    subject_entity_id: str
    detected_at: UtcDatetime
    description: str | None
    details: DelayDetails | QuantityDiscrepancy | None
    resolution: str | None
    resolved_at: UtcDatetime | None
    references: list[Reference] = []
