"""Per-partner EDIFACT settings from the ``edifact`` section of config/partners.yaml.

The section has ``defaults`` and per-sender overrides under ``partners``, keyed
by the UNB sender id; the comments in the file describe each setting. The
file's version is recorded in each event's provenance as ``partners``.
"""

import codecs
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from canonical.shipment import ShipmentStatus
from processors.normalize.reference_data import (
    CONFIG_DIR,
    PARTNERS_FILE,
    ReferenceDataError,
    UnitTable,
    _load_yaml,
    load_unit_table,
)

REC20_UNITS_FILE = CONFIG_DIR / "mappings" / "rec20-units.yaml"
ORDER_DIRECTIONS = ("purchase", "customer")
INVENTORY_QUANTITY_KINDS = ("on_hand", "reserved", "available")

OrderDirection = Literal["purchase", "customer"]


@dataclass(frozen=True, slots=True)
class EdifactProfile:
    """The EDIFACT settings of one sender, defaults already applied."""

    order_direction: OrderDirection = "purchase"
    implied_unit: str = "C62"
    encoding: str | None = None
    inventory_quantities: dict[str, str | None] = field(
        default_factory=lambda: {"on_hand": "145", "reserved": None, "available": "145"}
    )
    status_codes: dict[str, ShipmentStatus] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EdifactSettings:
    """The whole ``edifact`` section: defaults and per-sender overrides."""

    version: str
    defaults: dict[str, Any]
    partners: dict[str, dict[str, Any]]
    profiles: dict[str, EdifactProfile] = field(default_factory=dict)

    def profile_for(self, sender: str) -> EdifactProfile:
        """Return the profile of a UNB sender id; senders without an entry get the defaults."""
        key = sender if sender in self.partners else ""
        if key not in self.profiles:
            merged = {**self.defaults, **self.partners.get(key, {})}
            self.profiles[key] = _build_profile(merged, f"edifact.partners.{sender}")
        return self.profiles[key]


def load_edifact_settings(path: Path = PARTNERS_FILE) -> EdifactSettings:
    """Read and check the ``edifact`` section; a file without one gives the built-in defaults.

    Raises ReferenceDataError naming the key when a setting is invalid.
    """
    document = _load_yaml(path)
    section = document.get("edifact") or {}
    if not isinstance(section, dict):
        raise ReferenceDataError(f"{path}: 'edifact' must be a mapping")
    defaults = section.get("defaults") or {}
    partners = section.get("partners") or {}
    if not isinstance(defaults, dict) or not isinstance(partners, dict):
        raise ReferenceDataError(
            f"{path}: 'edifact.defaults' and 'edifact.partners' must be mappings"
        )
    settings = EdifactSettings(
        version=document["version"],
        defaults=dict(defaults),
        partners={str(sender): dict(values or {}) for sender, values in partners.items()},
    )
    try:
        settings.profile_for("")
        for sender in settings.partners:
            settings.profile_for(sender)
    except ReferenceDataError as exc:
        raise ReferenceDataError(f"{path}: {exc}") from exc
    return settings


def _build_profile(values: dict[str, Any], owner: str) -> EdifactProfile:
    direction = values.get("order_direction", "purchase")
    if direction not in ORDER_DIRECTIONS:
        raise ReferenceDataError(
            f"{owner}.order_direction is {direction!r}; expected one of: "
            f"{', '.join(ORDER_DIRECTIONS)}"
        )
    encoding = values.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError) as exc:
            raise ReferenceDataError(
                f"{owner}.encoding {encoding!r} is not a Python codec"
            ) from exc
    quantities = {"on_hand": "145", "reserved": None, "available": "145"}
    quantities.update(values.get("inventory_quantities") or {})
    unknown = sorted(set(quantities) - set(INVENTORY_QUANTITY_KINDS))
    if unknown:
        raise ReferenceDataError(
            f"{owner}.inventory_quantities has unknown keys {unknown}; expected "
            f"{', '.join(INVENTORY_QUANTITY_KINDS)}"
        )
    statuses = {}
    for code, status in (values.get("status_codes") or {}).items():
        try:
            statuses[str(code)] = ShipmentStatus(status)
        except ValueError as exc:
            expected = ", ".join(item.value for item in ShipmentStatus)
            raise ReferenceDataError(
                f"{owner}.status_codes[{code!r}] is {status!r}; expected one of: {expected}"
            ) from exc
    return EdifactProfile(
        order_direction=direction,
        implied_unit=str(values.get("implied_unit", "C62")),
        encoding=encoding,
        inventory_quantities={
            kind: None if qualifier is None else str(qualifier)
            for kind, qualifier in quantities.items()
        },
        status_codes=statuses,
    )


@lru_cache(maxsize=1)
def default_edifact_settings() -> EdifactSettings:
    """Return the settings from config/partners.yaml, read once per process."""
    return load_edifact_settings()


@lru_cache(maxsize=1)
def default_rec20_table() -> UnitTable:
    """Return the unit table from config/mappings/rec20-units.yaml, read once per process."""
    return load_unit_table(REC20_UNITS_FILE)
