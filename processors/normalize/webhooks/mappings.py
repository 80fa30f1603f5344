"""The versioned tables of the webhook normalizers: carrier statuses and commerce states.

Both are YAML files under config/mappings/ with a ``name`` and a ``version``.
A lookup of a code the table lacks raises RecordError(MAPPING_MISSING), so the
record is dead-lettered and can be replayed once a new table version has it.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from canonical.errors import ErrorCode, RecordError
from canonical.orders import CustomerOrderStatus
from canonical.returns import ReturnDisposition
from canonical.shipment import ShipmentStatus
from processors.normalize.reference_data import CONFIG_DIR, ReferenceDataError

CARRIER_STATUS_FILE = CONFIG_DIR / "mappings" / "carrier-status.yaml"
COMMERCE_STATUS_FILE = CONFIG_DIR / "mappings" / "commerce-status.yaml"


def _read_table(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReferenceDataError(f"cannot read mapping table {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"mapping table {path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ReferenceDataError(f"mapping table {path} must contain a mapping at the top level")
    for field in ("name", "version"):
        if not isinstance(document.get(field), str) or not document[field]:
            raise ReferenceDataError(f"mapping table {path} needs a quoted {field} string")
    return document


def _section(path: Path, document: dict[str, Any], *keys: str) -> dict[str, Any]:
    value: Any = document
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, dict):
        raise ReferenceDataError(f"{path}: {'.'.join(keys)} must be a mapping")
    return {str(code): target for code, target in value.items()}


def _checked(path: Path, where: str, table: dict[str, Any], allowed: set[str], nullable: bool):
    for code, target in table.items():
        if target is None and nullable:
            continue
        if target not in allowed:
            raise ReferenceDataError(
                f"{path}: {where}.{code} maps to {target!r}; expected one of: "
                f"{', '.join(sorted(allowed))}"
            )
    return table


@dataclass(frozen=True, slots=True)
class CarrierStatusTable:
    name: str
    version: str
    statuses: dict[str, dict[str, str]]
    """Provider, then the carrier's status code, to a ShipmentStatus value."""
    carrier_scac: dict[str, str]

    def status(self, provider: str, code: str, field_path: str) -> ShipmentStatus:
        target = self.statuses.get(provider, {}).get(code)
        if target is None:
            raise RecordError(
                ErrorCode.MAPPING_MISSING,
                f"{provider} status {code!r} is not in {self.name} version {self.version}; "
                f"add it to config/mappings/carrier-status.yaml and replay the record",
                field_path=field_path,
            )
        return ShipmentStatus(target)

    def scac(self, carrier: str | None) -> str | None:
        return self.carrier_scac.get(carrier.lower()) if carrier else None


@dataclass(frozen=True, slots=True)
class CommerceStatusTable:
    name: str
    version: str
    count_unit: str
    order_status: dict[str, dict[str, str]]
    return_disposition: dict[str, dict[str, str | None]]

    def customer_order_status(
        self, provider: str, state: str, field_path: str
    ) -> CustomerOrderStatus:
        target = self.order_status.get(provider, {}).get(state)
        if target is None:
            raise self._missing(provider, "order state", state, field_path)
        return CustomerOrderStatus(target)

    def disposition(self, provider: str, code: str, field_path: str) -> ReturnDisposition | None:
        table = self.return_disposition.get(provider, {})
        if code not in table:
            raise self._missing(provider, "restock type", code, field_path)
        target = table[code]
        return ReturnDisposition(target) if target is not None else None

    def _missing(self, provider: str, what: str, code: str, field_path: str) -> RecordError:
        return RecordError(
            ErrorCode.MAPPING_MISSING,
            f"{provider} {what} {code!r} is not in {self.name} version {self.version}; "
            f"add it to config/mappings/commerce-status.yaml and replay the record",
            field_path=field_path,
        )


def load_carrier_status_table(path: Path = CARRIER_STATUS_FILE) -> CarrierStatusTable:
    """Read and check the carrier status table; raise ReferenceDataError when it is malformed."""
    document = _read_table(path)
    allowed = {status.value for status in ShipmentStatus}
    statuses = {
        provider: _checked(
            path,
            f"statuses.{provider}",
            _section(path, document, "statuses", provider),
            allowed,
            False,
        )
        for provider in _section(path, document, "statuses")
    }
    return CarrierStatusTable(
        name=document["name"],
        version=document["version"],
        statuses=statuses,
        carrier_scac={
            key.lower(): str(value)
            for key, value in _section(path, document, "carrier_scac").items()
        },
    )


def load_commerce_status_table(path: Path = COMMERCE_STATUS_FILE) -> CommerceStatusTable:
    """Read and check the commerce status table; raise ReferenceDataError when it is malformed."""
    document = _read_table(path)
    order_allowed = {status.value for status in CustomerOrderStatus}
    disposition_allowed = {disposition.value for disposition in ReturnDisposition}
    order_status = {
        provider: _checked(
            path,
            f"customer_order_status.{provider}",
            _section(path, document, "customer_order_status", provider),
            order_allowed,
            False,
        )
        for provider in _section(path, document, "customer_order_status")
    }
    return_disposition = {
        provider: _checked(
            path,
            f"return_disposition.{provider}",
            _section(path, document, "return_disposition", provider),
            disposition_allowed,
            True,
        )
        for provider in _section(path, document, "return_disposition")
    }
    count_unit = document.get("count_unit")
    if not isinstance(count_unit, str) or not count_unit:
        raise ReferenceDataError(f"{path}: count_unit must name a unit code, such as EA")
    return CommerceStatusTable(
        name=document["name"],
        version=document["version"],
        count_unit=count_unit,
        order_status=order_status,
        return_disposition=return_disposition,
    )


@lru_cache(maxsize=1)
def default_carrier_status_table() -> CarrierStatusTable:
    """Return config/mappings/carrier-status.yaml, read once per process."""
    return load_carrier_status_table()


@lru_cache(maxsize=1)
def default_commerce_status_table() -> CommerceStatusTable:
    """Return config/mappings/commerce-status.yaml, read once per process."""
    return load_commerce_status_table()
