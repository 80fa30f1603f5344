"""Typed reads from a webhook's JSON body, with type drift turned into quality flags.

Real webhook bodies carry values whose JSON type was lost on the way, such
as the strings ``"NULL"`` and ``"TRUE"`` or numbers sent as strings. The
reader accepts them where the meaning is unambiguous and adds a quality flag;
it raises RecordError(WEBHOOK_BODY_INVALID) only for a value it cannot read.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from canonical.errors import ErrorCode, RecordError

NULL_STRINGS = frozenset({"NULL", "Null", "null", "None", "NONE"})
BOOLEAN_STRINGS = {
    "TRUE": True,
    "True": True,
    "true": True,
    "FALSE": False,
    "False": False,
    "false": False,
}

FLAG_NULL_STRING = "webhook.type_drift.null_string"
"""A field held a string such as "NULL" where JSON null was meant."""
FLAG_BOOLEAN_STRING = "webhook.type_drift.boolean_string"
"""A field held the string "TRUE" or "FALSE" where a JSON boolean was meant."""
FLAG_NUMBER_STRING = "webhook.type_drift.number_string"
"""A count held a numeric string where a JSON number was meant."""
FLAG_TIME_WITHOUT_OFFSET = "webhook.time_without_offset"
"""A time that should carry a UTC offset had none; it was read as UTC."""
FLAG_MONEY_INVALID = "webhook.money_invalid"
"""A money amount was not a decimal number and was left out."""


def body_error(message: str, path: str) -> RecordError:
    return RecordError(ErrorCode.WEBHOOK_BODY_INVALID, message, field_path=path)


def scan_drift(value: Any) -> set[str]:
    """Return the drift flags for every "NULL" or "TRUE"-like string anywhere in ``value``."""
    flags: set[str] = set()
    for leaf in _leaves(value):
        if isinstance(leaf, str):
            if leaf in NULL_STRINGS:
                flags.add(FLAG_NULL_STRING)
            elif leaf in BOOLEAN_STRINGS:
                flags.add(FLAG_BOOLEAN_STRING)
    return flags


def _leaves(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            yield item


class FieldReader:
    """Reads fields of one body and collects the quality flags the reads raise."""

    def __init__(self) -> None:
        self.flags: list[str] = []

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def obj(self, container: Any, key: str, path: str) -> dict[str, Any] | None:
        """Return a nested object, or None when it is absent or null."""
        value = container.get(key) if isinstance(container, dict) else None
        if value is None or (isinstance(value, str) and value in NULL_STRINGS):
            return None
        if not isinstance(value, dict):
            raise body_error(f"expected an object, found {type(value).__name__}", path)
        return value

    def items(self, container: Any, key: str, path: str) -> list[Any]:
        """Return a list field; an absent or null list is empty."""
        value = container.get(key) if isinstance(container, dict) else None
        if value is None or (isinstance(value, str) and value in NULL_STRINGS):
            return []
        if not isinstance(value, list):
            raise body_error(f"expected a list, found {type(value).__name__}", path)
        return value

    def text(self, container: Any, key: str, path: str) -> str | None:
        """Return an id, code or name as text; integers are written in decimal.

        Empty strings and null-like strings ("NULL", "null") are None; the latter
        add FLAG_NULL_STRING.
        """
        value = container.get(key) if isinstance(container, dict) else None
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if not isinstance(value, str):
            raise body_error(f"expected a string or number, found {type(value).__name__}", path)
        stripped = value.strip()
        if stripped in NULL_STRINGS:
            self.flag(FLAG_NULL_STRING)
            return None
        return stripped or None

    def required_text(self, container: Any, key: str, path: str) -> str:
        value = self.text(container, key, path)
        if value is None:
            raise body_error(f"{path} is missing or empty", path)
        return value

    def boolean(self, container: Any, key: str, path: str) -> bool | None:
        value = container.get(key) if isinstance(container, dict) else None
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip() in BOOLEAN_STRINGS:
            self.flag(FLAG_BOOLEAN_STRING)
            return BOOLEAN_STRINGS[value.strip()]
        if isinstance(value, str) and value.strip() in NULL_STRINGS:
            self.flag(FLAG_NULL_STRING)
            return None
        raise body_error(f"expected true or false, found {value!r}", path)

    def count(self, container: Any, key: str, path: str) -> Decimal:
        """Return a non-negative count, such as a line quantity."""
        value = container.get(key) if isinstance(container, dict) else None
        if isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise body_error(f"expected a number, found {value!r}", path) from None
            self.flag(FLAG_NUMBER_STRING)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            number = Decimal(repr(value))
        else:
            raise body_error(f"expected a number, found {value!r}", path)
        if not number.is_finite() or number < 0:
            raise body_error(f"expected a count of zero or more, found {value!r}", path)
        return number

    def signed_number(self, container: Any, key: str, path: str) -> Decimal:
        """Return a number that may be negative, such as Shopify's oversold available stock."""
        value = container.get(key) if isinstance(container, dict) else None
        if isinstance(value, str):
            self.flag(FLAG_NUMBER_STRING)
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise body_error(f"expected a number, found {value!r}", path) from None
        if isinstance(value, bool) or value is None or not number.is_finite():
            raise body_error(f"expected a number, found {value!r}", path)
        return number

    def money(self, container: Any, key: str, path: str) -> str | None:
        """Return a money amount as a decimal string, such as "409.94"; None when absent.

        Amounts are kept as the source's decimal digits, never through a binary
        float: JSON numbers are read from their shortest decimal representation.
        """
        value = container.get(key) if isinstance(container, dict) else None
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, str) and value.strip() in NULL_STRINGS:
            self.flag(FLAG_NULL_STRING)
            return None
        text = repr(value) if isinstance(value, float) else str(value).strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.flag(FLAG_MONEY_INVALID)
            return None
        if not amount.is_finite():
            self.flag(FLAG_MONEY_INVALID)
            return None
        return format(amount, "f")

    def instant(
        self, container: Any, key: str, path: str, *, naive_is_utc: bool = False
    ) -> tuple[datetime, str] | None:
        """Return an ISO 8601 time in UTC and the text it was read from; None when absent.

        A time without an offset is read as UTC. That is the documented meaning
        for fields such as WooCommerce's ``date_created_gmt`` (``naive_is_utc``);
        elsewhere it also adds FLAG_TIME_WITHOUT_OFFSET.
        """
        text = self.text(container, key, path)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise body_error(f"expected an ISO 8601 time, found {text!r}", path) from None
        if parsed.utcoffset() is None:
            if not naive_is_utc:
                self.flag(FLAG_TIME_WITHOUT_OFFSET)
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC), text
