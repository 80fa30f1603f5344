"""The versioned EPCIS table: business steps to movement types, and exception dispositions.

The file is config/mappings/epcis-bizstep.yaml (or the same path under
SCMFLOW_CONFIG_DIR), reloaded when it changes.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

from canonical.errors import ErrorCode, RecordError
from canonical.exception_event import ExceptionSeverity
from canonical.inventory import MovementType
from processors.normalize.reference_data import ReferenceDataError, config_dir

TABLE_NAME = "epcis-bizstep"


@dataclass(frozen=True, slots=True)
class BizStepTable:
    name: str
    version: str
    bizsteps: dict[str, MovementType]
    """CBV bare words and partner URIs to movement types."""
    without_bizstep: dict[str, MovementType]
    """Action to movement type, for events without a bizStep."""
    receipt_bizsteps: frozenset[str]
    exception_dispositions: dict[str, ExceptionSeverity]

    def movement_type(self, biz_step: str | None, action: str | None, path: str) -> MovementType:
        """Return the movement type of an event, or raise MAPPING_MISSING."""
        if biz_step is None:
            found = self.without_bizstep.get(action or "")
            key = f"without_bizstep.{action}"
        else:
            found = self.bizsteps.get(biz_step)
            key = f"bizStep {biz_step!r}"
        if found is None:
            raise RecordError(
                ErrorCode.MAPPING_MISSING,
                f"{key} is not in {self.name} version {self.version}; add it to "
                f"config/mappings/epcis-bizstep.yaml and replay the record",
                field_path=path,
            )
        return found


def load_bizstep_table(path: Path) -> BizStepTable:
    """Read and check the table; raise ReferenceDataError when it is malformed."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"cannot read mapping table {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("version"), str):
        raise ReferenceDataError(f"mapping table {path} needs a mapping with a quoted version")
    try:
        bizsteps = {
            str(code): MovementType(target)
            for section in ("bizsteps", "custom")
            for code, target in (document.get(section) or {}).items()
        }
        without = {
            str(action): MovementType(target)
            for action, target in (document.get("without_bizstep") or {}).items()
        }
        exceptions = {
            str(code): ExceptionSeverity(severity)
            for code, severity in (document.get("exception_dispositions") or {}).items()
        }
    except (ValueError, AttributeError) as exc:
        raise ReferenceDataError(f"{path}: invalid entry: {exc}") from exc
    return BizStepTable(
        name=str(document.get("name") or TABLE_NAME),
        version=document["version"],
        bizsteps=bizsteps,
        without_bizstep=without,
        receipt_bizsteps=frozenset(document.get("receipt_bizsteps") or ()),
        exception_dispositions=exceptions,
    )


_cache: dict[Path, tuple[float, BizStepTable]] = {}


def default_bizstep_table() -> BizStepTable:
    """Return the table from <config>/mappings/epcis-bizstep.yaml, reloaded when it changes."""
    path = config_dir() / "mappings" / "epcis-bizstep.yaml"
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, load_bizstep_table(path))
        _cache[path] = cached
    return cached[1]
