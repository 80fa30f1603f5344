"""Layout files that describe a legacy CSV or fixed-width export, and their loading.

A layout is a YAML file, such as config/layouts/erp-stock-fixed.yaml::

    name: erp-stock-fixed        # travels in the flatfile.layout header
    version: "1"                 # a quoted string, recorded in every event
    format: fixed                # csv or fixed
    source: legacy-erp           # the sending system: partner and producer
    entity: inventory-snapshot   # or purchase-order
    encoding: latin-1            # codec of the file (default utf-8)
    csv: {delimiter: ";", quote: '"', header: true}   # csv only
    document_key: [WAREHOUSE]    # columns whose values group rows into one document
    columns:
      - {name: WAREHOUSE, start: 1, length: 4}              # fixed: 1-based start column
      - {name: QTY, start: 5, length: 12, type: decimal, decimal_mark: ","}
      - {name: AS_OF, start: 17, length: 8, type: date, format: "%Y%m%d"}
      - {name: STATUS, start: 25, length: 1, code_table: stock_status}
    code_tables: {stock_status: {F: unrestricted, Q: quality_inspection}}
    fields: {location_id: WAREHOUSE, on_hand: QTY, as_of: AS_OF}   # canonical <- column
    key: {line: LINE, material: MATERIAL, time: AS_OF, time_bucket_seconds: 86400}

For csv, a column names its header cell with ``header`` (default: its name)
or its 0-based position with ``index``. Column types: string (default), int,
decimal (``decimal_mark`` "." or ","; a ``thousands_separator`` is accepted
only when the column names it),
date (``format`` in strptime syntax; a format without a time reads the
date's start of day). A ``code_table`` maps the stripped value through the
named table.
"""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ColumnType = Literal["string", "int", "decimal", "date"]
Entity = Literal["inventory-snapshot", "purchase-order"]


class LayoutError(ValueError):
    """A layout file that cannot be read or does not describe a usable export."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Column(_Strict):
    """One column of the export: where it is and how its text converts."""

    name: str
    start: int | None = Field(default=None, ge=1)
    """Fixed width: 1-based first column."""
    length: int | None = Field(default=None, ge=1)
    """Fixed width: number of characters."""
    header: str | None = None
    """CSV: the header cell naming the column (default: ``name``)."""
    index: int | None = Field(default=None, ge=0)
    """CSV: the 0-based position, for files without a header row."""
    type: ColumnType = "string"
    decimal_mark: Literal[".", ","] = "."
    thousands_separator: Literal[".", ",", " ", "'"] | None = None
    """Decimal columns: a group separator to accept, only between groups of three digits."""
    format: str | None = None
    """Date columns: the strptime format, such as %d.%m.%Y."""
    code_table: str | None = None
    required: bool = True
    """Whether an empty value is rejected; optional columns read as None."""


class CsvOptions(_Strict):
    delimiter: str = ","
    quote: str = '"'
    header: bool = True


class KeyOptions(_Strict):
    """Columns of the heuristic idempotency key (see processors.normalize.flatfile.identity)."""

    line: str | None = None
    material: str | None = None
    time: str | None = None
    time_bucket_seconds: int = Field(default=86_400, ge=1)


class Layout(_Strict):
    """A validated layout; ``columns`` keep the file's order."""

    name: str
    version: str
    format: Literal["csv", "fixed"]
    source: str
    entity: Entity
    encoding: str = "utf-8"
    timezone: str = "UTC"
    """IANA zone of dates without an offset."""
    csv: CsvOptions = CsvOptions()
    document_key: list[str]
    columns: list[Column]
    code_tables: dict[str, dict[str, str]] = {}
    fields: dict[str, str]
    """Canonical field name to the column that fills it."""
    key: KeyOptions = KeyOptions()

    @model_validator(mode="after")
    def _consistent(self) -> "Layout":
        names = [column.name for column in self.columns]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"column names are used twice: {', '.join(duplicates)}")
        known = set(names)
        referenced = [
            *self.document_key,
            *self.fields.values(),
            *(name for name in (self.key.line, self.key.material, self.key.time) if name),
        ]
        unknown = sorted({name for name in referenced if name not in known})
        if unknown:
            raise ValueError(f"document_key, fields or key name unknown columns: {unknown}")
        if not self.document_key:
            raise ValueError("document_key needs at least one column")
        for column in self.columns:
            if self.format == "fixed" and (column.start is None or column.length is None):
                raise ValueError(f"fixed-width column {column.name} needs start and length")
            if self.format == "csv" and column.index is None and not self.csv.header:
                raise ValueError(f"column {column.name} needs an index: the CSV has no header")
            if column.thousands_separator == column.decimal_mark:
                raise ValueError(f"column {column.name} uses one character for both marks")
            if column.type == "date" and not column.format:
                raise ValueError(f"date column {column.name} needs a format such as %Y%m%d")
            if column.code_table and column.code_table not in self.code_tables:
                raise ValueError(
                    f"column {column.name} names code table {column.code_table!r}, "
                    f"which code_tables does not define"
                )
        return self

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def load_layout(path: Path | str) -> Layout:
    """Read and validate a layout file; raise LayoutError naming the file and the problem."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LayoutError(f"cannot read layout {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise LayoutError(f"layout {path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise LayoutError(f"layout {path} must contain a mapping at the top level")
    if not isinstance(document.get("version"), str):
        raise LayoutError(f'layout {path} needs a quoted version string, such as version: "1"')
    try:
        return Layout.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise LayoutError(f"layout {path} is invalid at {location}: {first['msg']}") from exc
