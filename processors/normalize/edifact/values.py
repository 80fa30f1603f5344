"""EDIFACT numbers, dates (DTM) and quantities (QTY) turned into canonical values.

Numbers use the decimal mark the UNA declares (a comma is common). EDIFACT
numeric values have no thousands separators, so a single full stop or comma is
always a decimal mark. A mark other than the declared one is read and flagged.

Dates follow the DTM format qualifier (data element 2379). A date and time
without a zone is in the sender's time zone from config/partners.yaml.
"""

from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal

from adapters.edifact import Segment
from canonical.common import Quantity
from canonical.errors import ErrorCode, RecordError
from processors.normalize import x12_dates
from processors.normalize.reference_data import UnitTable
from processors.normalize.units import parse_decimal as parse_plain_decimal

DECIMAL_MARK_FLAG = "edifact.decimal_mark_mismatch"
UTC_ZONE_NAMES = ("UTC", "GMT", "Z")

# DTM format qualifiers (2379) read here, with the length of their value.
DATE_FORMATS = {"102": 8, "101": 6, "203": 12, "201": 10, "204": 14}
ZONED_FORMATS = ("205", "303")
"""205 is CCYYMMDDHHMM followed by a +HHMM or -HHMM offset; 303 is CCYYMMDDHHMM followed by
a zone name, of which only UTC, GMT and Z are read."""
PERIOD_FORMATS = {"718": "102", "719": "203"}
"""Periods (start-end) read as their start: 718 is CCYYMMDD-CCYYMMDD, 719 is
CCYYMMDDHHMM-CCYYMMDDHHMM."""
INFERRED_FORMATS = {8: "102", 12: "203", 14: "204"}
"""Format of a DTM without a format qualifier, by the length of its value."""


def parse_number(text: str, decimal_mark: str, field_path: str, flags: list[str]) -> Decimal:
    """Parse a numeric value such as ``12``, ``36,5`` or ``-0.25``.

    Raises EDIFACT_ELEMENT_INVALID for other text and for values that do not
    fit the canonical decimal(18, 6). Appends ``edifact.decimal_mark_mismatch``
    to ``flags`` when the value uses the mark the UNA did not declare.
    """
    value = text.strip()
    other = {".": ",", ",": "."}.get(decimal_mark)
    if other is not None and other in value and decimal_mark not in value:
        if DECIMAL_MARK_FLAG not in flags:
            flags.append(DECIMAL_MARK_FLAG)
        value = value.replace(other, ".")
    else:
        value = value.replace(decimal_mark, ".")
    try:
        return parse_plain_decimal(value, field_path)
    except RecordError as exc:
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID,
            f"expected a number such as 24 or 36{decimal_mark}5, found {text!r}",
            field_path=field_path,
        ) from exc


def to_quantity(
    value_text: str,
    unit_code: str,
    *,
    table: UnitTable,
    implied_unit: str,
    decimal_mark: str,
    value_path: str,
    unit_path: str,
    flags: list[str],
) -> Quantity:
    """Build a Quantity, checking the unit code against the Rec 20 table.

    A quantity without a unit counts trade items and gets ``implied_unit``.
    Raises MAPPING_MISSING when the table has no entry for the unit code, which
    a new table version and a replay of the dead-lettered record fix.
    """
    value = parse_number(value_text, decimal_mark, value_path, flags)
    source_unit = unit_code.strip()
    if not source_unit:
        return Quantity(
            value=value,
            unit=implied_unit,
            source_value=value_text,
            source_unit="",
            conversion_rule=f"{table.name}@{table.version}:implied->{implied_unit}",
        )
    target = table.units.get(source_unit)
    if target is None:
        raise RecordError(
            ErrorCode.MAPPING_MISSING,
            f"unit code {source_unit!r} is not in {table.name} version {table.version}; "
            f"add it to the table and replay the record",
            field_path=unit_path,
        )
    return Quantity(
        value=value,
        unit=target,
        source_value=value_text,
        source_unit=source_unit,
        conversion_rule=f"{table.name}@{table.version}:{source_unit}->{target}",
    )


def parse_dtm(segment: Segment, zone: tzinfo, field_path: str) -> tuple[datetime, str]:
    """Return the UTC instant of a DTM segment and the value exactly as written.

    A date without a time is read as the start of that day, and a period as
    its start. Raises
    EDIFACT_ELEMENT_INVALID for an empty value, an unsupported format qualifier
    or a value that does not match its format.
    """
    value = segment.component(1, 2)
    qualifier = segment.component(1, 3) or INFERRED_FORMATS.get(len(value), "")
    source = f"{value}:{qualifier}" if segment.component(1, 3) else value
    if not value:
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID, "the DTM has no date or time value", field_path
        )
    if qualifier in ZONED_FORMATS:
        return _parse_zoned(value, qualifier, field_path), source
    if qualifier in PERIOD_FORMATS:
        value, qualifier = value.split("-", 1)[0], PERIOD_FORMATS[qualifier]
    length = DATE_FORMATS.get(qualifier)
    if length is None:
        supported = ", ".join([*DATE_FORMATS, *ZONED_FORMATS, *PERIOD_FORMATS])
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID,
            f"DTM format qualifier {qualifier!r} is not read by this release; supported: "
            f"{supported}",
            field_path,
        )
    if len(value) != length or not value.isdigit():
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID,
            f"DTM value {value!r} does not match format {qualifier} ({length} digits)",
            field_path,
        )
    return _local_instant(value, qualifier, zone, field_path), source


def _local_instant(value: str, qualifier: str, zone: tzinfo, field_path: str) -> datetime:
    date_digits = value[:6] if qualifier in ("101", "201") else value[:8]
    rest = value[len(date_digits) :]
    try:
        day = x12_dates.parse_date(date_digits, field_path)
        clock = x12_dates.parse_time(rest, field_path) if rest else time(0, 0)
    except RecordError as exc:
        raise RecordError(ErrorCode.EDIFACT_ELEMENT_INVALID, exc.message, field_path) from exc
    return x12_dates.to_utc(day, clock, zone)


def _parse_zoned(value: str, qualifier: str, field_path: str) -> datetime:
    local, suffix = value[:12], value[12:]
    if not (len(local) == 12 and local.isdigit()):
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID,
            f"DTM value {value!r} does not start with CCYYMMDDHHMM as format {qualifier} requires",
            field_path,
        )
    if qualifier == "205":
        if len(suffix) != 5 or suffix[0] not in "+-" or not suffix[1:].isdigit():
            raise RecordError(
                ErrorCode.EDIFACT_ELEMENT_INVALID,
                f"DTM value {value!r} lacks the +HHMM or -HHMM offset of format 205",
                field_path,
            )
        sign = 1 if suffix[0] == "+" else -1
        offset = timedelta(hours=int(suffix[1:3]), minutes=int(suffix[3:5])) * sign
        zone: tzinfo = timezone(offset)
    elif suffix.upper() in UTC_ZONE_NAMES:
        zone = UTC
    else:
        raise RecordError(
            ErrorCode.EDIFACT_ELEMENT_INVALID,
            f"DTM value {value!r} names the time zone {suffix!r}; only UTC, GMT and Z are read",
            field_path,
        )
    return _local_instant(local, "203", zone, field_path)
