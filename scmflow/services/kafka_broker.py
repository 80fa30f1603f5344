"""Single-node KRaft Kafka broker run from the Maven jars listed in services/pom.xml.

Everything the broker writes lives under `<state_dir>/kafka/`: the data folder,
server.properties, server.log, jvm.log (the JVM's own output) and kafka.pid.
"""

from __future__ import annotations

import os
import shlex
import shutil
import time
from collections.abc import Callable

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from scmflow.services._common import (
    KAFKA,
    LOCAL_HOST,
    ServiceConfig,
    ServiceError,
    ServiceState,
    progress,
)
from scmflow.services._kafka_files import (
    KafkaPaths,
    format_storage,
    kafka_paths,
    log4j_options,
    resolve_classpath,
    write_server_properties,
)
from scmflow.services._process import (
    check_pid_file,
    port_accepts,
    spawn_detached,
    stop_process,
    tail,
    write_pid_file,
)

# The test suite creates a few thousand partitions on one broker; 512 MiB of
# heap ran out there, so the default leaves room (KAFKA_HEAP_OPTS overrides it).
DEFAULT_HEAP_OPTS = "-Xmx1g -Xms1g"


def wait_for_kafka(bootstrap_servers: str, timeout: float = 90.0) -> float:
    """Wait until a broker at `bootstrap_servers` responds to a metadata request.

    Returns the seconds waited. Raises ServiceError when no broker responds
    within `timeout` seconds.
    """
    return _wait_for_kafka(bootstrap_servers, timeout, process_alive=None)


def kafka_responds(bootstrap_servers: str, timeout: float = 3.0) -> bool:
    """Return True when a broker responds to a metadata request within `timeout` seconds."""
    addresses = _parse_bootstrap_servers(bootstrap_servers)
    # A TCP probe first keeps librdkafka from logging "connection refused" errors
    # to stderr while the broker is not listening yet.
    if not any(port_accepts(host, port) for host, port in addresses):
        return False
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    try:
        # DescribeCluster names the brokers without listing every topic, so the
        # response stays fast on a broker with thousands of topics.
        cluster = admin.describe_cluster(request_timeout=timeout).result(timeout=timeout + 1)
    except (KafkaException, TimeoutError):
        return False
    return bool(cluster.nodes)


def start_kafka(config: ServiceConfig) -> ServiceState:
    """Start the local broker unless it, or an external one, already responds."""
    bootstrap = config.bootstrap_servers
    if config.external_bootstrap_servers:
        try:
            wait_for_kafka(bootstrap, config.kafka_start_timeout)
        except ServiceError as exc:
            raise ServiceError(
                f"{exc}; KAFKA_BOOTSTRAP_SERVERS is set, so scmflow starts no broker. "
                "Start that broker, or unset KAFKA_BOOTSTRAP_SERVERS to use a local one"
            ) from exc
        return ServiceState(
            KAFKA, bootstrap, True, "set by KAFKA_BOOTSTRAP_SERVERS, so no broker was started"
        )

    paths = kafka_paths(config)
    check = check_pid_file(paths.pid_file, _process_markers(paths))
    if check.pid is not None:
        try:
            _wait_for_kafka(bootstrap, config.kafka_start_timeout, process_alive=None)
        except ServiceError as exc:
            raise ServiceError(
                f"{exc}; the broker that scmflow started (pid {check.pid}) is running but "
                f"does not respond. See {paths.server_log}, or run `scmflow dev down kafka` "
                "and start it again"
            ) from exc
        return ServiceState(
            KAFKA,
            bootstrap,
            True,
            f"already running, started by scmflow (pid {check.pid})",
            pid=check.pid,
            log_file=paths.server_log,
        )
    if check.stale:
        progress(f"kafka: removing stale pid file {paths.pid_file} (process {check.recorded_pid})")
        paths.pid_file.unlink(missing_ok=True)

    if kafka_responds(bootstrap, timeout=10.0):
        return ServiceState(
            KAFKA, bootstrap, True, "already running, not started by scmflow (down leaves it)"
        )
    for port in (config.kafka_port, config.controller_port):
        if port_accepts(LOCAL_HOST, port):
            raise ServiceError(
                f"kafka: a program listens on {LOCAL_HOST}:{port} but did not respond as a Kafka "
                "broker within 10 s; if it is a busy broker, try again or set "
                "KAFKA_BOOTSTRAP_SERVERS to use it without starting one, otherwise free the port"
            )

    return _launch(config, paths)


def stop_kafka(config: ServiceConfig) -> ServiceState:
    """Stop the broker that `start_kafka` started, if it is running."""
    bootstrap = config.bootstrap_servers
    if config.external_bootstrap_servers:
        return ServiceState(
            KAFKA,
            bootstrap,
            kafka_responds(bootstrap),
            "set by KAFKA_BOOTSTRAP_SERVERS, so nothing was stopped",
        )

    paths = kafka_paths(config)
    check = check_pid_file(paths.pid_file, _process_markers(paths))
    if check.pid is not None:
        progress(f"kafka: stopping broker (pid {check.pid})")
        try:
            killed = stop_process(check.pid, config.stop_timeout)
        except TimeoutError as exc:
            raise ServiceError(f"kafka: {exc}; see {paths.server_log}") from exc
        paths.pid_file.unlink(missing_ok=True)
        kill_note = f" with SIGKILL after {config.stop_timeout:g} s" if killed else ""
        detail = f"stopped (pid {check.pid}){kill_note}"
    elif check.stale:
        paths.pid_file.unlink(missing_ok=True)
        detail = f"not running; removed stale pid file (process {check.recorded_pid})"
    else:
        detail = "not running"

    responding = kafka_responds(bootstrap, timeout=1.0)
    if responding and check.pid is None:
        detail = "running, not started by scmflow, so it was left running"
    return ServiceState(KAFKA, bootstrap, responding, detail, log_file=paths.server_log)


def kafka_state(config: ServiceConfig) -> ServiceState:
    """Report whether the broker responds and whether scmflow started it."""
    bootstrap = config.bootstrap_servers
    responding = kafka_responds(bootstrap)
    if config.external_bootstrap_servers:
        return ServiceState(KAFKA, bootstrap, responding, "set by KAFKA_BOOTSTRAP_SERVERS")

    paths = kafka_paths(config)
    check = check_pid_file(paths.pid_file, _process_markers(paths))
    if check.pid is not None:
        detail = f"started by scmflow (pid {check.pid})"
    elif check.stale:
        detail = f"stale pid file: process {check.recorded_pid} is not running"
    elif responding:
        detail = "not started by scmflow"
    else:
        detail = "not running"
    return ServiceState(
        KAFKA, bootstrap, responding, detail, pid=check.pid, log_file=paths.server_log
    )


def _launch(config: ServiceConfig, paths: KafkaPaths) -> ServiceState:
    java = shutil.which("java")
    if java is None:
        raise ServiceError(
            "kafka: java not found on PATH; install Java 17 or newer "
            "(Debian: apt-get install -y openjdk-17-jre-headless)"
        )
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    classpath = resolve_classpath(paths)
    write_server_properties(config, paths)
    if not (paths.data_dir / "meta.properties").exists():
        format_storage(java, classpath, paths)

    command = [
        java,
        *shlex.split(os.environ.get("KAFKA_HEAP_OPTS", DEFAULT_HEAP_OPTS)),
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        *log4j_options(paths),
        "-cp",
        classpath,
        "kafka.Kafka",
        str(paths.server_properties),
    ]
    progress(
        f"kafka: starting broker on {config.bootstrap_servers}, "
        f"waiting up to {config.kafka_start_timeout:g} s (log: {paths.server_log})"
    )
    start_time = time.monotonic()
    pid = spawn_detached(command, output_file=paths.jvm_log, cwd=paths.root)
    write_pid_file(paths.pid_file, pid)

    markers = _process_markers(paths)

    def process_alive() -> bool:
        return check_pid_file(paths.pid_file, markers).pid is not None

    try:
        _wait_for_kafka(config.bootstrap_servers, config.kafka_start_timeout, process_alive)
    except ServiceError as exc:
        outcome = "The broker exited."
        if process_alive():
            try:
                stop_process(pid, config.stop_timeout)
                outcome = "The broker was stopped."
            except TimeoutError as stop_error:
                outcome = f"Stopping the broker failed: {stop_error}."
        paths.pid_file.unlink(missing_ok=True)
        raise ServiceError(
            f"{exc}\n{outcome} Last lines of {paths.server_log}:\n"
            f"{tail(paths.server_log)}\nLast lines of {paths.jvm_log}:\n{tail(paths.jvm_log, 10)}"
        ) from exc

    elapsed = time.monotonic() - start_time
    return ServiceState(
        KAFKA,
        config.bootstrap_servers,
        True,
        f"started (pid {pid}) in {elapsed:.1f} s",
        pid=pid,
        log_file=paths.server_log,
        started=True,
    )


def _process_markers(paths: KafkaPaths) -> tuple[str, ...]:
    return ("kafka.Kafka", str(paths.server_properties))


def _wait_for_kafka(
    bootstrap_servers: str, timeout: float, process_alive: Callable[[], bool] | None
) -> float:
    start_time = time.monotonic()
    deadline = start_time + timeout
    while True:
        remaining = deadline - time.monotonic()
        if kafka_responds(bootstrap_servers, timeout=max(0.5, min(5.0, remaining))):
            return time.monotonic() - start_time
        if process_alive is not None and not process_alive():
            raise ServiceError(
                f"kafka: the broker process exited before it responded at {bootstrap_servers}"
            )
        if time.monotonic() >= deadline:
            raise ServiceError(
                f"kafka: timed out after {timeout:g} s waiting for a broker at {bootstrap_servers}"
            )
        time.sleep(0.5)


def _parse_bootstrap_servers(bootstrap_servers: str) -> list[tuple[str, int]]:
    addresses = []
    for entry in bootstrap_servers.split(","):
        entry = entry.strip()
        if "://" in entry:
            entry = entry.split("://", 1)[1]
        host, separator, port = entry.rpartition(":")
        if not separator or not port.isdigit():
            raise ServiceError(
                f"kafka: invalid bootstrap server {entry!r} in {bootstrap_servers!r}; "
                "expected HOST:PORT"
            )
        addresses.append((host.strip("[]"), int(port)))
    return addresses
