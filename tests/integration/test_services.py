"""Tests of `scmflow dev up|down|status` against real Kafka and Redis servers.

Every test uses its own state folder and free ports, so the default services on
9092, 9093 and 6379 are never started or stopped here.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scmflow import services
from scmflow.services import ServiceConfig, ServiceError, kafka_responds, redis_responds
from scmflow.services._process import process_arguments
from scmflow.settings import get_settings

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _exited_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _run_dev(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scmflow")
    services.add_dev_parser(parser.add_subparsers())
    args = parser.parse_args(["dev", *argv])
    return args.handler(args)


@pytest.fixture
def redis_config(tmp_path: Path) -> Iterator[ServiceConfig]:
    config = ServiceConfig(state_dir=tmp_path / "state", redis_port=_free_port())
    yield config
    services.down(config, ["redis"])


@pytest.fixture(scope="module")
def kafka_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceConfig]:
    """Throwaway broker on free ports; a start takes about 5 s on 2 cores."""
    config = ServiceConfig(
        state_dir=tmp_path_factory.mktemp("kafka-state"),
        kafka_port=_free_port(),
        controller_port=_free_port(),
    )
    yield config
    services.down(config, ["kafka"])


def test_redis_up_starts_server(redis_config: ServiceConfig) -> None:
    (state,) = services.up(redis_config, ["redis"])

    assert state.started
    assert state.responding
    assert state.pid is not None
    assert state.address == redis_config.redis_url
    assert redis_responds(redis_config.redis_url)
    assert (redis_config.state_dir / "redis" / "redis.pid").read_text().strip() == str(state.pid)
    assert (redis_config.state_dir / "redis" / "redis.log").exists()


def test_redis_up_twice_starts_nothing(redis_config: ServiceConfig) -> None:
    (first,) = services.up(redis_config, ["redis"])
    (second,) = services.up(redis_config, ["redis"])

    assert first.started
    assert not second.started
    assert second.pid == first.pid
    assert "already running" in second.detail


def test_redis_status_reports_running(redis_config: ServiceConfig) -> None:
    (started,) = services.up(redis_config, ["redis"])

    (state,) = services.status(redis_config, ["redis"])

    assert state.responding
    assert state.pid == started.pid
    assert state.detail == f"started by scmflow (pid {started.pid})"


def test_redis_status_not_running(redis_config: ServiceConfig) -> None:
    (state,) = services.status(redis_config, ["redis"])

    assert not state.responding
    assert state.pid is None
    assert state.detail == "not running"


def test_redis_down_stops_server(redis_config: ServiceConfig) -> None:
    (started,) = services.up(redis_config, ["redis"])

    (stopped,) = services.down(redis_config, ["redis"])
    (again,) = services.down(redis_config, ["redis"])

    assert stopped.detail == f"stopped (pid {started.pid})"
    assert not stopped.responding
    assert process_arguments(started.pid) is None
    assert not (redis_config.state_dir / "redis" / "redis.pid").exists()
    assert again.detail == "not running"


def test_redis_stale_pid_file(redis_config: ServiceConfig) -> None:
    pid_file = redis_config.state_dir / "redis" / "redis.pid"
    pid_file.parent.mkdir(parents=True)
    dead_pid = _exited_pid()
    pid_file.write_text(f"{dead_pid}\n")

    (before,) = services.status(redis_config, ["redis"])
    (state,) = services.up(redis_config, ["redis"])

    assert before.detail == f"stale pid file: process {dead_pid} is not running"
    assert state.started
    assert state.pid != dead_pid
    assert pid_file.read_text().strip() == str(state.pid)


def test_redis_down_stale_pid_file(redis_config: ServiceConfig) -> None:
    pid_file = redis_config.state_dir / "redis" / "redis.pid"
    pid_file.parent.mkdir(parents=True)
    dead_pid = _exited_pid()
    pid_file.write_text(f"{dead_pid}\n")

    (state,) = services.down(redis_config, ["redis"])

    assert state.detail == f"not running; removed stale pid file (process {dead_pid})"
    assert not pid_file.exists()


def test_redis_pid_reused_by_other_program(redis_config: ServiceConfig) -> None:
    pid_file = redis_config.state_dir / "redis" / "redis.pid"
    pid_file.parent.mkdir(parents=True)
    other = subprocess.Popen(["sleep", "30"])
    try:
        pid_file.write_text(f"{other.pid}\n")

        services.down(redis_config, ["redis"])

        assert other.poll() is None
        assert not pid_file.exists()
    finally:
        other.kill()
        other.wait()


def test_redis_reuses_foreign_server(redis_config: ServiceConfig, tmp_path: Path) -> None:
    owner = dataclasses.replace(redis_config, state_dir=tmp_path / "owner")
    (foreign,) = services.up(owner, ["redis"])
    try:
        (state,) = services.up(redis_config, ["redis"])
        (stopped,) = services.down(redis_config, ["redis"])

        assert not state.started
        assert state.pid is None
        assert state.detail == "already running, not started by scmflow (down leaves it)"
        assert stopped.responding
        assert process_arguments(foreign.pid) is not None
    finally:
        services.down(owner, ["redis"])


def test_redis_port_taken_by_other_program(redis_config: ServiceConfig) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", redis_config.redis_port))
        listener.listen()

        with pytest.raises(ServiceError, match=f"port 127.0.0.1:{redis_config.redis_port}"):
            services.up(redis_config, ["redis"])


def test_redis_external_url_starts_nothing(redis_config: ServiceConfig, tmp_path: Path) -> None:
    (server,) = services.up(redis_config, ["redis"])
    external = ServiceConfig(
        state_dir=tmp_path / "external", external_redis_url=redis_config.redis_url
    )

    (state,) = services.up(external, ["redis"])
    (stopped,) = services.down(external, ["redis"])

    assert not state.started
    assert state.pid is None
    assert state.detail == "set by REDIS_URL, so no server was started"
    assert not (tmp_path / "external" / "redis").exists()
    assert stopped.responding
    assert process_arguments(server.pid) is not None


def test_redis_external_url_not_responding(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    config = ServiceConfig(state_dir=tmp_path, external_redis_url=url, redis_start_timeout=0.5)

    with pytest.raises(ServiceError, match="REDIS_URL is set, so scmflow starts no Redis"):
        services.up(config, ["redis"])


def test_kafka_up_starts_broker(kafka_config: ServiceConfig) -> None:
    (state,) = services.up(kafka_config, ["kafka"])

    assert state.started
    assert state.responding
    assert state.pid is not None
    assert kafka_responds(kafka_config.bootstrap_servers)
    kafka_dir = kafka_config.state_dir / "kafka"
    assert (kafka_dir / "data" / "meta.properties").exists()
    assert "Kafka Server started" in (kafka_dir / "server.log").read_text()
    assert (kafka_dir / "classpath.txt").exists()


def test_kafka_up_twice_starts_nothing(kafka_config: ServiceConfig) -> None:
    (first,) = services.up(kafka_config, ["kafka"])
    (second,) = services.up(kafka_config, ["kafka"])

    assert not second.started
    assert second.pid == first.pid
    assert "already running, started by scmflow" in second.detail


def test_kafka_status_reports_running(kafka_config: ServiceConfig) -> None:
    (started,) = services.up(kafka_config, ["kafka"])

    (state,) = services.status(kafka_config, ["kafka"])

    assert state.responding
    assert state.pid == started.pid
    assert state.address == kafka_config.bootstrap_servers


def test_kafka_external_bootstrap_starts_nothing(
    kafka_config: ServiceConfig, tmp_path: Path
) -> None:
    services.up(kafka_config, ["kafka"])
    external = ServiceConfig(
        state_dir=tmp_path, external_bootstrap_servers=kafka_config.bootstrap_servers
    )

    (state,) = services.up(external, ["kafka"])
    (stopped,) = services.down(external, ["kafka"])

    assert not state.started
    assert state.detail == "set by KAFKA_BOOTSTRAP_SERVERS, so no broker was started"
    assert not (tmp_path / "kafka").exists()
    assert stopped.responding


def test_kafka_down_and_restart(kafka_config: ServiceConfig) -> None:
    (started,) = services.up(kafka_config, ["kafka"])

    (stopped,) = services.down(kafka_config, ["kafka"])
    (restarted,) = services.up(kafka_config, ["kafka"])

    assert stopped.detail == f"stopped (pid {started.pid})"
    assert not stopped.responding
    assert process_arguments(started.pid) is None
    # The second start reuses the formatted storage and the cached class path.
    assert restarted.started
    assert restarted.responding


def test_kafka_timeout_stops_broker(tmp_path: Path) -> None:
    config = ServiceConfig(
        state_dir=tmp_path,
        kafka_port=_free_port(),
        controller_port=_free_port(),
        kafka_start_timeout=0.5,
    )

    with pytest.raises(ServiceError) as raised:
        services.up(config, ["kafka"])

    message = str(raised.value)
    assert f"timed out after 0.5 s waiting for a broker at {config.bootstrap_servers}" in message
    assert f"Last lines of {tmp_path / 'kafka' / 'server.log'}" in message
    assert not (tmp_path / "kafka" / "kafka.pid").exists()
    (state,) = services.status(config, ["kafka"])
    assert not state.responding
    assert state.detail == "not running"


def test_dev_cli_environment_override(
    kafka_config: ServiceConfig,
    redis_config: ServiceConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services.up(kafka_config, ["kafka"])
    services.up(redis_config, ["redis"])
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_config.bootstrap_servers)
    monkeypatch.setenv("REDIS_URL", redis_config.redis_url)
    monkeypatch.setenv("SCMFLOW_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        up_code = _run_dev(["up"])
        up_output = capsys.readouterr().out
        status_code = _run_dev(["status"])
        status_output = capsys.readouterr().out
        down_code = _run_dev(["down"])
    finally:
        get_settings.cache_clear()

    assert up_code == 0
    assert "set by KAFKA_BOOTSTRAP_SERVERS, so no broker was started" in up_output
    assert "set by REDIS_URL, so no server was started" in up_output
    assert status_code == 0
    assert f"kafka  {kafka_config.bootstrap_servers}" in status_output
    assert down_code == 0
    assert not (tmp_path / "kafka").exists()
    assert not (tmp_path / "redis").exists()
    assert kafka_responds(kafka_config.bootstrap_servers)
    assert redis_responds(redis_config.redis_url)


def test_dev_cli_status_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{_free_port()}/0")
    monkeypatch.setenv("SCMFLOW_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        exit_code = _run_dev(["status", "redis"])
    finally:
        get_settings.cache_clear()

    assert exit_code == 1
    assert "no response" in capsys.readouterr().out
