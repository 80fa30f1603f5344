"""Field types shared by every canonical model, each tied to one Avro type."""

from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field

UtcDatetime = AwareDatetime
"""An instant with an explicit offset, encoded as Avro long timestamp-micros. Naive
datetimes are rejected because fastavro would encode them in the host's local time zone."""

QuantityValue = Annotated[Decimal, Field(max_digits=18, decimal_places=6)]
"""A decimal quantity, encoded as Avro decimal(18, 6)."""

Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""An integer encoded as Avro int; values outside 32 bits are rejected before encoding."""

Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""An integer encoded as Avro long."""
