"""Field ownership: which producer systems are authoritative for each field of an entity.

Several systems publish the same entity: an ERP and a PIM both describe a
product, a supplier's ship notice and the carrier both update a shipment. Each
entity class declares, in ``ownership``, the systems that own each top-level
field. ``merge_owned`` applies an update to the current state field by field
and keeps the current value wherever the update's producer does not own the
field, so a sync or a replay from a non-owner never overwrites an owned field.

Owners are matched against ``Envelope.producer_system``, which names the
system family first and then, after colons, an instance or partner, such as
``x12:ACME`` or ``wms:DC1``. The owner ``x12`` matches ``x12`` and every
``x12:...`` producer; ``*`` matches every producer.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from canonical.common import CanonicalModel

ANY_PRODUCER = "*"


def producer_matches(owner: str, producer_system: str) -> bool:
    """Return whether ``owner`` names ``producer_system`` or a system family that contains it."""
    if owner == ANY_PRODUCER or producer_system == owner:
        return True
    return producer_system.startswith(owner + ":")


@dataclass(frozen=True, slots=True)
class FieldOwnership:
    """The owners of each top-level field of one entity."""

    keys: tuple[str, ...]
    """Identity fields. They never change: an update with other key values is another entity."""
    default: tuple[str, ...]
    """Owners of every field that ``fields`` does not list."""
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def owners_of(self, name: str) -> tuple[str, ...]:
        return self.fields.get(name, self.default)

    def is_owner(self, name: str, producer_system: str) -> bool:
        return any(producer_matches(owner, producer_system) for owner in self.owners_of(name))


class OwnedEntity(CanonicalModel):
    """Base of every canonical entity: a model with a ``FieldOwnership`` declaration."""

    ownership: ClassVar[FieldOwnership]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        declared = set(cls.ownership.keys) | set(cls.ownership.fields)
        unknown = sorted(declared - set(cls.model_fields))
        if unknown:
            raise TypeError(f"{cls.__name__}.ownership names fields the model lacks: {unknown}")


Entity = TypeVar("Entity", bound=OwnedEntity)


class OwnershipError(ValueError):
    """An update cannot be merged: it is another entity or another entity type."""


@dataclass(frozen=True, slots=True)
class MergeResult(Generic[Entity]):
    """The merged entity and the fields whose values the update changed."""

    entity: Entity
    applied: tuple[str, ...]
    """Fields whose value changed because the producer owns them."""
    rejected: tuple[str, ...]
    """Fields the update would have changed but the producer does not own; their current
    values are kept."""


def merge_owned(
    current: Entity | None, update: Entity, producer_system: str
) -> MergeResult[Entity]:
    """Apply ``update`` from ``producer_system`` to ``current``, field by field.

    A field changes only when the producer owns it; the other changed fields
    are listed in ``rejected``. Without a current state the update is taken
    whole, because there is no owned value yet to protect. Fields are compared
    at the top level, so a list such as ``lines`` is owned and replaced as a
    whole.

    Raises OwnershipError when the two are of different types or their key
    fields differ, and pydantic's ValidationError when the merged values break
    a rule of the model that spans several fields.
    """
    if current is None:
        return MergeResult(entity=update, applied=(), rejected=())
    if type(current) is not type(update):
        raise OwnershipError(
            f"cannot merge a {type(update).__name__} update into a {type(current).__name__}"
        )
    ownership = type(current).ownership
    for key in ownership.keys:
        if getattr(current, key) != getattr(update, key):
            raise OwnershipError(
                f"key field {key} differs: current {getattr(current, key)!r}, "
                f"update {getattr(update, key)!r}; the update is another entity"
            )

    values: dict[str, Any] = {}
    applied: list[str] = []
    rejected: list[str] = []
    for name in type(current).model_fields:
        old, new = getattr(current, name), getattr(update, name)
        if old == new or name in ownership.keys:
            values[name] = old
        elif ownership.is_owner(name, producer_system):
            values[name] = new
            applied.append(name)
        else:
            values[name] = old
            rejected.append(name)

    merged = type(current)(**values) if applied else current
    return MergeResult(entity=merged, applied=tuple(applied), rejected=tuple(rejected))
