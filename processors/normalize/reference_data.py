"""Versioned reference data for the normalizers: unit tables and partner settings.

Both are YAML files under ``config/`` with a ``version`` string. The version is
recorded in every event's provenance, so a record dead-lettered for a missing
mapping can be replayed once the table has a new version with the entry.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
UNITS_FILE = CONFIG_DIR / "mappings" / "units.yaml"
PARTNERS_FILE = CONFIG_DIR / "partners.yaml"

DEFAULT_TIMEZONE = "UTC"
"""Time zone for partners without an entry and a file without ``default_timezone``."""


class ReferenceDataError(ValueError):
    """A reference-data file that is missing or malformed. The stage cannot start with it."""


@dataclass(frozen=True, slots=True)
class UnitTable:
    """A mapping from source unit codes to UN/ECE Recommendation 20 codes."""

    name: str
    version: str
    units: dict[str, str]


@dataclass(frozen=True, slots=True)
class PartnerConfig:
    """Per-partner settings: for now, the time zone of unqualified dates and times."""

    version: str
    default_timezone: str
    partner_timezones: dict[str, str]
    """Partner id (X12 ISA06) to IANA time zone name."""

    def timezone_for(self, partner: str) -> ZoneInfo:
        return ZoneInfo(self.partner_timezones.get(partner, self.default_timezone))


def _load_yaml(path: Path) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReferenceDataError(f"cannot read reference data file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"reference data file {path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ReferenceDataError(
            f"reference data file {path} must contain a mapping at the top level"
        )
    version = document.get("version")
    if not isinstance(version, str) or not version:
        raise ReferenceDataError(
            f'reference data file {path} needs a quoted version string, such as version: "1"'
        )
    return document


def load_unit_table(path: Path = UNITS_FILE) -> UnitTable:
    """Read a unit table such as config/mappings/units.yaml."""
    document = _load_yaml(path)
    units = document.get("units")
    if not isinstance(units, dict) or not all(
        isinstance(code, str) and isinstance(target, str) for code, target in units.items()
    ):
        raise ReferenceDataError(f"{path}: 'units' must map source codes to target code strings")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise ReferenceDataError(f"{path}: 'name' must name the table, such as x12-units")
    return UnitTable(name=name, version=document["version"], units=dict(units))


def load_partner_config(path: Path = PARTNERS_FILE) -> PartnerConfig:
    """Read the partner settings and check that every time zone name exists."""
    document = _load_yaml(path)
    default = document.get("default_timezone", DEFAULT_TIMEZONE)
    partners = document.get("partners") or {}
    if not isinstance(partners, dict):
        raise ReferenceDataError(f"{path}: 'partners' must map partner ids to settings")
    timezones = {}
    for partner, settings in partners.items():
        zone = settings.get("timezone") if isinstance(settings, dict) else None
        if zone is not None:
            timezones[str(partner)] = zone
    for owner, zone in [("default_timezone", default), *timezones.items()]:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ReferenceDataError(
                f"{path}: time zone {zone!r} of {owner} is not an IANA time zone name"
            ) from exc
    return PartnerConfig(
        version=document["version"], default_timezone=default, partner_timezones=timezones
    )


@lru_cache(maxsize=1)
def default_unit_table() -> UnitTable:
    """Return the unit table from config/mappings/units.yaml, read once per process."""
    return load_unit_table()


@lru_cache(maxsize=1)
def default_partner_config() -> PartnerConfig:
    """Return the partner settings from config/partners.yaml, read once per process."""
    return load_partner_config()
