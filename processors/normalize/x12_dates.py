"""X12 dates, times and time codes turned into aware datetimes.

Dates are CCYYMMDD (versions 004010 and later) or YYMMDD (earlier versions).
Times are HHMM, HHMMSS, or HHMMSS followed by one or two digits of decimal
seconds. A time without a time code is in the sender's local time zone.
"""

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from canonical.errors import ErrorCode, RecordError


def _offset(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


# X12 element 623 (time code), as listed for releases 003060 to 004060. Codes
# naming a zone (ET, CT, ...) follow its daylight saving rules, while codes naming
# standard or daylight time (ES, ED, ...) are fixed offsets. Codes 01 to 12
# are UTC+1 to UTC+12 and codes 13 to 24 are UTC-12 to UTC-1. LT (local time)
# is left out on purpose, so that it falls back to the partner's time zone.
TIME_CODES: dict[str, tzinfo] = {
    "UT": UTC,
    "GM": UTC,
    "ET": ZoneInfo("America/New_York"),
    "CT": ZoneInfo("America/Chicago"),
    "MT": ZoneInfo("America/Denver"),
    "PT": ZoneInfo("America/Los_Angeles"),
    "AT": ZoneInfo("America/Anchorage"),
    "HT": ZoneInfo("Pacific/Honolulu"),
    "NT": ZoneInfo("America/St_Johns"),
    "ES": _offset(-5),
    "ED": _offset(-4),
    "CS": _offset(-6),
    "CD": _offset(-5),
    "MS": _offset(-7),
    "MD": _offset(-6),
    "PS": _offset(-8),
    "PD": _offset(-7),
    "AS": _offset(-9),
    "AD": _offset(-8),
    "HS": _offset(-10),
    "HD": _offset(-9),
    "NS": _offset(-3.5),
    "ND": _offset(-2.5),
    **{f"{hours:02d}": _offset(hours) for hours in range(1, 13)},
    **{f"{code:02d}": _offset(code - 25) for code in range(13, 25)},
}

TWO_DIGIT_YEAR_PIVOT = 70
"""YYMMDD years below this are 20YY, the others 19YY."""


def parse_date(text: str, field_path: str) -> date:
    """Parse CCYYMMDD or YYMMDD, or raise X12_ELEMENT_INVALID for anything else."""
    value = text.strip()
    if value.isdigit() and len(value) == 6:
        year = int(value[:2])
        value = f"{20 if year < TWO_DIGIT_YEAR_PIVOT else 19}{value}"
    if not (value.isdigit() and len(value) == 8):
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"expected a date as CCYYMMDD, found {text!r}",
            field_path=field_path,
        )
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError as exc:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID, f"{text!r} is not a calendar date", field_path
        ) from exc


def parse_time(text: str, field_path: str) -> time:
    """Parse HHMM, HHMMSS or HHMMSSD[D], or raise X12_ELEMENT_INVALID for anything else."""
    value = text.strip()
    if not value.isdigit() or len(value) not in (4, 6, 7, 8):
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"expected a time as HHMM, HHMMSS or HHMMSSDD, found {text!r}",
            field_path=field_path,
        )
    hour, minute = int(value[:2]), int(value[2:4])
    second = int(value[4:6]) if len(value) >= 6 else 0
    fraction = value[6:]
    microsecond = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return time(hour, minute, second, microsecond)
    except ValueError as exc:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID, f"{text!r} is not a time of day", field_path
        ) from exc


def to_utc(day: date, clock: time, zone: tzinfo) -> datetime:
    """Combine a local date and time in ``zone`` and return the UTC instant.

    A local time that occurs twice when clocks go back resolves to the first
    occurrence. A local time skipped when clocks go forward resolves as if the
    clocks had not changed yet. Both follow Python's ``fold=0`` rule.
    """
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def source_text(*values: str) -> str | None:
    """Join the non-empty source values with spaces, as the original local time."""
    present = [value.strip() for value in values if value.strip()]
    return " ".join(present) if present else None
