"""Quantities: X12 decimal values and unit codes turned into canonical Quantity objects."""

import re
from decimal import Decimal, InvalidOperation

from canonical.errors import ErrorCode, RecordError
from canonical.shipment import Quantity
from processors.normalize.reference_data import UnitTable

# X12 type R: optional minus sign, digits with an optional decimal point. No
# exponent, no plus sign, no thousands separator.
DECIMAL_PATTERN = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")

MAX_DIGITS = 18
MAX_DECIMAL_PLACES = 6
"""Limits of the canonical quantity, which Avro encodes as decimal(18, 6)."""


def parse_decimal(text: str, field_path: str) -> Decimal:
    """Parse an X12 decimal such as ``24``, ``36.5`` or ``.25``.

    Raises X12_ELEMENT_INVALID for any other text and for values that do not
    fit 18 digits with at most 6 decimal places.
    """
    value = text.strip()
    if not DECIMAL_PATTERN.fullmatch(value):
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"expected a decimal number such as 24 or 36.5, found {text!r}",
            field_path=field_path,
        )
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID, f"invalid decimal number {text!r}", field_path
        ) from exc
    exponent = number.as_tuple().exponent
    decimal_places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    integer_digits = len(number.as_tuple().digits) - decimal_places
    if decimal_places > MAX_DECIMAL_PLACES or integer_digits > MAX_DIGITS - MAX_DECIMAL_PLACES:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"quantity {text!r} does not fit {MAX_DIGITS} digits with at most "
            f"{MAX_DECIMAL_PLACES} decimal places",
            field_path=field_path,
        )
    return number


def to_quantity(
    value_text: str,
    unit_code: str,
    *,
    table: UnitTable,
    value_path: str,
    unit_path: str,
) -> Quantity:
    """Build a Quantity, mapping the unit code through ``table``.

    Raises X12_ELEMENT_INVALID when the unit code is empty and MAPPING_MISSING
    when the table has no entry for it. The latter is fixed by a new table
    version and a replay of the dead-lettered record.
    """
    value = parse_decimal(value_text, value_path)
    source_unit = unit_code.strip()
    if not source_unit:
        raise RecordError(
            ErrorCode.X12_ELEMENT_INVALID,
            f"the unit of measure code is missing for quantity {value_text!r}",
            field_path=unit_path,
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
