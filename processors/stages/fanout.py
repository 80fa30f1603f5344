"""The fan-out stage: copy each canonical record to every consumer topic whose route matches."""

from typing import Any

from confluent_kafka import Message

from canonical.avro import decode_record
from canonical.errors import ErrorCode, RecordError
from processors.runtime.batch import BatchResult, Output
from processors.stages._records import DEFAULT_MAX_ATTEMPTS, AttemptTracker, run_record
from processors.topology import Route, Topology

_PAYLOAD_PREFIX = "payload."


class FanoutLogic:
    """Route canonical records by the rules in topology.yaml; records are copied unchanged."""

    name = "fanout"

    def __init__(self, topology: Topology, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        self.attempts = AttemptTracker(max_attempts)
        self.routes: list[Route] = list(topology.routes)
        self._payload_paths = sorted(
            {
                path
                for route in self.routes
                for path in route.when
                if path.startswith(_PAYLOAD_PREFIX)
            }
        )

    def _fields(self, record: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {
            name: value for name, value in record["envelope"].items() if name != "provenance"
        }
        for path in self._payload_paths:
            value: Any = record
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            fields[path] = value
        return fields

    def _handle(self, message: Message) -> list[Output]:
        fields = self._fields(decode_record(message.value() or b""))
        matched = [route for route in self.routes if route.matches(fields)]
        if not matched:
            raise RecordError(
                ErrorCode.ROUTE_NOT_FOUND,
                f"no route matches entity_type={fields.get('entity_type')!r} "
                f"event_type={fields.get('event_type')!r}",
            )
        headers = list(message.headers() or [])
        return [
            Output(topic=route.topic, key=message.key(), value=message.value(), headers=headers)
            for route in matched
        ]

    def process_batch(self, messages: list[Message]) -> BatchResult:
        result = BatchResult()
        for message in messages:
            outputs, dead = run_record(message, self.name, self._handle, self.attempts)
            result.outputs.extend(outputs)
            if dead is not None:
                result.dead_letters.append(dead)
        return result

    def on_committed(self, result: BatchResult) -> None:
        return None

    def on_assigned(self, partitions: list[tuple[str, int]]) -> None:
        return None

    def on_revoked(self, partitions: list[tuple[str, int]]) -> None:
        return None
