"""Per-partner X12 settings from the ``x12`` section of config/partners.yaml.

The section has ``defaults`` and per-sender overrides under ``partners``, keyed
by the ISA06 sender id; the comments in the file describe each setting. The
file's version is recorded in each event's provenance as ``partners``.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from processors.normalize.reference_data import PARTNERS_FILE, ReferenceDataError, _load_yaml

ORDER_DIRECTIONS = ("inbound", "outbound")
INVENTORY_QUANTITY_KINDS = ("on_hand", "reserved", "available")
DEFAULT_INVENTORY_QUANTITIES: dict[str, str | None] = {
    "on_hand": "17",
    "reserved": None,
    "available": "33",
}
"""846 QTY01 qualifiers (element 673): 17 quantity on hand, 33 quantity available for sale."""

OrderDirection = Literal["inbound", "outbound"]


@dataclass(frozen=True, slots=True)
class X12Profile:
    """The X12 settings of one sender, defaults already applied."""

    order_direction: OrderDirection = "inbound"
    """inbound: the 850 was sent to us, so it is a customer order. outbound: the 850 is
    one we issued (a copy from our own EDI outbox), so it is a purchase order."""
    inventory_quantities: dict[str, str | None] = field(
        default_factory=lambda: dict(DEFAULT_INVENTORY_QUANTITIES)
    )


@dataclass(frozen=True, slots=True)
class X12Settings:
    """The whole ``x12`` section: defaults and per-sender overrides."""

    version: str
    defaults: dict[str, Any]
    partners: dict[str, dict[str, Any]]
    profiles: dict[str, X12Profile] = field(default_factory=dict)

    def profile_for(self, sender: str) -> X12Profile:
        """Return the profile of an ISA06 sender id; senders without an entry get the defaults."""
        key = sender if sender in self.partners else ""
        if key not in self.profiles:
            merged = {**self.defaults, **self.partners.get(key, {})}
            self.profiles[key] = _build_profile(merged, f"x12.partners.{sender}")
        return self.profiles[key]


def load_x12_settings(path: Path = PARTNERS_FILE) -> X12Settings:
    """Read and check the ``x12`` section; a file without one gives the built-in defaults.

    Raises ReferenceDataError naming the key when a setting is invalid.
    """
    document = _load_yaml(path)
    section = document.get("x12") or {}
    if not isinstance(section, dict):
        raise ReferenceDataError(f"{path}: 'x12' must be a mapping")
    defaults = section.get("defaults") or {}
    partners = section.get("partners") or {}
    if not isinstance(defaults, dict) or not isinstance(partners, dict):
        raise ReferenceDataError(f"{path}: 'x12.defaults' and 'x12.partners' must be mappings")
    settings = X12Settings(
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


def _build_profile(values: dict[str, Any], owner: str) -> X12Profile:
    direction = values.get("order_direction", "inbound")
    if direction not in ORDER_DIRECTIONS:
        raise ReferenceDataError(
            f"{owner}.order_direction is {direction!r}; expected one of: "
            f"{', '.join(ORDER_DIRECTIONS)}"
        )
    quantities = dict(DEFAULT_INVENTORY_QUANTITIES)
    quantities.update(values.get("inventory_quantities") or {})
    unknown = sorted(set(quantities) - set(INVENTORY_QUANTITY_KINDS))
    if unknown:
        raise ReferenceDataError(
            f"{owner}.inventory_quantities has unknown keys {unknown}; expected "
            f"{', '.join(INVENTORY_QUANTITY_KINDS)}"
        )
    return X12Profile(
        order_direction=direction,
        inventory_quantities={
            kind: None if qualifier is None else str(qualifier)
            for kind, qualifier in quantities.items()
        },
    )


@lru_cache(maxsize=1)
def default_x12_settings() -> X12Settings:
    """Return the settings from config/partners.yaml, read once per process."""
    return load_x12_settings()
