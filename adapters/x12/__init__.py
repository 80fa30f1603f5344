"""The ANSI X12 adapter: split interchanges into transaction sets and parse their segments."""

from adapters.x12.delimiters import Delimiters, IsaError, IsaHeader, read_isa
from adapters.x12.segments import Segment, parse_segments
from adapters.x12.split import business_key, split_interchanges

__all__ = [
    "Delimiters",
    "IsaError",
    "IsaHeader",
    "Segment",
    "business_key",
    "parse_segments",
    "read_isa",
    "split_interchanges",
]
