"""Identity of events built from legacy flat files, which carry no reliable document ids.

Legacy exports have no interchange or message numbers, and a re-export of
the same data gets a new file name and often a new timestamp. The
idempotency key is therefore a heuristic, a SHA-256 over:

- the source system (the layout's ``source``) and the layout name,
- the document number (the ``document_key`` column values),
- per row: the line (the layout's ``key.line`` column, else the row's
  position in the document), the material (``key.material``), and the time
  bucket: the ``key.time`` column's value floored to ``key.time_bucket_seconds``
  (default one day), so a re-export stamped a few minutes later in the same
  bucket keeps the key,
- a hash of every other converted value of the rows, so a changed quantity
  gets a new key instead of being dropped as a duplicate,
- the event's entity type and id.

Known limits: two exports of identical data in the same time bucket are one
event, even when the stock went down and back up between them. A re-export
that crosses a bucket boundary is a new event.

``event_id`` is the UUID version 5 the X12 normalizer uses, over the raw
record's topic, partition, offset and the event's entity id.
"""

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from adapters.flatfile import Layout


def time_bucket(value: Any, bucket_seconds: int) -> str:
    """Return the bucket number of a datetime value, or its text for other values."""
    if isinstance(value, datetime):
        return str(int(value.timestamp()) // bucket_seconds)
    return "" if value is None else str(value)


def idempotency_key(
    layout: Layout,
    document_number: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    entity_type: str,
    entity_id: str,
) -> str:
    """Return the heuristic key described in the module docstring.

    ``rows`` are (position in the document, converted row) pairs.
    """
    options = layout.key
    parts = ["flatfile", layout.source, layout.name, document_number]
    content = hashlib.sha256()
    for position, row in rows:
        line = row.get(options.line) if options.line else position
        material = row.get(options.material) if options.material else ""
        bucket = (
            time_bucket(row.get(options.time), options.time_bucket_seconds) if options.time else ""
        )
        parts.extend([str(line), str(material), bucket])
        for name in sorted(row):
            if name not in (options.time, options.line, options.material):
                content.update(f"{name}={row[name]}\x1f".encode())
        content.update(b"\x1e")
    parts.extend([content.hexdigest(), entity_type, entity_id])
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
