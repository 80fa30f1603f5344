"""EventReader: typed decoding and stale, duplicate and new updates per entity."""

import pytest

from canonical import Location, LocationEvent, LocationStatus
from canonical.avro import encode
from canonical.consumer import EventReader, Freshness
from canonical.errors import ErrorCode, RecordError
from canonical.headers import event_headers


def location_event(envelope, entity_id: str = "DC-EAST", version: int = 1) -> LocationEvent:
    payload = Location(
        location_id=entity_id, status=LocationStatus.ACTIVE, name=f"Site {version}",
        kind="warehouse", gln=None, parent_location_id=None, city=None, region=None,
        postal_code=None, country="US", time_zone="America/New_York",
    )
    return LocationEvent(envelope=envelope("location", entity_id, version), payload=payload)


def test_read_returns_typed_event(envelope):
    event = location_event(envelope)
    result = EventReader().read(encode(event))
    assert type(result.event) is LocationEvent
    assert result.event == event


def test_first_record_is_new(envelope):
    result = EventReader().read(encode(location_event(envelope)))
    assert result.freshness is Freshness.NEW
    assert result.latest_version is None
    assert result.should_apply


def test_higher_version_is_new(envelope):
    reader = EventReader()
    reader.read(encode(location_event(envelope, version=1)))
    result = reader.read(encode(location_event(envelope, version=2)))
    assert result.freshness is Freshness.NEW
    assert result.latest_version == 1


def test_equal_version_is_duplicate(envelope):
    reader = EventReader()
    data = encode(location_event(envelope, version=5))
    reader.read(data)
    result = reader.read(data)
    assert result.freshness is Freshness.DUPLICATE
    assert not result.should_apply


def test_lower_version_is_stale(envelope):
    reader = EventReader()
    reader.read(encode(location_event(envelope, version=5)))
    result = reader.read(encode(location_event(envelope, version=3)))
    assert result.freshness is Freshness.STALE
    assert result.latest_version == 5
    assert reader.latest_version("location", "DC-EAST") == 5


def test_entities_tracked_separately(envelope):
    reader = EventReader()
    reader.read(encode(location_event(envelope, "A", version=5)))
    result = reader.read(encode(location_event(envelope, "B", version=1)))
    assert result.freshness is Freshness.NEW


def test_least_recently_seen_entity_evicted(envelope):
    reader = EventReader(max_entities=2)
    reader.read(encode(location_event(envelope, "A", version=5)))
    reader.read(encode(location_event(envelope, "B", version=5)))
    reader.read(encode(location_event(envelope, "A", version=5)))
    reader.read(encode(location_event(envelope, "C", version=5)))
    assert len(reader) == 2
    assert reader.latest_version("location", "B") is None
    assert reader.latest_version("location", "A") == 5
    # An evicted entity's next record counts as new, even when it is older.
    result = reader.read(encode(location_event(envelope, "B", version=1)))
    assert result.freshness is Freshness.NEW


def test_matching_headers_accepted(envelope):
    event = location_event(envelope)
    result = EventReader().read(encode(event), event_headers(event, "webhook"))
    assert result.event == event


def test_contradicting_header_rejected(envelope):
    event = location_event(envelope)
    headers = [("scmflow.entity_id", b"DC-WEST")]
    with pytest.raises(RecordError) as caught:
        EventReader().read(encode(event), headers)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED
    assert caught.value.field_path == "scmflow.entity_id"


def test_missing_value_rejected():
    with pytest.raises(RecordError) as caught:
        EventReader().read(None)
    assert caught.value.code is ErrorCode.ENVELOPE_DECODE_FAILED


def test_max_entities_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        EventReader(max_entities=0)
