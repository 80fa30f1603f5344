"""Field types shared by every canonical model."""

from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field

UtcDatetime = AwareDatetime
"""An instant with an explicit offset. Naive datetimes are rejected because
fastavro would encode them in the host's local time zone."""

QuantityValue = Annotated[Decimal, Field(max_digits=18, decimal_places=6)]
"""A decimal quantity, encoded as Avro decimal(18, 6)."""
