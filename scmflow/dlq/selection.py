"""Replay selections: an offset range, a time window and filters over dead-letter records.

A selection is required, so that a replay never covers a whole topic by
accident: an offset range on one partition, a time window, or ``--all``.
Filters (codes, source, entity) then narrow what the selection covers. Time
bounds compare with the record's ``scmflow.error.failed_at`` header, or with
its Kafka timestamp when the header is missing.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from canonical.errors import ErrorCode
from scmflow.dlq.records import DeadLetterRecord

RELATIVE_TIME = re.compile(r"(?P<amount>\d+)\s*(?P<unit>[smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class SelectionError(ValueError):
    """A selection that is missing, contradictory or malformed: a usage error."""


def parse_time(text: str, now: datetime) -> datetime:
    """Parse an ISO 8601 time or a time relative to ``now``, such as ``30m``, ``2h`` or ``7d``.

    Units of relative times: s, m, h, d and w (weeks). An ISO 8601 time
    without a UTC offset is read as UTC. Raises SelectionError for other text.
    """
    value = text.strip()
    relative = RELATIVE_TIME.fullmatch(value)
    if relative:
        seconds = int(relative["amount"]) * _UNIT_SECONDS[relative["unit"]]
        return now - timedelta(seconds=seconds)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SelectionError(
            f"invalid time {text!r}: expected ISO 8601 such as 2026-03-01T14:30:00Z, "
            f"or a relative time such as 30m, 2h, 7d"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_codes(values: Iterable[str]) -> frozenset[str]:
    """Check error codes against ErrorCode, ignoring case; raise SelectionError for unknown ones."""
    known = {code.value for code in ErrorCode}
    codes = frozenset(value.strip().upper() for value in values)
    unknown = sorted(codes - known)
    if unknown:
        raise SelectionError(
            f"unknown error code {', '.join(unknown)}; expected one of {', '.join(sorted(known))}"
        )
    return codes


@dataclass(frozen=True, slots=True)
class Selection:
    """The records a replay covers. Offsets are inclusive; time bounds are inclusive."""

    partition: int | None = None
    from_offset: int | None = None
    to_offset: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    select_all: bool = False
    codes: frozenset[str] = frozenset()
    source: str | None = None
    entity: str | None = None

    def __post_init__(self) -> None:
        has_range = self.from_offset is not None or self.to_offset is not None
        has_window = self.since is not None or self.until is not None
        if not (has_range or has_window or self.select_all):
            raise SelectionError(
                "no selection given: pass --partition with --from-offset/--to-offset, "
                "--since/--until, or --all"
            )
        if has_range and self.partition is None:
            raise SelectionError("--from-offset and --to-offset need --partition")
        for name, number in (
            ("--partition", self.partition),
            ("--from-offset", self.from_offset),
            ("--to-offset", self.to_offset),
        ):
            if number is not None and number < 0:
                raise SelectionError(f"{name} must be 0 or more, got {number}")
        if (
            self.from_offset is not None
            and self.to_offset is not None
            and self.to_offset < self.from_offset
        ):
            raise SelectionError(
                f"--to-offset {self.to_offset} is before --from-offset {self.from_offset}"
            )
        if self.since is not None and self.until is not None and self.until < self.since:
            raise SelectionError(
                f"--until {self.until.isoformat()} is before --since {self.since.isoformat()}"
            )

    def offset_bounds(self, partition: int, low: int, high: int) -> tuple[int, int]:
        """Return the offsets to read on ``partition``: start inclusive, end exclusive.

        ``low`` and ``high`` are the partition's first offset and end offset.
        A partition outside the selection gets an empty range.
        """
        if self.partition is not None and partition != self.partition:
            return low, low
        start = low if self.from_offset is None else max(low, self.from_offset)
        end = high if self.to_offset is None else min(high, self.to_offset + 1)
        return start, max(start, end)

    def matches(self, record: DeadLetterRecord) -> bool:
        """Return whether the record passes the time window and every filter."""
        if self.codes and record.code not in self.codes:
            return False
        if self.source is not None and self.source not in (
            record.source,
            record.original_topic,
        ):
            return False
        if self.entity is not None and self.entity not in (record.key_text, record.entity_id):
            return False
        if self.since is not None or self.until is not None:
            failed_at = record.failed_at
            if failed_at is None:
                return False
            if self.since is not None and failed_at < self.since:
                return False
            if self.until is not None and failed_at > self.until:
                return False
        return True
