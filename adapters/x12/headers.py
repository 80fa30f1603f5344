"""Names of the X12 headers on raw records, and of the envelope quality flags.

Every header value is a string. Envelope values are copied from the ISA, GS and
ST segments with the fixed-width padding stripped. Delimiter headers contain the
delimiter character itself, which may be a control character or a line break.
"""

H_ISA05 = "x12.isa05"
"""Interchange sender id qualifier."""
H_ISA06 = "x12.isa06"
"""Interchange sender id: the partner."""
H_ISA07 = "x12.isa07"
"""Interchange receiver id qualifier."""
H_ISA08 = "x12.isa08"
"""Interchange receiver id."""
H_ISA12 = "x12.isa12"
"""Interchange control version number, such as 00401."""
H_ISA13 = "x12.isa13"
"""Interchange control number."""
H_ISA15 = "x12.isa15"
"""Usage indicator: P production, T test, I information."""
H_GS01 = "x12.gs01"
"""Functional identifier code, such as SH for ship notices."""
H_GS02 = "x12.gs02"
H_GS03 = "x12.gs03"
H_GS06 = "x12.gs06"
"""Group control number."""
H_GS08 = "x12.gs08"
"""Version, release and industry identifier, such as 004010."""
H_ST01 = "x12.st01"
"""Transaction set identifier code, such as 856."""
H_ST02 = "x12.st02"
"""Transaction set control number."""

H_ELEMENT_SEPARATOR = "x12.element_separator"
H_COMPONENT_SEPARATOR = "x12.component_separator"
H_SEGMENT_TERMINATOR = "x12.segment_terminator"
H_REPETITION_SEPARATOR = "x12.repetition_separator"
"""Empty when the interchange declares no repetition separator (versions before 00402)."""

H_BYTE_OFFSET = "x12.byte_offset"
"""Byte offset of the record's first byte in the input file, counting a UTF-8 BOM."""
H_QUALITY_FLAGS = "x12.quality_flags"
"""Comma-separated envelope defects found on an otherwise usable transaction set."""

# Quality flags set by the splitter. The module docstring of adapters.x12.split
# lists which envelope defects become a flag and which a split error.
FLAG_SE_COUNT_MISMATCH = "x12.se_count_mismatch"
FLAG_SE_CONTROL_NUMBER_MISMATCH = "x12.se_control_number_mismatch"
FLAG_SE_UNTERMINATED = "x12.se_unterminated"
FLAG_GE_COUNT_MISMATCH = "x12.ge_count_mismatch"
FLAG_GE_CONTROL_NUMBER_MISMATCH = "x12.ge_control_number_mismatch"
FLAG_GE_MISSING = "x12.ge_missing"
FLAG_IEA_COUNT_MISMATCH = "x12.iea_count_mismatch"
FLAG_IEA_CONTROL_NUMBER_MISMATCH = "x12.iea_control_number_mismatch"
FLAG_IEA_MISSING = "x12.iea_missing"
FLAG_GS01_MISMATCH = "x12.gs01_mismatch"
