"""The location entity: a warehouse, store, plant or partner site, keyed by ``location_id``."""

from enum import StrEnum
from typing import ClassVar

from canonical.common import Reference
from canonical.ownership import FieldOwnership, OwnedEntity


class LocationStatus(StrEnum):
    """Lifecycle state of a location."""

    PLANNED = "planned"
    ACTIVE = "active"
    INACTIVE = "inactive"
    """Temporarily not receiving or shipping, such as during a stocktake."""
    CLOSED = "closed"


class Location(OwnedEntity):
    """A physical location that holds, sends or receives goods.

    The ERP owns the location master; the master-data service (MDM) owns the
    GS1 Global Location Number it assigns.
    """

    ownership: ClassVar[FieldOwnership] = FieldOwnership(
        keys=("location_id",),
        default=("erp",),
        fields={"gln": ("mdm",)},
    )

    location_id: str
    """Canonical location id, such as ``DC-EAST``."""
    status: LocationStatus
    name: str
    kind: str
    """The kind of location, such as ``warehouse``, ``store``, ``plant`` or ``supplier_site``."""
    gln: str | None
    """GS1 Global Location Number, 13 digits."""
    parent_location_id: str | None
    address_lines: list[str] = []
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    """ISO 3166-1 alpha-2 country code."""
    time_zone: str | None
    """IANA time zone name, such as ``America/Chicago``; sources' local times are read in it."""
    references: list[Reference] = []
