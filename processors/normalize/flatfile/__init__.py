"""Normalizers for legacy flat files (CSV and fixed width) described by a layout.

``normalize_flatfile`` picks the mapping from the entity the layout names,
carried in the ``flatfile.entity`` header. processors.normalize.flatfile.identity
documents the heuristic idempotency key.
"""

from collections.abc import Callable

from adapters.flatfile import Layout
from adapters.flatfile import headers as fh
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from processors.normalize.flatfile.inventory import normalize_inventory
from processors.normalize.flatfile.orders import normalize_orders
from processors.normalize.record import RawRecord, require_header

__all__ = ["SUPPORTED_ENTITIES", "normalize_flatfile"]

SUPPORTED_ENTITIES: dict[str, Callable[..., list[CanonicalEvent]]] = {
    "inventory-snapshot": normalize_inventory,
    "purchase-order": normalize_orders,
}


def normalize_flatfile(record: RawRecord, *, layout: Layout | None = None) -> list[CanonicalEvent]:
    """Turn one raw flat-file document into canonical events.

    ``layout`` defaults to config/layouts/<flatfile.layout header>.yaml.
    Raises FLATFILE_LAYOUT_INVALID for an entity without a mapping.
    """
    entity = require_header(record, fh.H_ENTITY)
    normalizer = SUPPORTED_ENTITIES.get(entity)
    if normalizer is None:
        raise RecordError(
            ErrorCode.FLATFILE_LAYOUT_INVALID,
            f"flat-file entity {entity!r} has no mapping; supported: "
            f"{', '.join(sorted(SUPPORTED_ENTITIES))}",
            field_path=fh.H_ENTITY,
        )
    return normalizer(record, layout=layout)
