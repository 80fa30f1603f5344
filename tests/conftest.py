"""Shared fixtures.

`kafka_bootstrap` and `redis_url` come from, in order:
KAFKA_BOOTSTRAP_SERVERS / REDIS_URL when set; containers when
SCMFLOW_TESTCONTAINERS=1 (needs a Docker engine); else the local servers of
`scmflow dev up`, started when they are not running. Local servers stay running
after the session so the next run reuses them, unless this session started them
and SCMFLOW_TEST_STOP_SERVICES=1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scmflow import services


def _dev_service(name: str) -> Iterator[str]:
    """Yield the address that `scmflow dev up` gives: the environment's, or a local server."""
    config = services.ServiceConfig.from_settings()
    (state,) = services.up(config, [name])
    yield state.address
    if state.started and os.environ.get("SCMFLOW_TEST_STOP_SERVICES") == "1":
        services.down(config, [name])


def _use_testcontainers() -> bool:
    return os.environ.get("SCMFLOW_TESTCONTAINERS") == "1"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of a Kafka broker that responds."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or not _use_testcontainers():
        yield from _dev_service("kafka")
        return

    # KafkaContainer drives the start scripts of Confluent's image, so it cannot
    # run the apache/kafka image. cp-kafka 7.6.0 contains Apache Kafka 3.6.
    from testcontainers.kafka import KafkaContainer

    with KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as container:
        yield container.get_bootstrap_server()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a Redis server that responds to PING."""
    if os.environ.get("REDIS_URL") or not _use_testcontainers():
        yield from _dev_service("redis")
        return

    from testcontainers.redis import RedisContainer

    with RedisContainer("redis:7") as container:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(6379)
        yield f"redis://{host}:{port}/0"
