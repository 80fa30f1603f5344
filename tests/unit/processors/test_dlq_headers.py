"""The dead-letter header set is a contract: operators' tools read these names."""

from confluent_kafka import Message

from canonical.errors import ErrorCode
from processors.runtime.batch import DeadLetter
from processors.runtime.dlq import ERROR_HEADERS, dead_letter_output, decode_headers

PINNED_HEADERS = (
    "scmflow.error.version",
    "scmflow.error.stage",
    "scmflow.error.code",
    "scmflow.error.retriable",
    "scmflow.error.message",
    "scmflow.error.field_path",
    "scmflow.error.exception_class",
    "scmflow.error.topic",
    "scmflow.error.partition",
    "scmflow.error.offset",
    "scmflow.error.timestamp",
    "scmflow.error.consumer_group",
    "scmflow.error.failed_at",
    "scmflow.error.first_failed_at",
    "scmflow.error.attempts",
    "scmflow.error.replay_count",
)


def failed_message() -> Message:
    return Message(
        topic="raw.x12",
        partition=2,
        offset=17,
        key=b"ACME:856:SH-1",
        value=b"ST*856*0001~BSN*00~SE*2*0001~",
        headers=[("scmflow.source", b"x12"), ("scmflow.error.code", b"OLD")],
        timestamp=(1, 1772375415123),
    )


def test_header_set_is_pinned():
    assert ERROR_HEADERS == PINNED_HEADERS


def test_dead_letter_keeps_original_record():
    dead = DeadLetter(failed_message(), ErrorCode.X12_SEGMENT_MISSING, "BSN02 is empty", "BSN02")
    output = dead_letter_output(
        dead, stage="normalize", dlq_topic="dlq.normalize", consumer_group="g"
    )
    assert output.topic == "dlq.normalize"
    assert output.key == b"ACME:856:SH-1"
    assert output.value == b"ST*856*0001~BSN*00~SE*2*0001~"
    assert ("scmflow.source", b"x12") in output.headers


def test_dead_letter_error_headers():
    dead = DeadLetter(
        failed_message(), ErrorCode.MAPPING_MISSING, "unit XX", "HL[3].SN103", "RecordError"
    )
    output = dead_letter_output(
        dead, stage="normalize", dlq_topic="dlq.normalize", consumer_group="g"
    )
    headers = decode_headers(output.headers)
    assert set(PINNED_HEADERS) <= headers.keys()
    assert headers["scmflow.error.code"] == "MAPPING_MISSING"
    assert headers["scmflow.error.retriable"] == "true"
    assert headers["scmflow.error.stage"] == "normalize"
    assert headers["scmflow.error.field_path"] == "HL[3].SN103"
    assert headers["scmflow.error.topic"] == "raw.x12"
    assert headers["scmflow.error.partition"] == "2"
    assert headers["scmflow.error.offset"] == "17"
    assert headers["scmflow.error.timestamp"] == "1772375415123"
    assert headers["scmflow.error.consumer_group"] == "g"


def test_earlier_error_headers_replaced():
    dead = DeadLetter(failed_message(), ErrorCode.X12_ELEMENT_INVALID, "bad date", "BSN03")
    output = dead_letter_output(
        dead, stage="normalize", dlq_topic="dlq.normalize", consumer_group="g"
    )
    codes = [value for name, value in output.headers if name == "scmflow.error.code"]
    assert codes == [b"X12_ELEMENT_INVALID"]


def test_replay_count_carried_from_input():
    message = Message(
        topic="raw.x12",
        partition=0,
        offset=3,
        key=b"k",
        value=b"v",
        headers=[("scmflow.replay.count", b"2")],
    )
    dead = DeadLetter(message, ErrorCode.INTERNAL_ERROR, "boom", attempts=3, first_failed_at=1.0)
    headers = decode_headers(
        dead_letter_output(dead, stage="normalize", dlq_topic="d", consumer_group="g").headers
    )
    assert headers["scmflow.error.replay_count"] == "2"
    assert headers["scmflow.error.attempts"] == "3"
    assert headers["scmflow.error.first_failed_at"].startswith("1970-01-01T00:00:01")
