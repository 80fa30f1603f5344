"""Reading canonical records in a downstream service: typed events and stale-update detection.

Kafka keeps the records of one entity in order within a partition, but a
replay, a resend after the dedupe window or a re-normalized document can
still deliver an older state after a newer one. ``EventReader`` decodes each
record and compares its ``entity_version`` with the highest version seen for
that entity: lower is stale, equal is a duplicate, higher is new.

Versions are kept in memory for at most ``max_entities`` entities, least
recently seen first out. NOTE: once an entity is evicted its next record
counts as new, so size the reader for the number of entities that are
active within the replay window you need to cover.
"""

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from canonical.avro import decode
from canonical.catalog import SchemaCatalog
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.headers import CONTENT_TYPE, H_ENTITY_ID, H_ENTITY_TYPE
from canonical.registry import RegistryCodec

Headers = Sequence[tuple[str, bytes | str | None]]
DEFAULT_MAX_ENTITIES = 100_000


class Freshness(StrEnum):
    """The result of comparing a record's entity version with the highest one seen."""

    NEW = "new"
    """First record of the entity, or a higher version than any seen."""
    DUPLICATE = "duplicate"
    """The same version as the highest seen: a resend or a replay of it."""
    STALE = "stale"
    """A lower version than the highest seen: applying it would go back in time."""


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A decoded event and how it compares with what the reader saw before."""

    event: CanonicalEvent
    freshness: Freshness
    latest_version: int | None
    """The highest entity version seen before this record, or None for a first sighting."""

    @property
    def should_apply(self) -> bool:
        """Whether the event carries a state newer than any seen for its entity."""
        return self.freshness is Freshness.NEW


class EventReader:
    """Decode canonical records and flag stale and duplicate updates per entity.

    Not thread-safe: use one reader per consumer thread, which matches one
    reader per set of assigned partitions.
    """

    def __init__(
        self,
        *,
        max_entities: int = DEFAULT_MAX_ENTITIES,
        catalog: SchemaCatalog | None = None,
        registry: RegistryCodec | None = None,
    ) -> None:
        if max_entities < 1:
            raise ValueError(f"max_entities must be at least 1, got {max_entities}")
        self.max_entities = max_entities
        self.catalog = catalog
        self.registry = registry
        self._versions: OrderedDict[tuple[str, str], int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._versions)

    def read(self, value: bytes | None, headers: Headers | None = None) -> ReadResult:
        """Decode one record value and classify it against the entity's highest version.

        Headers are optional. When given, ``content-type`` must be Avro and the
        ``scmflow.entity_type`` and ``scmflow.entity_id`` headers must match the
        envelope. Raises RecordError(ENVELOPE_DECODE_FAILED) for a missing value
        or a header that contradicts the record, and the errors of
        ``canonical.avro.decode``.
        """
        if value is None:
            raise RecordError(ErrorCode.ENVELOPE_DECODE_FAILED, "record has no value")
        event = decode(value, self.catalog, registry=self.registry)
        if headers is not None:
            _check_headers(event, _header_map(headers))
        return self.observe(event)

    def observe(self, event: CanonicalEvent) -> ReadResult:
        """Classify an already decoded event and remember its version if it is new."""
        key = (event.envelope.entity_type, event.envelope.entity_id)
        version = event.envelope.entity_version
        latest = self._versions.get(key)
        if latest is None or version > latest:
            freshness = Freshness.NEW
            self._versions[key] = version
        elif version == latest:
            freshness = Freshness.DUPLICATE
        else:
            freshness = Freshness.STALE
        self._versions.move_to_end(key)
        while len(self._versions) > self.max_entities:
            self._versions.popitem(last=False)
        return ReadResult(event=event, freshness=freshness, latest_version=latest)

    def latest_version(self, entity_type: str, entity_id: str) -> int | None:
        """Return the highest version seen for an entity, or None if unseen or evicted."""
        return self._versions.get((entity_type, entity_id))


def _header_map(headers: Headers) -> dict[str, str]:
    values = {}
    for name, raw in headers:
        if raw is None:
            continue
        values[name] = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return values


def _check_headers(event: CanonicalEvent, headers: dict[str, str]) -> None:
    expected = {
        "content-type": CONTENT_TYPE,
        H_ENTITY_TYPE: event.envelope.entity_type,
        H_ENTITY_ID: event.envelope.entity_id,
    }
    for name, value in expected.items():
        if name in headers and headers[name] != value:
            raise RecordError(
                ErrorCode.ENVELOPE_DECODE_FAILED,
                f"header {name} is {headers[name]!r} but the record says {value!r}",
                field_path=name,
            )
