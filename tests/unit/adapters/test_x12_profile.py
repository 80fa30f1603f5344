"""Per-sender envelope settings applied by the X12 splitter."""

import pytest

from adapters.raw import H_SPLIT_ERROR_CODE
from adapters.x12 import split_interchanges
from adapters.x12.headers import H_REPETITION_SEPARATOR
from adapters.x12.profile import X12EnvelopeProfiles

SHORT_ISA = (
    "ISA*00**00**ZZ*SHORTISA*ZZ*RETAILCO*260301*1430*U*00401*000000101*0*P*>~"
    "GS*SH*SHORTISA*RETAILCO*20260301*1430*101*X*004010~"
    "ST*856*0001~BSN*00*SH-1*20260301*1430~SE*3*0001~GE*1*101~IEA*1*000000101~"
)
ZIP_ISA = (
    "ISA*00*          *00*          *ZZ*ZIPPARTNER     *ZZ*RETAILCO       "
    "*260301*1430*-*00406*000000102*0*P*>~"
    "GS*SH*ZIPPARTNER*RETAILCO*20260301*1430*102*X*004060~"
    "ST*856*0001~BSN*00*SH-2*20260301*1430~N4*SOLON*OH*44139-0020~SE*4*0001~"
    "GE*1*102~IEA*1*000000102~"
)


def profiles(tmp_path, text: str) -> X12EnvelopeProfiles:
    path = tmp_path / "partners.yaml"
    path.write_text(text)
    return X12EnvelopeProfiles.load(path)


def test_short_isa_rejected_without_profile(tmp_path):
    [document] = split_interchanges(SHORT_ISA.encode(), filename="a.edi")
    assert document.headers[H_SPLIT_ERROR_CODE] == "X12_INTERCHANGE_INVALID"


def test_short_isa_accepted_for_configured_sender(tmp_path):
    config = profiles(
        tmp_path, "x12:\n  partners:\n    SHORTISA:\n      variable_width_isa: true\n"
    )
    [document] = split_interchanges(SHORT_ISA.encode(), filename="a.edi", profiles=config)
    assert H_SPLIT_ERROR_CODE not in document.headers
    assert document.value.startswith(b"ST*856*0001")


def test_short_isa_still_rejected_for_other_sender(tmp_path):
    config = profiles(tmp_path, "x12:\n  partners:\n    OTHER:\n      variable_width_isa: true\n")
    [document] = split_interchanges(SHORT_ISA.encode(), filename="a.edi", profiles=config)
    assert document.headers[H_SPLIT_ERROR_CODE] == "X12_INTERCHANGE_INVALID"


def test_isa11_taken_by_default(tmp_path):
    [document] = split_interchanges(ZIP_ISA.encode(), filename="z.edi")
    assert document.headers[H_REPETITION_SEPARATOR] == "-"


def test_isa11_ignored_by_policy(tmp_path):
    config = profiles(
        tmp_path, "x12:\n  partners:\n    ZIPPARTNER:\n      repetition_separator: none\n"
    )
    [document] = split_interchanges(ZIP_ISA.encode(), filename="z.edi", profiles=config)
    assert document.headers[H_REPETITION_SEPARATOR] == ""


def test_invalid_policy_rejected(tmp_path):
    with pytest.raises(ValueError, match="repetition_separator must be auto or none"):
        profiles(tmp_path, "x12:\n  defaults:\n    repetition_separator: sometimes\n")


def test_missing_file_gives_defaults(tmp_path):
    config = X12EnvelopeProfiles.load(tmp_path / "absent.yaml")
    assert config.for_sender("ANY").variable_width_isa is False
