"""SDATA field layouts of the SAP segments this release reads.

Each layout lists (field, length) in SDATA order, from the first field up to
the last one a normalizer reads. Offsets are 0-based inside SDATA, which
starts at column 64 of the data record.

SAP publishes these layouts per segment release (transaction WE60). E1EDK01
matches the field list of INVOIC02 at
https://beyondse16.com/2020/01/08/complete-segment-and-field-list-of-sap-idoc-invoic02-invoice-billing-document/.
NOTE: the other layouts were not checked against a published listing or a
live system. A wrong length shows up as a field read from the wrong columns,
which the test fixtures cannot catch because they are written from this table.
"""

from adapters.idoc.records import DataRecord

LAYOUTS: dict[str, tuple[tuple[str, int], ...]] = {
    # ORDERS01 / ORDERS05
    "E1EDK01": (
        ("ACTION", 3),
        ("KZABS", 1),
        ("CURCY", 3),
        ("HWAER", 3),
        ("WKURS", 12),
        ("ZTERM", 17),
        ("KUNDEUINR", 20),
        ("EIGENUINR", 20),
        ("BSART", 4),
        ("BELNR", 35),
    ),
    "E1EDK02": (("QUALF", 3), ("BELNR", 35), ("POSNR", 6), ("DATUM", 8), ("UZEIT", 6)),
    "E1EDK03": (("IDDAT", 3), ("DATUM", 8), ("UZEIT", 6)),
    "E1EDKA1": (
        ("PARVW", 3),
        ("PARTN", 17),
        ("LIFNR", 17),
        ("NAME1", 35),
        ("NAME2", 35),
        ("NAME3", 35),
        ("NAME4", 35),
        ("STRAS", 35),
        ("STRS2", 35),
        ("PFACH", 35),
        ("ORT01", 35),
        ("COUNC", 9),
        ("PSTLZ", 9),
        ("PSTL2", 9),
        ("LAND1", 3),
    ),
    "E1EDP01": (
        ("POSEX", 6),
        ("ACTION", 3),
        ("PSTYP", 1),
        ("KZABS", 1),
        ("MENGE", 15),
        ("MENEE", 3),
    ),
    "E1EDP19": (("QUALF", 3), ("IDTNR", 35), ("KTEXT", 70)),
    "E1EDP20": (("WMENG", 15), ("AMENG", 15), ("EDATU", 8), ("EZEIT", 6)),
    # DELVRY03 / DELVRY05
    "E1EDL20": (
        ("VBELN", 10),
        ("VSTEL", 4),
        ("VKORG", 4),
        ("LSTEL", 2),
        ("VKBUR", 4),
        ("LGNUM", 3),
        ("ABLAD", 25),
        ("INCO1", 3),
        ("INCO2", 28),
        ("ROUTE", 6),
        ("VSBED", 2),
        ("BTGEW", 17),
        ("NTGEW", 15),
        ("GEWEI", 3),
        ("VOLUM", 15),
        ("VOLEH", 3),
        ("ANZPK", 5),
        ("BOLNR", 35),
        ("TRATY", 4),
        ("TRAID", 20),
    ),
    "E1EDL24": (
        ("POSNR", 6),
        ("MATNR", 18),
        ("MATWA", 18),
        ("ARKTX", 40),
        ("ORKTX", 40),
        ("SUGRD", 4),
        ("SUDAT", 8),
        ("MATKL", 9),
        ("WERKS", 4),
        ("LGORT", 4),
        ("CHARG", 10),
        ("KDMAT", 35),
        ("LFIMG", 15),
        ("VRKME", 3),
    ),
    "E1EDL41": (("QUALI", 3), ("BSTNR", 35), ("BSTDT", 8)),
    "E1EDL37": (("EXIDV", 20), ("TARAG", 15), ("GWEEI", 3), ("BRGEW", 15)),
    "E1EDL44": (
        ("VELIN", 1),
        ("VBELN", 10),
        ("POSNR", 6),
        ("EXIDV", 20),
        ("VEMNG", 15),
        ("VEMEH", 3),
    ),
    "E1EDT13": (
        ("QUALF", 3),
        ("VSTZW", 4),
        ("VSTZW_BEZ", 20),
        ("NTANF", 8),
        ("NTANZ", 6),
        ("NTEND", 8),
        ("NTENZ", 6),
        ("TZONE_BEG", 6),
        ("ISDD", 8),
        ("ISDZ", 6),
    ),
    "E1ADRM1": (("PARTNER_Q", 3), ("ADDRESS_T", 1), ("PARTNER_ID", 17)),
    # WMMBID01 / WMMBID02 (message type WMMBXY)
    "E1MBXYH": (
        ("BLDAT", 8),
        ("BUDAT", 8),
        ("XBLNR", 16),
        ("BKTXT", 25),
        ("FRBNR", 16),
        ("USNAM", 12),
        ("TCODE", 20),
        ("MBLNR", 10),
        ("MJAHR", 4),
    ),
    "E1MBXYI": (
        ("BWART", 3),
        ("MATNR", 18),
        ("WERKS", 4),
        ("LGORT", 4),
        ("CHARG", 10),
        ("INSMK", 1),
        ("ZUSCH", 1),
        ("ZUSTD", 1),
        ("SOBKZ", 1),
        ("LIFNR", 10),
        ("KUNNR", 10),
        ("KDAUF", 10),
        ("KDPOS", 6),
        ("KDEIN", 4),
        ("SHKZG", 1),
        ("WAERS", 5),
        ("ERFMG", 15),
        ("ERFME", 3),
        ("EBELN", 10),
        ("EBELP", 5),
        ("UMWRK", 4),
        ("UMLGO", 4),
        ("GRUND", 4),
    ),
    # MATMAS03 / MATMAS05
    "E1MARAM": (
        ("MSGFN", 3),
        ("MATNR", 18),
        ("ERSDA", 8),
        ("ERNAM", 12),
        ("LAEDA", 8),
        ("AENAM", 12),
        ("PSTAT", 15),
        ("LVORM", 1),
        ("MTART", 4),
        ("MBRSH", 1),
        ("MATKL", 9),
        ("BISMT", 18),
        ("MEINS", 3),
        ("BSTME", 3),
        ("ZEINR", 22),
        ("ZEIAR", 3),
        ("ZEIVR", 2),
        ("ZEIFO", 4),
        ("AESZN", 6),
        ("BLATT", 3),
        ("BLANZ", 3),
        ("FERTH", 18),
        ("FORMT", 4),
        ("GROES", 32),
        ("WRKST", 48),
        ("NORMT", 18),
        ("LABOR", 3),
        ("EKWSL", 4),
        ("BRGEW", 14),
        ("NTGEW", 14),
        ("GEWEI", 3),
    ),
    "E1MAKTM": (("MSGFN", 3), ("SPRAS", 1), ("MAKTX", 40), ("SPRAS_ISO", 2)),
    "E1MARMM": (("MSGFN", 3), ("MEINH", 3), ("UMREZ", 6), ("UMREN", 6), ("EAN11", 18)),
}


def field_offset(segment: str, name: str) -> tuple[int, int]:
    """Return the 0-based SDATA offset and length of ``segment``'s field ``name``."""
    position = 0
    for field_name, length in LAYOUTS[segment]:
        if field_name == name:
            return position, length
        position += length
    raise KeyError(f"segment {segment} has no field {name} in adapters.idoc.segments")


def read_field(record: DataRecord, name: str) -> str:
    """Return field ``name`` of a data record by its segment's layout, stripped of padding.

    Segment definition names with a release suffix (``E2EDK01005``) use the
    layout of their segment type (``E1EDK01``). Raises KeyError for a segment
    or field without a layout.
    """
    offset, length = field_offset(base_name(record.name), name)
    return record.field(offset, length)


def base_name(segment_name: str) -> str:
    """Return the segment type: E2 segment definitions (E2EDK01005) map to E1EDK01."""
    if segment_name.startswith("E2") and len(segment_name) > 7:
        return "E1" + segment_name[2:7]
    return segment_name


def build_sdata(segment: str, values: dict[str, str]) -> str:
    """Return SDATA text with ``values`` placed at their offsets (for writing fixtures)."""
    text = [" "] * sum(length for _, length in LAYOUTS[segment])
    for name, value in values.items():
        offset, length = field_offset(segment, name)
        if len(value) > length:
            raise ValueError(f"{segment}.{name} is {length} characters wide, got {value!r}")
        text[offset : offset + len(value)] = value
    return "".join(text).rstrip()
