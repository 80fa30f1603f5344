"""The flat-file adapter: legacy CSV and fixed-width exports described by a layout file."""

from adapters.flatfile.layout import Column, Layout, LayoutError, load_layout
from adapters.flatfile.rows import FlatFileError, Row, read_rows
from adapters.flatfile.split import split_flatfile

__all__ = [
    "Column",
    "FlatFileError",
    "Layout",
    "LayoutError",
    "Row",
    "load_layout",
    "read_rows",
    "split_flatfile",
]
