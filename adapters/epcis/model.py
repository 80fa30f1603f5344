"""The internal EPCIS event: one model for JSON-LD and XML.

``adapters.epcis.event.build_event`` fills it from either syntax. Identifiers
and vocabulary are in canonical form (see ``adapters.epcis.identifiers``) and
each keeps the value the partner wrote.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Identifier:
    """An EPC or location id in canonical form, with the value as written."""

    value: str
    source: str


@dataclass(frozen=True, slots=True)
class QuantityElement:
    epc_class: Identifier
    quantity: Decimal | None
    uom: str | None
    """UN/ECE Recommendation 20 unit code; None means a count of instances."""


@dataclass(frozen=True, slots=True)
class TypedValue:
    """A business transaction, source or destination: its type word or URI and its value."""

    type: str | None
    value: str
    type_source: str | None


@dataclass(frozen=True, slots=True)
class ErrorDeclaration:
    declaration_time: datetime
    declaration_time_source: str
    reason: str | None
    corrective_event_ids: tuple[str, ...]


@dataclass(slots=True)
class EpcisEvent:
    """One EPCIS event, the same whatever syntax it came in."""

    index: int
    event_type: str
    event_id: str | None
    """The partner's eventID (a UUID URN or a ``ni:///sha-256`` hash), as written."""
    event_time: datetime
    event_time_source: str
    time_zone_offset: str
    """eventTimeZoneOffset as written; it may differ from the offset inside eventTime."""
    record_time: str | None
    action: str | None
    biz_step: str | None
    biz_step_source: str | None
    disposition: str | None
    disposition_source: str | None
    persistent_disposition: dict[str, list[str]]
    read_point: Identifier | None
    biz_location: Identifier | None
    parent_id: Identifier | None
    transformation_id: str | None
    epc_lists: dict[str, list[Identifier]]
    quantity_lists: dict[str, list[QuantityElement]]
    typed_lists: dict[str, list[TypedValue]]
    location_extensions: dict[str, dict[str, Any]]
    """User extension fields inside readPoint or bizLocation, by element name."""
    sensor_elements: list[dict[str, Any]]
    ilmd: dict[str, Any]
    extensions: dict[str, Any]
    certification_info: list[str]
    error_declaration: ErrorDeclaration | None
    flags: list[str] = field(default_factory=list)

    def epcs(self, name: str) -> list[Identifier]:
        return self.epc_lists.get(name, [])

    def quantities(self, name: str) -> list[QuantityElement]:
        return self.quantity_lists.get(name, [])

    def typed(self, name: str) -> list[TypedValue]:
        return self.typed_lists.get(name, [])
