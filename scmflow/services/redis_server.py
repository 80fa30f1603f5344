"""Local Redis server without persistence, installed with apt-get when it is missing.

Everything the server writes lives under `<state_dir>/redis/`: redis.log and
redis.pid, which redis-server itself writes and removes on a clean shutdown.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from scmflow.services._common import (
    LOCAL_HOST,
    REDIS,
    ServiceConfig,
    ServiceError,
    ServiceState,
    progress,
)
from scmflow.services._process import check_pid_file, port_accepts, stop_process, tail

APT_TIMEOUT_SECONDS = 900

# apt-get update runs at most once per process, however many times `up` runs.
_apt_lists_updated = False


@dataclass(frozen=True)
class RedisPaths:
    root: Path

    @property
    def log_file(self) -> Path:
        return self.root / "redis.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "redis.pid"


def redis_paths(config: ServiceConfig) -> RedisPaths:
    return RedisPaths(config.state_dir / "redis")


def redis_responds(url: str, timeout: float = 1.0) -> bool:
    """Return True when the server at `url` responds to PING within `timeout` seconds."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def wait_for_redis(url: str, timeout: float = 15.0) -> float:
    """Wait until the server at `url` responds to PING.

    Returns the seconds waited. Raises ServiceError when no server responds
    within `timeout` seconds.
    """
    start_time = time.monotonic()
    deadline = start_time + timeout
    while not redis_responds(url):
        if time.monotonic() >= deadline:
            raise ServiceError(
                f"redis: timed out after {timeout:g} s waiting for PING response at {url}"
            )
        time.sleep(0.1)
    return time.monotonic() - start_time


def start_redis(config: ServiceConfig) -> ServiceState:
    """Start the local Redis server unless it, or an external one, already responds."""
    url = config.redis_url
    if config.external_redis_url:
        try:
            wait_for_redis(url, config.redis_start_timeout)
        except ServiceError as exc:
            raise ServiceError(
                f"{exc}; REDIS_URL is set, so scmflow starts no Redis. "
                "Start that server, or unset REDIS_URL to use a local one"
            ) from exc
        return ServiceState(REDIS, url, True, "set by REDIS_URL, so no server was started")

    paths = redis_paths(config)
    check = check_pid_file(paths.pid_file, _process_markers(config))
    if check.pid is not None:
        try:
            wait_for_redis(url, config.redis_start_timeout)
        except ServiceError as exc:
            raise ServiceError(
                f"{exc}; the server that scmflow started (pid {check.pid}) is running but "
                f"does not respond. See {paths.log_file}, or run `scmflow dev down redis` "
                "and start it again"
            ) from exc
        return ServiceState(
            REDIS,
            url,
            True,
            f"already running, started by scmflow (pid {check.pid})",
            pid=check.pid,
            log_file=paths.log_file,
        )
    if check.stale:
        progress(f"redis: removing stale pid file {paths.pid_file} (process {check.recorded_pid})")
        paths.pid_file.unlink(missing_ok=True)

    if redis_responds(url):
        return ServiceState(
            REDIS, url, True, "already running, not started by scmflow (down leaves it)"
        )
    if port_accepts(LOCAL_HOST, config.redis_port):
        raise ServiceError(
            f"redis: port {LOCAL_HOST}:{config.redis_port} is in use by a program that does "
            "not respond to Redis PING; stop that program or choose another port"
        )

    return _launch(config, paths, ensure_redis_server())


def stop_redis(config: ServiceConfig) -> ServiceState:
    """Stop the server that `start_redis` started, if it is running."""
    url = config.redis_url
    if config.external_redis_url:
        return ServiceState(
            REDIS, url, redis_responds(url), "set by REDIS_URL, so nothing was stopped"
        )

    paths = redis_paths(config)
    check = check_pid_file(paths.pid_file, _process_markers(config))
    if check.pid is not None:
        progress(f"redis: stopping server (pid {check.pid})")
        try:
            killed = stop_process(check.pid, config.stop_timeout)
        except TimeoutError as exc:
            raise ServiceError(f"redis: {exc}; see {paths.log_file}") from exc
        paths.pid_file.unlink(missing_ok=True)
        kill_note = f" with SIGKILL after {config.stop_timeout:g} s" if killed else ""
        detail = f"stopped (pid {check.pid}){kill_note}"
    elif check.stale:
        paths.pid_file.unlink(missing_ok=True)
        detail = f"not running; removed stale pid file (process {check.recorded_pid})"
    else:
        detail = "not running"

    responding = redis_responds(url)
    if responding and check.pid is None:
        detail = "running, not started by scmflow, so it was left running"
    return ServiceState(REDIS, url, responding, detail, log_file=paths.log_file)


def redis_state(config: ServiceConfig) -> ServiceState:
    """Report whether the server responds and whether scmflow started it."""
    url = config.redis_url
    responding = redis_responds(url)
    if config.external_redis_url:
        return ServiceState(REDIS, url, responding, "set by REDIS_URL")

    paths = redis_paths(config)
    check = check_pid_file(paths.pid_file, _process_markers(config))
    if check.pid is not None:
        detail = f"started by scmflow (pid {check.pid})"
    elif check.stale:
        detail = f"stale pid file: process {check.recorded_pid} is not running"
    elif responding:
        detail = "not started by scmflow"
    else:
        detail = "not running"
    return ServiceState(REDIS, url, responding, detail, pid=check.pid, log_file=paths.log_file)


def find_redis_server() -> str | None:
    # Debian installs redis-server in /usr/bin, which a minimal PATH may lack.
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")


def ensure_redis_server() -> str:
    """Return the path of redis-server, installing Debian's package when root.

    Raises ServiceError with the install command when redis-server is missing
    and this process cannot install it.
    """
    found = find_redis_server()
    if found is not None:
        return found

    if shutil.which("apt-get") is None:
        raise ServiceError(
            "redis: redis-server not found on PATH and apt-get is not available; install "
            "Redis 7 with the system's package manager, or set REDIS_URL to a running server"
        )
    if os.geteuid() != 0:
        raise ServiceError(
            "redis: redis-server not found on PATH. Install it with:\n"
            "  sudo apt-get update && sudo apt-get install -y redis-server\n"
            "or set REDIS_URL to a running server"
        )

    global _apt_lists_updated
    if not _apt_lists_updated:
        _run_apt(["apt-get", "update"])
        _apt_lists_updated = True
    # NOTE: Debian's package starts its own service on 6379 only where no
    # /usr/sbin/policy-rc.d blocks service starts. Such a server then responds
    # to PING, so `up` reuses it and `down` leaves it running.
    _run_apt(["apt-get", "install", "-y", "--no-install-recommends", "redis-server"])

    found = find_redis_server()
    if found is None:
        raise ServiceError("redis: apt-get installed redis-server, but it is still not on PATH")
    return found


def _run_apt(command: list[str]) -> None:
    progress(f"redis: redis-server not found; running {shlex.join(command)}")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        result = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=APT_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as exc:
        raise ServiceError(
            f"redis: {shlex.join(command)} timed out after {APT_TIMEOUT_SECONDS} s"
        ) from exc
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise ServiceError(
            f"redis: {shlex.join(command)} failed with exit code {result.returncode}:\n{output}"
        )


def _launch(config: ServiceConfig, paths: RedisPaths, server: str) -> ServiceState:
    paths.root.mkdir(parents=True, exist_ok=True)
    url = config.redis_url
    command = [
        server,
        "--bind", LOCAL_HOST,
        "--port", str(config.redis_port),
        "--daemonize", "yes",
        "--pidfile", str(paths.pid_file),
        "--logfile", str(paths.log_file),
        "--dir", str(paths.root),
        # Local development and tests need no persistence.
        "--save", "",
        "--appendonly", "no",
    ]  # fmt: skip
    progress(f"redis: starting server on {url} (log: {paths.log_file})")
    start_time = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, start_new_session=True)
    if result.returncode != 0:
        raise ServiceError(
            f"redis: {server} exited with code {result.returncode}: "
            f"{(result.stdout + result.stderr).strip()}\nLast lines of {paths.log_file}:\n"
            f"{tail(paths.log_file)}"
        )

    try:
        wait_for_redis(url, config.redis_start_timeout)
    except ServiceError as exc:
        raise ServiceError(
            f"{exc}\nLast lines of {paths.log_file}:\n{tail(paths.log_file)}"
        ) from exc

    # redis-server writes its pid file after it starts listening, so the file
    # can lag a moment behind the first PING response.
    check = check_pid_file(paths.pid_file, _process_markers(config))
    while check.pid is None and time.monotonic() - start_time < config.redis_start_timeout:
        time.sleep(0.05)
        check = check_pid_file(paths.pid_file, _process_markers(config))
    if check.pid is None:
        raise ServiceError(
            f"redis: the server responds at {url} but wrote no pid file {paths.pid_file}, "
            f"so `scmflow dev down` could not stop it; see {paths.log_file}"
        )
    elapsed = time.monotonic() - start_time
    return ServiceState(
        REDIS,
        url,
        True,
        f"started (pid {check.pid}) in {elapsed:.1f} s",
        pid=check.pid,
        log_file=paths.log_file,
        started=True,
    )


def _process_markers(config: ServiceConfig) -> tuple[str, ...]:
    # redis-server rewrites its process title to "redis-server HOST:PORT".
    return ("redis-server", f"{LOCAL_HOST}:{config.redis_port}")
