"""Results a stage returns to the runtime for one batch of input records."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from confluent_kafka import KafkaError, Message

from canonical.errors import ErrorCode

Headers = list[tuple[str, bytes]]


@dataclass(slots=True)
class Output:
    """A record to produce inside the batch's transaction."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)
    partition: int | None = None
    """Explicit partition; None lets the partitioner choose from the key."""
    on_delivery: Callable[[KafkaError | None, Message], None] | None = None
    """Called with the delivery report; reports arrive before commit_transaction returns."""
    source: Message | None = None
    """The input record this output was derived from, for per-key ordering."""


@dataclass(slots=True)
class DeadLetter:
    """An input record that failed, with the reason written into its DLQ headers."""

    message: Message
    code: ErrorCode
    error_message: str
    field_path: str | None = None
    exception_class: str = ""
    attempts: int = 1
    first_failed_at: float | None = None
    """Unix time of the first failed attempt; None when this attempt was the first."""


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

    def on_assigned(self, partitions: list[tuple[str, int]]) -> None:
        """Prepare state for newly assigned partitions before their first batch.

        Runs in the loop, not in the rebalance callback; RetriableError pauses
        the stage and calls it again after a backoff.
        """

    def on_revoked(self, partitions: list[tuple[str, int]]) -> None:
        """Forget state of partitions this worker no longer owns."""
