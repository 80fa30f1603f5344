"""Local Kafka broker and Redis server for development and tests, without Docker.

`up` starts a single-node KRaft broker from the Maven jars in services/pom.xml
and a Redis server, `down` stops exactly what `up` started, and `status`
reports on both. `add_dev_parser` exposes them as `scmflow dev up|down|status`.
"""

from scmflow.services._common import (
    SERVICE_NAMES,
    ServiceConfig,
    ServiceError,
    ServiceState,
    format_states,
)
from scmflow.services._lifecycle import down, status, up
from scmflow.services.cli import add_dev_parser
from scmflow.services.kafka_broker import kafka_responds, wait_for_kafka
from scmflow.services.redis_server import redis_responds, wait_for_redis

__all__ = [
    "SERVICE_NAMES",
    "ServiceConfig",
    "ServiceError",
    "ServiceState",
    "add_dev_parser",
    "down",
    "format_states",
    "kafka_responds",
    "redis_responds",
    "status",
    "up",
    "wait_for_kafka",
    "wait_for_redis",
]
