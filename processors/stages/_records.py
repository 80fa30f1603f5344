"""Per-record error handling shared by the stages."""

from collections.abc import Callable

import structlog
from confluent_kafka import Message

from canonical.errors import ErrorCode, RecordError, RetriableError
from processors.runtime.batch import DeadLetter, Output

log = structlog.get_logger("scmflow.stages")


def _header_text(headers: dict[str, bytes | None], name: str) -> str | None:
    value = headers.get(name)
    return value.decode("utf-8", "replace") if value else None


def run_record(
    message: Message, stage: str, handle: Callable[[Message], list[Output]]
) -> tuple[list[Output], DeadLetter | None]:
    """Run ``handle`` on one record; turn any failure into a dead letter instead of raising.

    RecordError keeps its code. Any other exception is a bug in the stage; the
    record is dead-lettered as INTERNAL_ERROR with the exception class, so one
    bad record never stops the worker. RetriableError propagates, so the runtime
    aborts the batch and retries it.
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
            return handle(message), None
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
    except Exception as exc:  # noqa: BLE001 - the record is dead-lettered, the worker goes on
        log.exception(
            "record_failed_unexpectedly",
            stage=stage,
            topic=message.topic(),
            partition=message.partition(),
            offset=message.offset(),
        )
        return [], DeadLetter(
            message=message,
            code=ErrorCode.INTERNAL_ERROR,
            error_message=f"{type(exc).__name__}: {exc}",
            exception_class=f"{type(exc).__module__}.{type(exc).__qualname__}",
        )
