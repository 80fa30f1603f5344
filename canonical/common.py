"""Parts shared by several canonical entities: quantities, references, product ids, parties.

Each part is one Avro record with the same name and fields in every schema
that uses it, so a consumer can reuse one class for all canonical topics.
"""

from pydantic import BaseModel, ConfigDict

from canonical._types import QuantityValue

AVRO_NAMESPACE = "scmflow.canonical"
"""Namespace of every named Avro type in schemas/. A model's Avro record name is its class name."""


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable, and unknown fields are rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Quantity(CanonicalModel):
    """A quantity in a canonical unit, with the value and unit the source wrote."""

    value: QuantityValue
    unit: str
    """UN/ECE Recommendation 20 unit code, such as C62, KGM or LBR."""
    source_value: str
    source_unit: str
    conversion_rule: str
    """The mapping that turned the source unit into ``unit``, such as ``x12-units:EA``."""


class Reference(CanonicalModel):
    """A qualified reference number, such as a bill of lading (X12 REF qualifier BM)."""

    qualifier: str
    value: str


class ProductId(CanonicalModel):
    """A product identifier with its qualifier, such as UP (UPC) or VP (vendor part)."""

    qualifier: str
    value: str


class Party(CanonicalModel):
    """A party named on a document, such as ship-from (SF) or ship-to (ST)."""

    role: str
    name: str | None = None
    id_qualifier: str | None = None
    id: str | None = None
    address_lines: list[str] = []
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
