"""Versioned reference data for the normalizers: unit tables and partner settings.

Both are YAML files under ``config/`` with a ``version`` string. The version is
recorded in every event's provenance, so a record dead-lettered for a missing
mapping can be replayed once the table has a new version with the entry.
"""

import os
import time
from dataclasses import dataclass
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


class _FileCache:
    """A loaded file, reloaded when its modification time changes.

    The time is checked at most once per ``interval_s``, so a fixed table
    takes effect in a running worker within a second and a replay of the
    records it failed succeeds without a restart.
    """

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._entries: dict[Path, tuple[float, float, object]] = {}

    def get(self, path: Path, loader):
        now = time.monotonic()
        entry = self._entries.get(path)
        if entry is not None and now - entry[0] < self.interval_s:
            return entry[2]
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
        if entry is not None and entry[1] == mtime:
            self._entries[path] = (now, mtime, entry[2])
            return entry[2]
        value = loader(path)
        self._entries[path] = (now, mtime, value)
        return value


_CACHE = _FileCache()


def config_dir() -> Path:
    """Return the reference-data folder: SCMFLOW_CONFIG_DIR, or config/ in the repository."""
    override = os.environ.get("SCMFLOW_CONFIG_DIR")
    return Path(override) if override else CONFIG_DIR


def default_unit_table() -> UnitTable:
    """Return the unit table from <config>/mappings/units.yaml, reloaded when the file changes."""
    return _CACHE.get(config_dir() / "mappings" / "units.yaml", load_unit_table)


def default_partner_config() -> PartnerConfig:
    """Return the partner settings from <config>/partners.yaml, reloaded when the file changes."""
    return _CACHE.get(config_dir() / "partners.yaml", load_partner_config)
