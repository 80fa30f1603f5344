"""SAP field values: numbers with a trailing minus, YYYYMMDD dates, HHMMSS times, unit codes."""

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation

from canonical.common import Quantity
from canonical.errors import ErrorCode, RecordError
from processors.normalize.reference_data import UnitTable

# SAP writes numbers with a decimal point and the sign after the digits
# ("12.500-"); a leading minus is accepted too. No thousands separator.
NUMBER_PATTERN = re.compile(r"(?P<lead>-?)(?P<digits>\d+\.?\d*|\.\d+)(?P<trail>-?)")
MAX_DIGITS = 18
MAX_DECIMAL_PLACES = 6
"""Limits of the canonical quantity, which Avro encodes as decimal(18, 6)."""


def parse_number(text: str, field_path: str) -> Decimal:
    """Parse an SAP number such as ``24``, ``36.500`` or ``5.000-``; raise IDOC_FIELD_INVALID."""
    value = text.strip()
    match = NUMBER_PATTERN.fullmatch(value)
    if match is None or (match["lead"] and match["trail"]):
        raise RecordError(
            ErrorCode.IDOC_FIELD_INVALID,
            f"expected a number such as 24, 36.500 or 5.000-, found {text!r}",
            field_path=field_path,
        )
    try:
        number = Decimal(match["digits"])
    except InvalidOperation as exc:
        raise RecordError(
            ErrorCode.IDOC_FIELD_INVALID, f"invalid number {text!r}", field_path
        ) from exc
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if (
        places > MAX_DECIMAL_PLACES
        or len(number.as_tuple().digits) - places > MAX_DIGITS - MAX_DECIMAL_PLACES
    ):
        raise RecordError(
            ErrorCode.IDOC_FIELD_INVALID,
            f"number {text!r} does not fit {MAX_DIGITS} digits with at most "
            f"{MAX_DECIMAL_PLACES} decimal places",
            field_path=field_path,
        )
    if number == 0:
        return Decimal(0)
    return -number if (match["lead"] or match["trail"]) else number


def to_quantity(
    value_text: str, unit_code: str, *, table: UnitTable, value_path: str, unit_path: str
) -> Quantity:
    """Build a Quantity, mapping the SAP unit through ``table``.

    Raises IDOC_FIELD_INVALID for an empty value or unit and MAPPING_MISSING
    when the table has no entry for the unit; the latter is fixed by a new
    table version and a replay of the dead-lettered record.
    """
    if not value_text.strip():
        raise RecordError(ErrorCode.IDOC_FIELD_INVALID, "the quantity is empty", value_path)
    value = parse_number(value_text, value_path)
    source_unit = unit_code.strip()
    if not source_unit:
        raise RecordError(
            ErrorCode.IDOC_FIELD_INVALID,
            f"the unit of measure is missing for quantity {value_text.strip()!r}",
            field_path=unit_path,
        )
    target = table.units.get(source_unit)
    if target is None:
        raise RecordError(
            ErrorCode.MAPPING_MISSING,
            f"SAP unit {source_unit!r} is not in {table.name} version {table.version}; "
            f"add it to the table and replay the record",
            field_path=unit_path,
        )
    return Quantity(
        value=value,
        unit=target,
        source_value=value_text.strip(),
        source_unit=source_unit,
        conversion_rule=f"{table.name}@{table.version}:{source_unit}->{target}",
    )


def parse_datetime(date_text: str, time_text: str, zone: tzinfo, field_path: str) -> datetime:
    """Read YYYYMMDD and optional HHMMSS in ``zone``; return UTC. Raise IDOC_FIELD_INVALID.

    A date without a time is the start of that day. SAP's empty date
    00000000 is rejected here, so callers check for it first with ``is_empty_date``.
    """
    day_text, clock_text = date_text.strip(), time_text.strip()
    try:
        day = date(int(day_text[0:4]), int(day_text[4:6]), int(day_text[6:8]))
        if len(day_text) != 8 or not day_text.isdigit():
            raise ValueError(day_text)
        clock = time(0, 0, 0)
        if clock_text:
            if len(clock_text) not in (4, 6) or not clock_text.isdigit():
                raise ValueError(clock_text)
            clock = time(int(clock_text[0:2]), int(clock_text[2:4]), int(clock_text[4:6] or 0))
    except ValueError as exc:
        raise RecordError(
            ErrorCode.IDOC_FIELD_INVALID,
            f"expected a date YYYYMMDD and a time HHMMSS, found {date_text!r} {time_text!r}",
            field_path=field_path,
        ) from exc
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def is_empty_date(text: str) -> bool:
    """Return whether an SAP date field is empty: blank or 00000000."""
    return not text.strip().strip("0")
