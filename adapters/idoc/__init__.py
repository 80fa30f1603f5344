"""The SAP IDoc adapter: split flat files into IDocs and read their segment trees."""

from adapters.idoc.records import (
    ControlRecord,
    DataRecord,
    DataRecordError,
    format_control_record,
    format_data_record,
    parse_data_record,
)
from adapters.idoc.segments import build_sdata, read_field
from adapters.idoc.split import business_number, decode, idoc_family, looks_like_idoc, split_idocs
from adapters.idoc.tree import Node, SegmentTree, TreeError, build_tree, parse_tree

__all__ = [
    "ControlRecord",
    "DataRecord",
    "DataRecordError",
    "Node",
    "SegmentTree",
    "TreeError",
    "build_sdata",
    "build_tree",
    "business_number",
    "decode",
    "format_control_record",
    "format_data_record",
    "idoc_family",
    "looks_like_idoc",
    "parse_data_record",
    "parse_tree",
    "read_field",
    "split_idocs",
]
