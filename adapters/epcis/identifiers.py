"""GS1 identifiers and CBV vocabulary in one form, whatever syntax the partner wrote.

EPCs arrive as EPC URNs (``urn:epc:id:sgtin:0614141.107346.2017``) or as GS1
Digital Link URIs (``https://id.gs1.org/01/10614141073464/21/2017``). The
canonical form is the Digital Link URI on the ``id.gs1.org`` domain, because a
URN converts to it without loss while the reverse needs the length of the
GS1 company prefix, which a Digital Link URI does not carry. The CBV 2.0 event
hash uses the same form. Identifiers of unknown schemes are kept as written.

CBV vocabulary (bizStep, disposition, business transaction and source or
destination types) arrives as a bare word in JSON-LD (``shipping``), as a URN
in XML (``urn:epcglobal:cbv:bizstep:shipping``) or as a web URI
(``https://ref.gs1.org/cbv/BizStep-shipping``). The canonical form of a
standard value is the bare word; any other value is a partner's own URI and
is kept as written.
"""

import re
from urllib.parse import unquote

DIGITAL_LINK_ROOT = "https://id.gs1.org"
CBV_WEB_ROOT = "https://ref.gs1.org/cbv/"

# Vocabulary kind: (URN prefix, web URI term prefix, standard terms of CBV 2.0).
VOCABULARIES: dict[str, tuple[str, str, frozenset[str]]] = {
    "bizStep": (
        "urn:epcglobal:cbv:bizstep:",
        "BizStep-",
        frozenset(
            "accepting arriving assembling collecting commissioning consigning "
            "creating_class_instance cycle_counting decommissioning departing destroying "
            "disassembling dispensing encoding entering_exiting holding inspecting installing "
            "killing loading other packing picking receiving removing repackaging repairing "
            "replacing reserving retail_selling sampling sensor_reporting shipping "
            "staging_outbound stock_taking stocking storing transporting unloading unpacking "
            "void_shipping".split()
        ),
    ),
    "disposition": (
        "urn:epcglobal:cbv:disp:",
        "Disp-",
        frozenset(
            "active available completeness_inferred completeness_verified conformant "
            "container_closed container_open damaged destroyed dispensed disposed encoded "
            "expired in_progress in_transit inactive mismatch_instance mismatch_class "
            "mismatch_quantity needs_replacement no_pedigree_match non_conformant "
            "non_sellable_other partially_dispensed recalled reserved retail_sold returned "
            "sellable_accessible sellable_not_accessible stolen unavailable unknown".split()
        ),
    ),
    "bizTransactionType": (
        "urn:epcglobal:cbv:btt:",
        "BTT-",
        frozenset("bol cert desadv inv pedigree po poc prodorder recadv rma testprd upevt".split()),
    ),
    "sourceDestType": (
        "urn:epcglobal:cbv:sdt:",
        "SDT-",
        frozenset("owning_party possessing_party location".split()),
    ),
    "errorReason": (
        "urn:epcglobal:cbv:er:",
        "ER-",
        frozenset("did_not_occur incorrect_data".split()),
    ),
}

_CURIE_PREFIXES = ("cbv:", "gs1:")


def vocabulary_word(kind: str, value: str) -> tuple[str, bool]:
    """Return (canonical value, is standard) of a CBV vocabulary value.

    A standard value becomes its bare word, such as ``shipping``. A bare word
    that is not a standard term is returned unchanged with ``False``. The
    caller decides whether that is an error or a partner extension.
    """
    urn_prefix, web_prefix, terms = VOCABULARIES[kind]
    text = value.strip()
    word = None
    if text.startswith(urn_prefix):
        word = text[len(urn_prefix) :]
    elif text.startswith(CBV_WEB_ROOT + web_prefix):
        word = text[len(CBV_WEB_ROOT + web_prefix) :]
    else:
        for curie in _CURIE_PREFIXES:
            if text.startswith(curie + web_prefix):
                word = text[len(curie + web_prefix) :]
        if word is None and ":" not in text:
            word = text
    if word is not None and word in terms:
        return word, True
    return text, False


def vocabulary_uri(kind: str, value: str) -> str:
    """Return the CBV 2.0 web URI of a standard value; other values are returned unchanged."""
    word, standard = vocabulary_word(kind, value)
    if not standard:
        return word
    _, web_prefix, _ = VOCABULARIES[kind]
    return f"{CBV_WEB_ROOT}{web_prefix}{word}"


def check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit of ``digits`` (the key without its check digit)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def _split(body: str, parts: int) -> list[str] | None:
    pieces = body.split(".")
    return pieces if len(pieces) == parts else None


def _urn_to_digital_link(urn: str) -> str | None:
    match = re.fullmatch(r"urn:epc:(id|class|idpat):([a-z0-9]+):(.+)", urn)
    if match is None:
        return None
    kind, scheme, body = match.groups()
    body = unquote(body)
    if kind == "idpat":
        if scheme != "sgtin" or not body.endswith(".*"):
            return None
        pieces = _split(body[:-2], 2)
        if pieces is None:
            return None
        company, item = pieces
        gtin = item[:1] + company + item[1:]
        return f"{DIGITAL_LINK_ROOT}/01/{gtin}{check_digit(gtin)}"
    if kind == "class":
        if scheme != "lgtin" or (pieces := _split(body, 3)) is None:
            return None
        company, item, lot = pieces
        gtin = item[:1] + company + item[1:]
        return f"{DIGITAL_LINK_ROOT}/01/{gtin}{check_digit(gtin)}/10/{lot}"
    return _id_to_digital_link(scheme, body)


def _id_to_digital_link(scheme: str, body: str) -> str | None:
    def key(digits: str) -> str:
        return digits + check_digit(digits)

    pieces = body.split(".")
    if scheme == "sgtin" and len(pieces) >= 3:
        company, item, serial = pieces[0], pieces[1], ".".join(pieces[2:])
        return f"{DIGITAL_LINK_ROOT}/01/{key(item[:1] + company + item[1:])}/21/{serial}"
    if scheme == "sscc" and len(pieces) == 2:
        company, serial = pieces
        return f"{DIGITAL_LINK_ROOT}/00/{key(serial[:1] + company + serial[1:])}"
    if scheme == "sgln" and len(pieces) >= 3:
        company, location, extension = pieces[0], pieces[1], ".".join(pieces[2:])
        link = f"{DIGITAL_LINK_ROOT}/414/{key(company + location)}"
        return link if extension == "0" else f"{link}/254/{extension}"
    if scheme == "pgln" and len(pieces) == 2:
        return f"{DIGITAL_LINK_ROOT}/417/{key(pieces[0] + pieces[1])}"
    if scheme == "grai" and len(pieces) >= 3:
        serial = ".".join(pieces[2:])
        return f"{DIGITAL_LINK_ROOT}/8003/0{key(pieces[0] + pieces[1])}{serial}"
    if scheme == "giai" and len(pieces) >= 2:
        return f"{DIGITAL_LINK_ROOT}/8004/{pieces[0]}{'.'.join(pieces[1:])}"
    if scheme in ("gsrn", "gsrnp") and len(pieces) == 2:
        code = "8018" if scheme == "gsrn" else "8017"
        return f"{DIGITAL_LINK_ROOT}/{code}/{key(pieces[0] + pieces[1])}"
    if scheme in ("gdti", "sgcn") and len(pieces) >= 3:
        code = "253" if scheme == "gdti" else "255"
        serial = ".".join(pieces[2:])
        return f"{DIGITAL_LINK_ROOT}/{code}/{key(pieces[0] + pieces[1])}{serial}"
    if scheme == "ginc" and len(pieces) >= 2:
        return f"{DIGITAL_LINK_ROOT}/401/{pieces[0]}{'.'.join(pieces[1:])}"
    if scheme == "gsin" and len(pieces) == 2:
        return f"{DIGITAL_LINK_ROOT}/402/{key(pieces[0] + pieces[1])}"
    if scheme == "cpi" and len(pieces) >= 3:
        serial = ".".join(pieces[2:])
        return f"{DIGITAL_LINK_ROOT}/8010/{pieces[0]}{pieces[1]}/8011/{serial}"
    return None


# Primary keys of the Digital Link paths this module recognises, with the
# numeric length a key is left-padded to (GTIN-8/12/13 become GTIN-14).
_PAD_LENGTHS = {"01": 14, "00": 18, "414": 13, "417": 13}
_DIGITAL_LINK = re.compile(
    r"https?://[^/]+(/(?:01|00|414|417|8003|8004|8017|8018|253|255|401|402|8006|8010)/.*)"
)


def canonical_epc(value: str) -> str:
    """Return the canonical Digital Link form of an EPC, or ``value`` unchanged if unknown.

    Query strings and fragments of a Digital Link URI are dropped, and a
    custom domain is replaced by ``id.gs1.org``, as the CBV 2.0 hash rules do.
    """
    text = value.strip()
    if text.startswith("urn:epc:"):
        return _urn_to_digital_link(text) or text
    match = _DIGITAL_LINK.fullmatch(text.split("?", 1)[0].split("#", 1)[0])
    if match is None:
        return text
    path = match.group(1)
    segments = path.strip("/").split("/")
    primary, key = segments[0], segments[1] if len(segments) > 1 else ""
    width = _PAD_LENGTHS.get(primary)
    if width and key.isdigit() and len(key) < width:
        segments[1] = key.rjust(width, "0")
    return f"{DIGITAL_LINK_ROOT}/{'/'.join(segments)}"


def digital_link_parts(link: str) -> dict[str, str]:
    """Return the application identifiers of a canonical Digital Link URI, by AI code."""
    if not link.startswith(DIGITAL_LINK_ROOT + "/"):
        return {}
    segments = link[len(DIGITAL_LINK_ROOT) + 1 :].split("/")
    return {segments[i]: segments[i + 1] for i in range(0, len(segments) - 1, 2)}
