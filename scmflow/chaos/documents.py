"""X12 856 ship notices for the checker: one event per document, numbered per entity.

An event is (entity, sequence). Its document carries the sequence as the
shipped quantity and a BSN date and time that grow with it, so the entity
version grows with the sequence and a reader can tell the event from the
canonical record alone.
"""

from datetime import UTC, datetime, timedelta

SENDER = "CHAOSWHSE"
RECEIVER = "CHAOSRETAIL"
POISON_UNIT = "Q9"
"""A unit code missing from the unit table until the checker adds it."""
_BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def entity_id(entity: int) -> str:
    return f"CH{entity:06d}"


def poison_id(number: int) -> str:
    return f"CP{number:06d}"


def ship_notice(shipment_id: str, sequence: int, control: int, unit: str = "EA") -> bytes:
    """One interchange with one 856 set; ``control`` must differ for every document sent."""
    shipped = _BASE_TIME + timedelta(minutes=sequence)
    control_text = f"{control % 1_000_000_000:09d}"
    group = control % 1_000_000_000 or 1
    body = [
        "ST*856*0001",
        f"BSN*{'00' if sequence == 1 else '05'}*{shipment_id}*{shipped:%Y%m%d}*{shipped:%H%M}*0001",
        "HL*1**S",
        "TD5**2*CHAO*M",
        "N1*SF*CHAOS WAREHOUSE*92*WH01",
        "HL*2*1*O",
        f"PRF*PO-{shipment_id}",
        "HL*3*2*I",
        f"LIN*1*VP*ITEM-{shipment_id}",
        f"SN1**{sequence}*{unit}",
    ]
    segments = body + [f"SE*{len(body) + 1}*0001"]
    lines = [
        f"ISA*00*          *00*          *ZZ*{SENDER:<15}*ZZ*{RECEIVER:<15}"
        f"*260101*0000*U*00401*{control_text}*0*P*>",
        f"GS*SH*{SENDER}*{RECEIVER}*20260101*0000*{group}*X*004010",
        *segments,
        f"GE*1*{group}",
        f"IEA*1*{control_text}",
    ]
    return ("~\n".join(lines) + "~\n").encode("ascii")
