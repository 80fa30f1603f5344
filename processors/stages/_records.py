"""Per-record error handling shared by the stages."""

import time
from collections.abc import Callable

import structlog
from confluent_kafka import Message

from canonical.errors import ErrorCode, RecordError, RetriableError
from processors.runtime.batch import DeadLetter, Output

log = structlog.get_logger("scmflow.stages")

DEFAULT_MAX_ATTEMPTS = 3


class AttemptTracker:
    """Failed attempts of records that raised an unexpected exception, by position.

    An unexpected exception may come from a transient cause the stage does
    not classify, so the record is tried ``max_attempts`` times (the batch is
    rewound and processed again after a backoff) before it is dead-lettered.
    """

    def __init__(self, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.max_attempts = max_attempts
        self._failures: dict[tuple[str, int, int], tuple[int, float]] = {}

    def fail(self, message: Message) -> tuple[int, float]:
        """Count a failure; return the attempts so far and the time of the first one."""
        position = (message.topic(), message.partition(), message.offset())
        attempts, first = self._failures.get(position, (0, time.time()))
        self._failures[position] = (attempts + 1, first)
        if len(self._failures) > 10000:
            self._failures.clear()
        return attempts + 1, first

    def forget(self, message: Message) -> None:
        self._failures.pop((message.topic(), message.partition(), message.offset()), None)


def _header_text(headers: dict[str, bytes | None], name: str) -> str | None:
    value = headers.get(name)
    return value.decode("utf-8", "replace") if value else None


def run_record(
    message: Message,
    stage: str,
    handle: Callable[[Message], list[Output]],
    attempts: AttemptTracker | None = None,
) -> tuple[list[Output], DeadLetter | None]:
    """Run ``handle`` on one record; turn a failure into a dead letter instead of raising.

    RecordError keeps its code and is dead-lettered at once. Any other
    exception is unexpected: while ``attempts`` allows more tries it raises
    RetriableError so the runtime retries the batch, then the record is
    dead-lettered as INTERNAL_ERROR with the exception class, so one bad record
    never stops the worker. RetriableError from ``handle`` propagates.
    """
    headers = dict(message.headers() or [])
    context = structlog.contextvars.bound_contextvars(
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
        event_id=_header_text(headers, "ce_id"),
        correlation_id=_header_text(headers, "scmflow.correlation_id"),
    )
    try:
        with context:
            outputs = handle(message)
        for output in outputs:
            output.source = message
        if attempts is not None:
            attempts.forget(message)
        return outputs, None
    except RetriableError:
        raise
    except RecordError as exc:
        return [], DeadLetter(
            message=message,
            code=exc.code,
            error_message=exc.message,
            field_path=exc.field_path,
            exception_class=type(exc).__name__,
        )
    except Exception as exc:  # noqa: BLE001 - retried, then dead-lettered; the worker goes on
        count, first = attempts.fail(message) if attempts else (1, time.time())
        log.exception(
            "record_failed_unexpectedly",
            stage=stage,
            topic=message.topic(),
            partition=message.partition(),
            offset=message.offset(),
            attempt=count,
        )
        if attempts is not None and count < attempts.max_attempts:
            raise RetriableError(
                "unexpected_error", f"{type(exc).__name__}: {exc} (attempt {count})"
            ) from exc
        return [], DeadLetter(
            message=message,
            code=ErrorCode.INTERNAL_ERROR,
            error_message=f"{type(exc).__name__}: {exc}",
            exception_class=f"{type(exc).__module__}.{type(exc).__qualname__}",
            attempts=count,
            first_failed_at=first,
        )
