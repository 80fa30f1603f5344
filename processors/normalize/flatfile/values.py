"""Typed values of flat-file columns: int, decimal with a decimal mark, date with a format, codes.

Every failure raises RecordError FLATFILE_FIELD_INVALID naming the file line
and column, such as ``line 3.ORDER_DATE``. A value missing from a code table
raises MAPPING_MISSING, which a new layout version and a replay fix.
"""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from adapters.flatfile import Column, Layout, Row
from canonical.errors import ErrorCode, RecordError

MAX_DIGITS = 18
MAX_DECIMAL_PLACES = 6
"""Limits of the canonical quantity, which Avro encodes as decimal(18, 6)."""


def field_path(row: Row, column: str) -> str:
    return f"line {row.line_number}.{column}"


def typed_row(row: Row, layout: Layout) -> dict[str, Any]:
    """Convert every column of ``row``; empty optional columns are None."""
    return {column.name: convert(row, column, layout) for column in layout.columns}


def convert(row: Row, column: Column, layout: Layout) -> Any:
    text = row.values.get(column.name, "").strip()
    path = field_path(row, column.name)
    if not text:
        if column.required:
            raise RecordError(
                ErrorCode.FLATFILE_FIELD_INVALID,
                f"column {column.name} is empty on line {row.line_number}",
                field_path=path,
            )
        return None
    if column.code_table:
        table = layout.code_tables[column.code_table]
        if text not in table:
            raise RecordError(
                ErrorCode.MAPPING_MISSING,
                f"value {text!r} of column {column.name} is not in code table "
                f"{column.code_table} of layout {layout.name} version {layout.version}; "
                f"add it under a new layout version and replay the record",
                field_path=path,
            )
        text = table[text]
    if column.type == "int":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise _invalid(column, text, "a whole number such as 10", path)
        return int(text)
    if column.type == "decimal":
        return parse_decimal(text, column, path)
    if column.type == "date":
        return parse_date(text, column, ZoneInfo(layout.timezone), path)
    return text


def parse_decimal(text: str, column: Column, path: str) -> Decimal:
    """Parse ``1.250,5`` or ``1250.5`` by the column's marks; a trailing minus is accepted."""
    value = text.replace(" ", "") if column.thousands_separator != " " else text
    negative = value.endswith("-") or value.startswith("-")
    value = value.strip("-+")
    separator = column.thousands_separator
    mark = re.escape(column.decimal_mark)
    if separator and separator in value:
        pattern = rf"\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+(?:{mark}\d+)?"
        if not re.fullmatch(pattern, value):
            raise _invalid(column, text, "a number with groups of three digits", path)
        value = value.replace(separator, "")
    if not re.fullmatch(rf"\d+(?:{mark}\d*)?|{mark}\d+", value):
        expected = f"a number with the decimal mark {column.decimal_mark!r}"
        raise _invalid(column, text, expected, path)
    try:
        number = Decimal(value.replace(column.decimal_mark, "."))
    except InvalidOperation as exc:
        raise _invalid(column, text, "a decimal number", path) from exc
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_DECIMAL_PLACES or len(number.as_tuple().digits) - places > 12:
        raise _invalid(column, text, "at most 12 integer digits and 6 decimal places", path)
    return -number if negative and number else number


def parse_date(text: str, column: Column, zone: ZoneInfo, path: str) -> datetime:
    """Parse ``text`` with the column's strptime format in ``zone``; return UTC."""
    try:
        parsed = datetime.strptime(text, column.format or "")
    except ValueError as exc:
        raise _invalid(column, text, f"a date in the format {column.format}", path) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(ZoneInfo("UTC"))


def _invalid(column: Column, text: str, expected: str, path: str) -> RecordError:
    return RecordError(
        ErrorCode.FLATFILE_FIELD_INVALID,
        f"column {column.name}: expected {expected}, found {text!r}",
        field_path=path,
    )
