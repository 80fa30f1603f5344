"""The UN/EDIFACT adapter: split interchanges into messages and parse their segments."""

from adapters.edifact.charset import Decoding, choose_decoding
from adapters.edifact.segments import Segment, parse_segments
from adapters.edifact.split import business_key, looks_like_edifact, split_interchange
from adapters.edifact.syntax import Delimiters, UnaError, find_start, read_una

__all__ = [
    "Decoding",
    "Delimiters",
    "Segment",
    "UnaError",
    "business_key",
    "choose_decoding",
    "find_start",
    "looks_like_edifact",
    "parse_segments",
    "read_una",
    "split_interchange",
]
