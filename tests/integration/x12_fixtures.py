"""Small X12 856 ship notices written for the integration tests."""

from pathlib import Path

SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def isa(control: str, sender: str = "ACMEWHSE", receiver: str = "RETAILCO") -> str:
    return (
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}"
        f"*260301*1430*U*00401*{control}*0*P*>~"
    )


def ship_notice(
    shipment_id: str,
    *,
    control: str = "000000101",
    quantity: str = "24",
    unit: str = "EA",
    purpose: str = "00",
    with_bsn: bool = True,
) -> str:
    """One interchange with one 856 set in the shipment-order-pack-item structure."""
    body = [
        "ST*856*0001",
        f"BSN*{purpose}*{shipment_id}*20260301*1430*0001" if with_bsn else "DTM*011*20260301",
        "HL*1**S",
        "TD1*CTN25*2****G*120.5*LB",
        "TD5**2*ABCD*M",
        f"REF*BM*BOL{shipment_id}",
        "N1*SF*ACME WAREHOUSE*92*WH01",
        "N1*ST*RETAILCO DC 7*92*DC07",
        "HL*2*1*O",
        "PRF*PO-7781***20260225",
        "HL*3*2*P",
        "MAN*GM*00012345600000000017",
        "HL*4*3*I",
        "LIN*1*UP*012345678905*VP*WIDGET-RED",
        f"SN1**{quantity}*{unit}",
    ]
    count = len(body) + 1
    segments = body + [f"SE*{count}*0001"]
    group = [f"GS*SH*ACMEWHSE*RETAILCO*20260301*1430*{int(control)}*X*004010"]
    group += segments + [f"GE*1*{int(control)}"]
    return isa(control) + "\n" + "~\n".join(group) + "~\n" + f"IEA*1*{control}~\n"
