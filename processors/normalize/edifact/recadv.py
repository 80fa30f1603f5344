"""The RECADV receiving advice mapped to a receipt and its quantity discrepancies.

One message gives a ``receipt.received`` event (``receipt.cancelled`` when
BGM03 is 1). Each line whose received quantity (QTY 48) differs from its
despatched quantity (QTY 12) also gives an ``exception-event.raised`` event.
A line without a despatched quantity is compared with its ordered quantity
(QTY 21). A QVR segment on the line
gives the discrepancy's reason code. Quantities in different units are not
compared; the line is flagged ``edifact.discrepancy_units_differ:{line}``.

Ids: the receipt is ``{UNB sender}:{BGM document number}``; the location is the
delivery party (NAD DP, else ST or WH), else the UNB sender. ``shipment_id``
is ``{NAD+SU id}:{despatch advice number}`` from RFF AAK (or DQ, the delivery
note), the id a DESADV from that supplier gets when its UNB sender is that
party id. ``purchase_order_id`` is ``{buyer}:{RFF ON}`` as in an ORDERS message.
A line's SSCC is the ``GIN+BJ`` of the line, else of the CPS group it follows.
"""

from dataclasses import dataclass

from adapters.edifact import Segment
from canonical.common import Quantity, Reference
from canonical.errors import ErrorCode, RecordError
from canonical.events import CanonicalEvent
from canonical.exception_event import (
    ExceptionReport,
    ExceptionSeverity,
    ExceptionStatus,
    QuantityDiscrepancy,
)
from canonical.receipt import Receipt, ReceiptLine, ReceiptStatus
from processors.normalize.edifact.message import Message, Tables, model_errors
from processors.normalize.edifact.packing import sscc_values
from processors.normalize.edifact.readers import (
    SUMMARY_TAGS,
    first,
    header_segments,
    party_id,
    product_ids,
    reference,
    references,
)
from processors.normalize.record import RawRecord

TRANSFORM_VERSION = "edifact-recadv@1"
RECEIVED_QUANTITY = "48"
DESPATCHED_QUANTITY = "12"
ORDERED_QUANTITY = "21"
DAMAGED_QUANTITY = "124"
RECEIPT_DATE_QUALIFIER = "50"
UNITS_DIFFER_FLAG_PREFIX = "edifact.discrepancy_units_differ:"
BATCH_NUMBER_TYPE = "NB"
BASIS_NAMES = {DESPATCHED_QUANTITY: "despatched", ORDERED_QUANTITY: "ordered"}


@dataclass(slots=True)
class _LineGroup:
    segments: list[Segment]
    cps_sscc: str | None


def normalize_recadv(record: RawRecord, *, tables: Tables | None = None) -> list[CanonicalEvent]:
    """Map one RECADV message to a receipt event and its discrepancy events.

    ``tables`` default to the files under config/. Raises RecordError for
    every defect of the input.
    """
    message = Message.open(record, tables or Tables.load(), TRANSFORM_VERSION)
    body = message.body()
    header = header_segments(body)
    context = message.context
    number = message.document_number()
    receipt_id = f"{context.sender}:{number}"
    occurred_at, occurred_source = message.document_time()
    received_at, _ = message.date(header, (RECEIPT_DATE_QUALIFIER,), "")
    location = party_id(header, "DP", "ST", "WH") or context.sender
    if not location:
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            "the receiving advice names no location: expected NAD+DP with a party id, or a UNB "
            "sender",
            field_path="NAD[DP]",
        )
    cancelled = message.is_cancellation()
    lines: list[ReceiptLine] = []
    discrepancies: list[tuple[ReceiptLine, str, Quantity, Segment | None]] = []
    for ordinal, group in enumerate(_line_groups(body), 1):
        line, expected = _line(message, group, ordinal)
        lines.append(line)
        if expected is not None and not cancelled:
            basis, quantity = expected
            if quantity.unit != line.quantity_received.unit:
                message.flags.append(f"{UNITS_DIFFER_FLAG_PREFIX}{line.line_number}")
            elif quantity.value != line.quantity_received.value:
                discrepancies.append((line, basis, quantity, first(group.segments, "QVR")))

    with model_errors("receipt"):
        receipt = Receipt(
            receipt_id=receipt_id,
            status=ReceiptStatus.CANCELLED if cancelled else ReceiptStatus.RECEIVED,
            location_id=location,
            shipment_id=_shipment_id(header),
            purchase_order_id=_purchase_order_id(header, context.sender),
            received_at=received_at,
            lines=lines,
            references=references(header),
        )
    events = [
        message.event(
            entity_type="receipt",
            event_type="receipt.cancelled" if cancelled else "receipt.received",
            entity_id=receipt_id,
            payload=receipt,
            occurred_at=occurred_at,
            occurred_at_source=occurred_source,
        )
    ]
    detected_at = received_at or occurred_at
    for line, basis, expected, qvr in discrepancies:
        report = _discrepancy(receipt, line, basis, expected, qvr, detected_at)
        events.append(
            message.event(
                entity_type="exception-event",
                event_type="exception-event.raised",
                entity_id=report.exception_id,
                payload=report,
                occurred_at=occurred_at,
                occurred_at_source=occurred_source,
            )
        )
    return events


def _line_groups(body: list[Segment]) -> list[_LineGroup]:
    """Split the detail section into LIN groups, each with the SSCC of its CPS group."""
    found: list[_LineGroup] = []
    cps_sscc: str | None = None
    in_line = False
    for segment in body:
        if segment.tag in SUMMARY_TAGS:
            break
        if segment.tag == "CPS":
            cps_sscc = None
            in_line = False
        elif segment.tag == "LIN":
            found.append(_LineGroup(segments=[segment], cps_sscc=cps_sscc))
            in_line = True
        elif in_line:
            found[-1].segments.append(segment)
        else:
            ssccs = sscc_values([segment])
            if ssccs and cps_sscc is None:
                cps_sscc = ssccs[0]
    return found


def _line(
    message: Message, group: _LineGroup, ordinal: int
) -> tuple[ReceiptLine, tuple[str, Quantity] | None]:
    segments = group.segments
    line_number = segments[0].component(1) or str(ordinal)
    path = f"LIN[{line_number}]."
    received = first(segments, "QTY", RECEIVED_QUANTITY)
    if received is None:
        found = ", ".join(item.component(1) for item in segments if item.tag == "QTY") or "none"
        raise RecordError(
            ErrorCode.EDIFACT_SEGMENT_MISSING,
            f"line {line_number} has no received quantity (QTY+48); QTY qualifiers found: {found}",
            field_path=f"{path}QTY[48]",
        )
    damaged = first(segments, "QTY", DAMAGED_QUANTITY)
    ids = product_ids(segments)
    ssccs = sscc_values(segments)
    with model_errors("receipt line"):
        line = ReceiptLine(
            line_number=line_number,
            product_id=None,
            product_ids=ids,
            lot_number=_lot_number(segments),
            sscc=ssccs[0] if ssccs else group.cps_sscc,
            quantity_received=message.quantity(received, path),
            quantity_damaged=message.quantity(damaged, path) if damaged is not None else None,
        )
    for qualifier in (DESPATCHED_QUANTITY, ORDERED_QUANTITY):
        basis = first(segments, "QTY", qualifier)
        if basis is not None:
            return line, (qualifier, message.quantity(basis, path))
    return line, None


def _lot_number(segments: list[Segment]) -> str | None:
    """Return the batch number: GIN+BX, else a PIA item number of type NB, else RFF+BT."""
    for segment in segments:
        if segment.tag == "GIN" and segment.component(1) == "BX" and segment.component(2):
            return segment.component(2)
    for product in product_ids(segments):
        if product.qualifier == BATCH_NUMBER_TYPE:
            return product.value
    return reference(segments, "BT")


def _shipment_id(header: list[Segment]) -> str | None:
    despatch = reference(header, "AAK", "DQ")
    supplier = party_id(header, "SU")
    return f"{supplier}:{despatch}" if despatch and supplier else None


def _purchase_order_id(header: list[Segment], sender: str) -> str | None:
    order = reference(header, "ON")
    buyer = party_id(header, "BY") or sender
    return f"{buyer}:{order}" if order else None


def _discrepancy(
    receipt: Receipt,
    line: ReceiptLine,
    basis: str,
    expected: Quantity,
    qvr: Segment | None,
    detected_at,
) -> ExceptionReport:
    actual = line.quantity_received
    short = actual.value < expected.value
    basis_name = BASIS_NAMES[basis]
    reason = (qvr.component(3) or qvr.component(2)) if qvr is not None else ""
    line_refs = [Reference(qualifier="line", value=line.line_number)]
    line_refs += [
        Reference(qualifier=item.qualifier, value=item.value) for item in line.product_ids
    ]
    with model_errors("exception report"):
        return ExceptionReport(
            exception_id=f"{receipt.receipt_id}:{line.line_number}:quantity",
            status=ExceptionStatus.OPEN,
            severity=ExceptionSeverity.WARNING,
            kind="receipt.short_delivery" if short else "receipt.over_delivery",
            subject_entity_type="receipt",
            subject_entity_id=receipt.receipt_id,
            detected_at=detected_at,
            description=(
                f"line {line.line_number}: received {actual.value} {actual.unit}, "
                f"{basis_name} {expected.value} {expected.unit}"
            ),
            details=QuantityDiscrepancy(
                expected=expected, actual=actual, reason_code=reason or None
            ),
            resolution=None,
            resolved_at=None,
            references=line_refs,
        )
