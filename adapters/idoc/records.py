"""The fixed-width records of an SAP IDoc flat file: control record EDI_DC40, data records EDI_DD40.

An IDoc flat file is a sequence of lines. Each IDoc starts with one control
record (524 characters, ``EDI_DC40`` in columns 1-10) followed by its data
records. SAP and middleware write the records right-trimmed, so every record
is padded with spaces to its full width before a field is sliced.

Data record layout (structure EDI_DD40, SAP release 4.0 and later), as listed
in "ERP SAP R/3 ALE, EDI & IDOC", section 11.5.2
(http://www.realomega.com/publish/sap-ale-idoc-edi-kor_11-5-2/), 0-based:

========  ======  ======  ====================================
Field     Offset  Length  Meaning
========  ======  ======  ====================================
SEGNAM         0      30  segment name, such as E1EDK01
MANDT         30       3  client
DOCNUM        33      16  IDoc number
SEGNUM        49       6  segment number, unique in the IDoc
PSGNUM        55       6  parent segment number, 0 at top level
HLEVEL        61       2  hierarchy level
SDATA         63    1000  segment data (columns 64 to 1063)
========  ======  ======  ====================================
"""

from dataclasses import dataclass

CONTROL_RECORD_TAG = "EDI_DC40"
CONTROL_RECORD_LENGTH = 524
DATA_RECORD_LENGTH = 1063
SDATA_OFFSET = 63
SDATA_LENGTH = 1000

# Control record EDI_DC40 as (field, length) in record order. The order and the
# lengths from MANDT to STD match TraceLink's DELVRY03 guideline
# (https://opus.tracelink.com/documentation/2024.6/en-US/api/prod-delivery-tracking/
# shipment_notification/shipment_notification_idoc_delvry03-guidelines.htm).
# NOTE: the lengths of IDOCTYP, CIMTYP and the fields after STD were not in any
# source opened. They add up to the documented 524 characters, which a wrong
# length in one field would break, unless another is wrong by the opposite amount.
CONTROL_FIELDS: tuple[tuple[str, int], ...] = (
    ("TABNAM", 10),
    ("MANDT", 3),
    ("DOCNUM", 16),
    ("DOCREL", 4),
    ("STATUS", 2),
    ("DIRECT", 1),
    ("OUTMOD", 1),
    ("EXPRSS", 1),
    ("TEST", 1),
    ("IDOCTYP", 30),
    ("CIMTYP", 30),
    ("MESTYP", 30),
    ("MESCOD", 3),
    ("MESFCT", 3),
    ("STD", 1),
    ("STDVRS", 6),
    ("STDMES", 6),
    ("SNDPOR", 10),
    ("SNDPRT", 2),
    ("SNDPFC", 2),
    ("SNDPRN", 10),
    ("SNDSAD", 21),
    ("SNDLAD", 70),
    ("RCVPOR", 10),
    ("RCVPRT", 2),
    ("RCVPFC", 2),
    ("RCVPRN", 10),
    ("RCVSAD", 21),
    ("RCVLAD", 70),
    ("CREDAT", 8),
    ("CRETIM", 6),
    ("REFINT", 14),
    ("REFGRP", 14),
    ("REFMES", 14),
    ("ARCKEY", 70),
    ("SERIAL", 20),
)

DATA_FIELDS: tuple[tuple[str, int], ...] = (
    ("SEGNAM", 30),
    ("MANDT", 3),
    ("DOCNUM", 16),
    ("SEGNUM", 6),
    ("PSGNUM", 6),
    ("HLEVEL", 2),
)


def _offsets(fields: tuple[tuple[str, int], ...]) -> dict[str, tuple[int, int]]:
    offsets: dict[str, tuple[int, int]] = {}
    position = 0
    for name, length in fields:
        offsets[name] = (position, length)
        position += length
    return offsets


CONTROL_OFFSETS = _offsets(CONTROL_FIELDS)
DATA_OFFSETS = _offsets(DATA_FIELDS)
assert sum(length for _, length in CONTROL_FIELDS) == CONTROL_RECORD_LENGTH
assert sum(length for _, length in DATA_FIELDS) == SDATA_OFFSET


def pad(line: str, width: int) -> str:
    """Return ``line`` padded with spaces to ``width`` characters (longer lines are kept)."""
    return line.ljust(width)


def slice_field(line: str, offset: int, length: int) -> str:
    """Return the field at ``offset`` with its padding stripped; a short line reads as spaces."""
    return pad(line, offset + length)[offset : offset + length].strip()


@dataclass(frozen=True, slots=True)
class ControlRecord:
    """The EDI_DC40 fields, each stripped of its padding."""

    fields: dict[str, str]

    @classmethod
    def parse(cls, line: str) -> "ControlRecord":
        return cls(
            {
                name: slice_field(line, offset, length)
                for name, (offset, length) in CONTROL_OFFSETS.items()
            }
        )

    def __getitem__(self, name: str) -> str:
        return self.fields[name]

    @property
    def message_type(self) -> str:
        return self.fields["MESTYP"]

    @property
    def idoc_type(self) -> str:
        return self.fields["IDOCTYP"]


@dataclass(frozen=True, slots=True)
class DataRecord:
    """One EDI_DD40 data record: the segment's identity and its padded SDATA."""

    name: str
    client: str
    docnum: str
    number: int
    parent_number: int
    level: str
    sdata: str
    """The 1000 characters of segment data, padded with spaces."""
    line_number: int
    """1-based line of the record inside its IDoc (the control record is line 1)."""

    def field(self, offset: int, length: int) -> str:
        """Return the SDATA field at 0-based ``offset`` with its padding stripped."""
        return self.sdata[offset : offset + length].strip()


class DataRecordError(ValueError):
    """A data record whose segment or parent number is not a number."""


def parse_data_record(line: str, line_number: int) -> DataRecord:
    """Parse one data record; raise DataRecordError when SEGNUM or PSGNUM is not numeric.

    An empty PSGNUM reads as 0 (top level), which is how right-trimmed or
    hand-written files show a top-level segment.
    """
    padded = pad(line, DATA_RECORD_LENGTH)

    def text(name: str) -> str:
        offset, length = DATA_OFFSETS[name]
        return padded[offset : offset + length].strip()

    name = text("SEGNAM")
    if not name:
        raise DataRecordError(f"line {line_number} has no segment name in columns 1-30")
    numbers = []
    for field_name in ("SEGNUM", "PSGNUM"):
        value = text(field_name) or ("0" if field_name == "PSGNUM" else "")
        if not value.isdigit():
            offset, length = DATA_OFFSETS[field_name]
            raise DataRecordError(
                f"line {line_number} (segment {name}): {field_name} in columns "
                f"{offset + 1}-{offset + length} must be a number, found {value!r}"
            )
        numbers.append(int(value))
    return DataRecord(
        name=name,
        client=text("MANDT"),
        docnum=text("DOCNUM"),
        number=numbers[0],
        parent_number=numbers[1],
        level=text("HLEVEL"),
        sdata=padded[SDATA_OFFSET : SDATA_OFFSET + SDATA_LENGTH],
        line_number=line_number,
    )


def format_control_record(fields: dict[str, str]) -> str:
    """Return an EDI_DC40 line with ``fields`` at their columns, right-trimmed as SAP writes it.

    TABNAM is always EDI_DC40. Raises ValueError for an unknown field or a too long value.
    """
    line = [" "] * CONTROL_RECORD_LENGTH
    for name, value in {**fields, "TABNAM": CONTROL_RECORD_TAG}.items():
        if name not in CONTROL_OFFSETS:
            raise ValueError(f"EDI_DC40 has no field {name}")
        offset, length = CONTROL_OFFSETS[name]
        if len(value) > length:
            raise ValueError(f"EDI_DC40.{name} is {length} characters wide, got {value!r}")
        line[offset : offset + len(value)] = value
    return "".join(line).rstrip()


def format_data_record(
    name: str, docnum: str, number: int, parent_number: int, level: int, sdata: str,
    client: str = "100",
) -> str:  # fmt: skip
    """Return an EDI_DD40 line, right-trimmed; numbers are zero-padded as SAP writes them."""
    head = f"{name:<30}{client:<3}{docnum:<16}{number:06d}{parent_number:06d}{level:02d}"
    return (head + sdata).rstrip()
