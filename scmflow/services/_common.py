"""Configuration, result type and error shared by the Kafka and Redis helpers."""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from canonical.errors import ScmflowError
from scmflow.settings import PROJECT_ROOT, Settings, get_settings

KAFKA = "kafka"
REDIS = "redis"
SERVICE_NAMES = (KAFKA, REDIS)

LOCAL_HOST = "127.0.0.1"
POM_FILE = PROJECT_ROOT / "services" / "pom.xml"
LOG4J_CONFIG_FILE = PROJECT_ROOT / "services" / "log4j2.properties"


class ServiceError(ScmflowError):
    """A local service failed to start, stop or respond.

    The message names the service, its address and, where there is one, its log file.
    """


@dataclass(frozen=True)
class ServiceConfig:
    """Addresses, folders and timeouts for the local Kafka broker and Redis server.

    When `external_bootstrap_servers` or `external_redis_url` is set, that service
    is someone else's: `up` only checks that it responds and `down` leaves it alone.
    """

    state_dir: Path
    kafka_port: int = 9092
    controller_port: int = 9093
    redis_port: int = 6379
    external_bootstrap_servers: str | None = None
    external_redis_url: str | None = None
    kafka_start_timeout: float = 90.0
    redis_start_timeout: float = 15.0
    stop_timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ServiceConfig:
        settings = settings or get_settings()
        return cls(
            state_dir=settings.state_dir,
            external_bootstrap_servers=settings.kafka_bootstrap_servers,
            external_redis_url=settings.redis_url,
        )

    @property
    def bootstrap_servers(self) -> str:
        return self.external_bootstrap_servers or f"{LOCAL_HOST}:{self.kafka_port}"

    @property
    def redis_url(self) -> str:
        return self.external_redis_url or f"redis://{LOCAL_HOST}:{self.redis_port}/0"


@dataclass(frozen=True)
class ServiceState:
    """Outcome of one `up`, `down` or `status` call for one service."""

    name: str
    address: str
    responding: bool
    detail: str
    """Short sentence on what the call did or found, such as "started (pid 42) in 3.1 s"."""
    pid: int | None = None
    """Process id of the server that scmflow started, or None when scmflow runs none."""
    log_file: Path | None = None
    started: bool = False
    """True when this call started the server."""


def format_states(states: Sequence[ServiceState]) -> str:
    """Format states as an aligned table with one line per service."""
    if not states:
        return "no services selected"
    name_width = max(len(state.name) for state in states)
    address_width = max(len(state.address) for state in states)
    lines = []
    for state in states:
        response = "responds" if state.responding else "no response"
        line = (
            f"{state.name:<{name_width}}  {state.address:<{address_width}}  "
            f"{response:<11}  {state.detail}"
        )
        if state.log_file is not None and state.log_file.exists():
            line += f"; log: {state.log_file}"
        lines.append(line)
    return "\n".join(lines)


def progress(message: str) -> None:
    """Print a progress line to stderr, so that stdout carries only the final report."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def state_lock(state_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the state folder.

    The lock keeps two concurrent `up` or `down` calls (two terminals, or parallel
    test workers) from starting the same server twice.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "services.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
