"""What a stage hands back to the runtime for one batch of input records."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from confluent_kafka import Message

from canonical.errors import ErrorCode

Headers = list[tuple[str, bytes]]


@dataclass(slots=True)
class Output:
    """A record to produce inside the batch's transaction."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)


@dataclass(slots=True)
class DeadLetter:
    """An input record that failed, with the reason written into its DLQ headers."""

    message: Message
    code: ErrorCode
    error_message: str
    field_path: str | None = None
    exception_class: str = ""


@dataclass(slots=True)
class BatchResult:
    """Outputs and dead letters of one batch, and what to do once it is committed."""

    outputs: list[Output] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    duplicates: int = 0
    after_commit: Any = None
    """Opaque state passed to ``StageLogic.on_committed`` after the transaction commits."""


class StageLogic(Protocol):
    """The part of a stage that differs between stages.

    ``process_batch`` must not have side effects outside the returned result,
    because an aborted transaction replays the same records. It raises
    RetriableError for infrastructure faults; every bad record becomes a
    DeadLetter instead of an exception.
    """

    name: str

    def process_batch(self, messages: list[Message]) -> BatchResult: ...

    def on_committed(self, result: BatchResult) -> None: ...
