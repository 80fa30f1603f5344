"""Start, stop and report on the local Kafka broker and Redis server together."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scmflow.services._common import (
    KAFKA,
    REDIS,
    SERVICE_NAMES,
    ServiceConfig,
    ServiceError,
    ServiceState,
    state_lock,
)
from scmflow.services.kafka_broker import kafka_state, start_kafka, stop_kafka
from scmflow.services.redis_server import redis_state, start_redis, stop_redis

Action = Callable[[ServiceConfig], ServiceState]

# Redis starts first because it is ready within a second, so a Redis problem is
# reported before the broker's slower JVM start.
_START_ACTIONS: dict[str, Action] = {REDIS: start_redis, KAFKA: start_kafka}
_STOP_ACTIONS: dict[str, Action] = {KAFKA: stop_kafka, REDIS: stop_redis}
_STATE_ACTIONS: dict[str, Action] = {KAFKA: kafka_state, REDIS: redis_state}


def up(
    config: ServiceConfig | None = None, services: Sequence[str] = SERVICE_NAMES
) -> list[ServiceState]:
    """Start the selected services that do not respond yet, and wait until they respond.

    Idempotent: a server that already responds is reported and left as it is.
    A service whose address comes from the environment is only checked.
    Raises ServiceError for the first service that fails to start, naming its log.
    """
    config = config or ServiceConfig.from_settings()
    with state_lock(config.state_dir):
        return _run(_START_ACTIONS, config, services)


def down(
    config: ServiceConfig | None = None, services: Sequence[str] = SERVICE_NAMES
) -> list[ServiceState]:
    """Stop the selected servers that `up` started, found through their pid files.

    A server that scmflow did not start is left running. Idempotent.
    """
    config = config or ServiceConfig.from_settings()
    with state_lock(config.state_dir):
        return _run(_STOP_ACTIONS, config, services)


def status(
    config: ServiceConfig | None = None, services: Sequence[str] = SERVICE_NAMES
) -> list[ServiceState]:
    """Report each selected service's address, whether it responds and who started it."""
    config = config or ServiceConfig.from_settings()
    return _run(_STATE_ACTIONS, config, services)


def _run(
    actions: dict[str, Action], config: ServiceConfig, services: Sequence[str]
) -> list[ServiceState]:
    unknown = sorted(set(services) - set(SERVICE_NAMES))
    if unknown:
        raise ServiceError(
            f"unknown service {', '.join(unknown)}; expected one of {', '.join(SERVICE_NAMES)}"
        )
    states = [action(config) for name, action in actions.items() if name in services]
    return sorted(states, key=lambda state: SERVICE_NAMES.index(state.name))
