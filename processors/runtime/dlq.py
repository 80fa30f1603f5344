"""Dead-letter records: the original record plus a versioned set of error headers.

Every header name starts with ``scmflow.error.``; values are UTF-8 strings.
The original key, value, headers and timestamp are kept unchanged, so a
replay re-publishes exactly what arrived.
"""

from datetime import UTC, datetime

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Message

from processors.runtime.batch import DeadLetter, Output

DLQ_HEADER_VERSION = "1"

H_VERSION = "scmflow.error.version"
H_STAGE = "scmflow.error.stage"
H_CODE = "scmflow.error.code"
H_RETRIABLE = "scmflow.error.retriable"
H_MESSAGE = "scmflow.error.message"
H_FIELD_PATH = "scmflow.error.field_path"
H_EXCEPTION_CLASS = "scmflow.error.exception_class"
H_TOPIC = "scmflow.error.topic"
H_PARTITION = "scmflow.error.partition"
H_OFFSET = "scmflow.error.offset"
H_TIMESTAMP = "scmflow.error.timestamp"
H_CONSUMER_GROUP = "scmflow.error.consumer_group"
H_FAILED_AT = "scmflow.error.failed_at"
H_FIRST_FAILED_AT = "scmflow.error.first_failed_at"
H_ATTEMPTS = "scmflow.error.attempts"
H_REPLAY_COUNT_AT_FAILURE = "scmflow.error.replay_count"

# Set by `scmflow dlq replay` on the records it re-publishes.
H_REPLAY_COUNT = "scmflow.replay.count"

ERROR_HEADERS = (
    H_VERSION,
    H_STAGE,
    H_CODE,
    H_RETRIABLE,
    H_MESSAGE,
    H_FIELD_PATH,
    H_EXCEPTION_CLASS,
    H_TOPIC,
    H_PARTITION,
    H_OFFSET,
    H_TIMESTAMP,
    H_CONSUMER_GROUP,
    H_FAILED_AT,
    H_FIRST_FAILED_AT,
    H_ATTEMPTS,
    H_REPLAY_COUNT_AT_FAILURE,
)

_MAX_MESSAGE_LENGTH = 2000


def original_timestamp_ms(message: Message) -> int | None:
    kind, value = message.timestamp()
    return None if kind == TIMESTAMP_NOT_AVAILABLE else value


def dead_letter_output(
    dead: DeadLetter, *, stage: str, dlq_topic: str, consumer_group: str
) -> Output:
    """Build the DLQ record for a failed input record."""
    message = dead.message
    timestamp = original_timestamp_ms(message)
    now = datetime.now(UTC)
    first = (
        datetime.fromtimestamp(dead.first_failed_at, UTC) if dead.first_failed_at else now
    )
    replay_count = decode_headers(message.headers()).get(H_REPLAY_COUNT, "0")
    error_headers = {
        H_VERSION: DLQ_HEADER_VERSION,
        H_STAGE: stage,
        H_CODE: dead.code.value,
        H_RETRIABLE: "true" if dead.code.retriable else "false",
        H_MESSAGE: dead.error_message[:_MAX_MESSAGE_LENGTH],
        H_FIELD_PATH: dead.field_path or "",
        H_EXCEPTION_CLASS: dead.exception_class,
        H_TOPIC: message.topic(),
        H_PARTITION: str(message.partition()),
        H_OFFSET: str(message.offset()),
        H_TIMESTAMP: "" if timestamp is None else str(timestamp),
        H_CONSUMER_GROUP: consumer_group,
        H_FAILED_AT: now.isoformat(timespec="milliseconds"),
        H_FIRST_FAILED_AT: first.isoformat(timespec="milliseconds"),
        H_ATTEMPTS: str(dead.attempts),
        H_REPLAY_COUNT_AT_FAILURE: replay_count,
    }
    # Error headers of an earlier failure are replaced, not repeated.
    original = [(k, v) for k, v in (message.headers() or []) if k not in error_headers]
    headers = original + [(k, v.encode("utf-8")) for k, v in error_headers.items()]
    return Output(topic=dlq_topic, key=message.key(), value=message.value(), headers=headers)


def decode_headers(headers: list[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """Decode Kafka headers to a dict of strings; the last value of a repeated name wins."""
    decoded: dict[str, str] = {}
    for name, value in headers or []:
        decoded[name] = "" if value is None else value.decode("utf-8", errors="replace")
    return decoded
