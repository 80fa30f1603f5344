"""The IFTSTA transport status report mapped to one shipment status event per consignment.

Each CNI group gives a ``shipment.status_reported`` event whose payload is a
shipment with the reported status and no lines: a status update, not a ship
notice. The status is the first STS of the group (STS02, data element 4405)
mapped through the sender's ``status_codes`` in config/partners.yaml. A code
missing there is rejected with MAPPING_MISSING, which a new version of the
file and a replay fix. Goods items (GID) with an SSCC (GIN+BJ) become packs
``GID-{n}`` whose marks carry their own status code as ``STS``.

The entity id is ``{consignor}:{CNI02}``. The consignor is the NAD+CZ party id
of the group, else of the heading, else the UNB sender. CNI02 is the
consignor's reference, so the id matches that of the consignor's DESADV when
the consignor's UNB sender id is that party id and CNI02 repeats the despatch
advice number. ``occurred_at`` is the status event time (DTM 334 of
the group), else the document date.
"""

from adapters.edifact import Segment
from canonical.common import Reference
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.shipment import Shipment, ShipmentPack, ShipmentStatus
from processors.normalize.edifact.message import Message, Tables, model_errors
from processors.normalize.edifact.packing import sscc_values
from processors.normalize.edifact.readers import (
    first,
    groups,
    header_segments,
    parties,
    party_id,
    references,
)
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "edifact-iftsta@1"
STATUS_EVENT_QUALIFIER = "334"
CONSIGNOR_ROLE = "CZ"


def normalize_iftsta(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one IFTSTA message to shipment status events, one per consignment (CNI).

    ``tables`` default to the files under config/. Raises RecordError for
    every defect of the input, including a message without CNI groups.
    """
    message = Message.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    body = message.body()
    header = header_segments(body, ("CNI",))
    document_at, document_source = message.document_time()
    function = message.message_function() or "9"
    consignments = groups(body, "CNI")
    if not consignments:
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            "the status report has no consignment (CNI segment)",
            field_path="CNI",
        )
    events = []
    for ordinal, group in enumerate(consignments, 1):
        reference_number = group[0].component(2)
        path = f"CNI[{group[0].component(1) or ordinal}]."
        if not reference_number:
            raise RecordError(
                ErrorCode.EDIFACT_ELEMENT_INVALID,
                "CNI02 (consignor's shipment reference) is empty",
                field_path=f"{path}CNI02",
            )
        own = _consignment_segments(group)
        status, code = _status(message, own, path)
        occurred_at, occurred_source = message.date(own, (STATUS_EVENT_QUALIFIER,), path)
        if occurred_at is None:
            occurred_at, occurred_source = document_at, document_source
        consignor = (
            party_id(own, CONSIGNOR_ROLE)
            or party_id(header, CONSIGNOR_ROLE)
            or message.context.sender
        )
        status_refs = [Reference(qualifier="STS", value=code)]
        reason = first(own, "STS").component(3)
        if reason:
            status_refs.append(Reference(qualifier="STS.reason", value=reason))
        with model_errors("shipment"):
            shipment = Shipment(
                shipment_id=reference_number,
                status=status,
                purpose_code=function,
                structure_code=None,
                shipped_at=None,
                shipped_at_local=None,
                carrier_scac=None,
                transport_method=None,
                gross_weight=None,
                references=[*status_refs, *references(own)],
                parties=[*parties(header), *parties(own)],
                packs=_goods_items(group),
            )
        events.append(
            message.event(
                entity_type="shipment",
                event_type="shipment.status_reported",
                entity_id=f"{consignor}:{reference_number}",
                payload=shipment,
                occurred_at=occurred_at,
                occurred_at_source=occurred_source,
            )
        )
    return events


def _consignment_segments(group: list[Segment]) -> list[Segment]:
    """Return the CNI group's segments before its first goods item (GID)."""
    own = []
    for segment in group:
        if segment.tag == "GID":
            break
        own.append(segment)
    return own


def _status(message: Message, segments: list[Segment], path: str) -> tuple[ShipmentStatus, str]:
    sts = first(segments, "STS")
    code = sts.component(2) if sts is not None else ""
    if not code:
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            f"consignment {path.rstrip('.')} has no status: expected STS with a status code",
            field_path=f"{path}STS02",
        )
    status = message.profile.status_codes.get(code)
    if status is None:
        raise RecordError(
            ErrorCode.MAPPING_MISSING,
            f"IFTSTA status code {code!r} is not in edifact.status_codes of partners version "
            f"{message.tables.partners.version}; add it to config/partners.yaml and replay the "
            f"record",
            field_path=f"{path}STS02",
        )
    return status, code


def _goods_items(group: list[Segment]) -> list[ShipmentPack]:
    packs = []
    for ordinal, item in enumerate(groups(group, "GID"), 1):
        ssccs = sscc_values(item)
        if not ssccs:
            continue
        sts = first(item, "STS")
        marks = [Reference(qualifier="BJ", value=value) for value in ssccs[1:]]
        if sts is not None and sts.component(2):
            marks.append(Reference(qualifier="STS", value=sts.component(2)))
        packs.append(
            ShipmentPack(
                hl_id=f"GID-{item[0].component(1) or ordinal}",
                parent_hl_id=None,
                level_code=item[0].component(2, 2),
                sscc=ssccs[0],
                marks=marks,
            )
        )
    return packs
