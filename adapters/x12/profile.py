"""Per-partner X12 envelope settings that the adapter applies while splitting.

They live in the `x12.partners` section of config/partners.yaml (keyed by the
ISA06 sender id, with `x12.defaults` for everyone), beside the settings the
normalizers read:

- ``variable_width_isa: true`` accepts an ISA whose elements are not padded to
  their fixed widths, for a partner known to send them. Other senders' short
  ISA headers stay rejected with the byte offset and what was expected.
- ``repetition_separator: none`` ignores the ISA11 repetition separator a
  partner declares (00402 and later) because its data contains that character,
  for example ``-`` in ZIP+4 postal codes. ``auto`` (the default) takes ISA11
  when the version allows it and it is not a letter or digit.

SCMFLOW_CONFIG_DIR points to another folder than the repository's config/.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

_CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


@dataclass(frozen=True, slots=True)
class EnvelopeProfile:
    variable_width_isa: bool = False
    ignore_repetition_separator: bool = False


class X12EnvelopeProfiles:
    """Envelope settings per sender id, with the defaults for senders not listed."""

    def __init__(self, defaults: EnvelopeProfile, partners: dict[str, EnvelopeProfile]) -> None:
        self.defaults = defaults
        self.partners = partners

    def for_sender(self, sender_id: str) -> EnvelopeProfile:
        return self.partners.get(sender_id.strip(), self.defaults)

    @classmethod
    def load(cls, path: Path | None = None) -> "X12EnvelopeProfiles":
        """Read config/partners.yaml; a missing file or section gives the defaults."""
        if path is None:
            path = Path(os.environ.get("SCMFLOW_CONFIG_DIR") or _CONFIG_DIR) / "partners.yaml"
        try:
            document = yaml.safe_load(path.read_text("utf-8")) or {}
        except FileNotFoundError:
            return cls(EnvelopeProfile(), {})
        section = document.get("x12") or {}
        defaults = _profile(
            section.get("defaults") or {}, EnvelopeProfile(), f"{path}: x12.defaults"
        )
        partners = {
            str(sender): _profile(values or {}, defaults, f"{path}: x12.partners.{sender}")
            for sender, values in (section.get("partners") or {}).items()
        }
        return cls(defaults, partners)


def _profile(values: dict, base: EnvelopeProfile, where: str) -> EnvelopeProfile:
    variable = values.get("variable_width_isa", base.variable_width_isa)
    if not isinstance(variable, bool):
        raise ValueError(f"{where}.variable_width_isa must be true or false, got {variable!r}")
    repetition = values.get(
        "repetition_separator", "none" if base.ignore_repetition_separator else "auto"
    )
    if repetition not in ("auto", "none"):
        raise ValueError(f"{where}.repetition_separator must be auto or none, got {repetition!r}")
    return EnvelopeProfile(
        variable_width_isa=variable, ignore_repetition_separator=repetition == "none"
    )
