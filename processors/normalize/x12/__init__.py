"""Normalizers of the X12 transaction sets other than the 856 ship notice.

Each maps one transaction set to canonical events; the module docstrings list
the choices made per set. ``NORMALIZERS`` maps ST01 to the normalizer.
"""

from processors.normalize.x12.inventory import normalize_846
from processors.normalize.x12.orders import normalize_850, normalize_940
from processors.normalize.x12.warehouse import normalize_944, normalize_945

NORMALIZERS = {
    "846": normalize_846,
    "850": normalize_850,
    "940": normalize_940,
    "944": normalize_944,
    "945": normalize_945,
}

__all__ = [
    "NORMALIZERS",
    "normalize_846",
    "normalize_850",
    "normalize_940",
    "normalize_944",
    "normalize_945",
]
