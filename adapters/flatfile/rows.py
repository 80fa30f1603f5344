"""Reading the rows of a CSV or fixed-width export as text, with the exact bytes of each row.

Values are returned as strings exactly as the file contains them, with
fixed-width padding stripped and CSV quotes removed. Type conversion is the
normalizer's job, so a bad date is a coded rejection of that document rather
than of the whole file.
"""

import csv
from dataclasses import dataclass

from adapters.flatfile.layout import Layout


class FlatFileError(ValueError):
    """A file that cannot be split into rows with its layout."""


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its 1-based first line in the file, its raw text and its column values."""

    line_number: int
    text: str
    """The row's text with its line break, as in the file (a CSV row may span lines)."""
    values: dict[str, str]


def decode(data: bytes, layout: Layout) -> str:
    """Decode ``data`` with the layout's encoding; a UTF-8 BOM is dropped."""
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode(layout.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FlatFileError(f"the file cannot be decoded as {layout.encoding}: {exc}") from exc


def physical_records(text: str, quote: str | None) -> list[tuple[int, str]]:
    """Split ``text`` into (first line number, record text) at line breaks outside quotes.

    With ``quote`` None (fixed width) every line is a record. Raises
    FlatFileError when a quoted CSV field is still open at the end of the file.
    """
    records: list[tuple[int, str]] = []
    start = 0
    line = 1
    first_line = 1
    quoted = False
    for position, character in enumerate(text):
        if quote is not None and character == quote:
            quoted = not quoted
        elif character == "\n":
            if not quoted:
                records.append((first_line, text[start : position + 1]))
                start = position + 1
                first_line = line + 1
            line += 1
    if quoted:
        raise FlatFileError(f"a quoted field opened on line {first_line} is never closed")
    if start < len(text):
        records.append((first_line, text[start:]))
    return records


def read_rows(data: bytes, layout: Layout) -> tuple[str, list[Row]]:
    """Return the CSV header text ("" for fixed width) and the data rows; blank lines are skipped.

    Raises FlatFileError for undecodable bytes, a missing header column or an
    unclosed quote.
    """
    text = decode(data, layout)
    if layout.format == "fixed":
        return "", [
            Row(number, record, _fixed_values(record, layout))
            for number, record in physical_records(text, None)
            if record.strip()
        ]
    records = [
        (number, record)
        for number, record in physical_records(text, layout.csv.quote)
        if record.strip()
    ]
    header_text = ""
    positions = {column.name: column.index for column in layout.columns}
    if layout.csv.header:
        if not records:
            raise FlatFileError("the CSV file has no header row")
        _, header_text = records.pop(0)
        cells = [cell.strip() for cell in _cells(header_text, layout)]
        for column in layout.columns:
            if column.index is not None:
                continue
            expected = column.header or column.name
            if expected not in cells:
                raise FlatFileError(
                    f"the CSV header has no column {expected!r}; found: {', '.join(cells)}"
                )
            positions[column.name] = cells.index(expected)
    rows = []
    for number, record in records:
        cells = _cells(record, layout)
        values = {
            name: cells[index] if index is not None and index < len(cells) else ""
            for name, index in positions.items()
        }
        rows.append(Row(number, record, values))
    return header_text, rows


def _cells(record: str, layout: Layout) -> list[str]:
    reader = csv.reader(
        [record.rstrip("\r\n")], delimiter=layout.csv.delimiter, quotechar=layout.csv.quote
    )
    return next(reader, [])


def _fixed_values(record: str, layout: Layout) -> dict[str, str]:
    # Export tools right-trim lines, so a short line reads as spaces past its end.
    line = record.rstrip("\r\n")
    values = {}
    for column in layout.columns:
        start = (column.start or 1) - 1
        values[column.name] = line[start : start + (column.length or 0)].strip()
    return values


def document_key(row: Row, layout: Layout) -> str:
    """Return the row's document key: the document_key column values joined with '/'."""
    return "/".join(row.values[name].strip() for name in layout.document_key)
