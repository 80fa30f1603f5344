"""Tests of the local-services helpers that need no running server."""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scmflow import services
from scmflow.services import (
    ServiceConfig,
    ServiceError,
    ServiceState,
    _kafka_files,
    _process,
    format_states,
    redis_server,
)
from scmflow.services.kafka_broker import _parse_bootstrap_servers
from scmflow.settings import Settings


def _exited_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_config_from_settings_defaults(tmp_path: Path) -> None:
    config = ServiceConfig.from_settings(Settings(state_dir=tmp_path))

    assert config.state_dir == tmp_path
    assert config.external_bootstrap_servers is None
    assert config.external_redis_url is None
    assert config.bootstrap_servers == "127.0.0.1:9092"
    assert config.redis_url == "redis://127.0.0.1:6379/0"


def test_config_from_settings_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker.example:29092")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6380/1")

    config = ServiceConfig.from_settings(Settings())

    assert config.external_bootstrap_servers == "broker.example:29092"
    assert config.bootstrap_servers == "broker.example:29092"
    assert config.external_redis_url == "redis://cache.example:6380/1"
    assert config.redis_url == "redis://cache.example:6380/1"


def test_config_local_ports(tmp_path: Path) -> None:
    config = ServiceConfig(state_dir=tmp_path, kafka_port=19500, redis_port=19501)

    assert config.bootstrap_servers == "127.0.0.1:19500"
    assert config.redis_url == "redis://127.0.0.1:19501/0"


def test_format_states_aligns_columns(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    log_file.write_text("")
    states = [
        ServiceState("kafka", "127.0.0.1:9092", True, "started (pid 10)", 10, log_file),
        ServiceState("redis", "redis://127.0.0.1:6379/0", False, "not running"),
    ]

    lines = format_states(states).splitlines()

    assert len(lines) == 2
    assert lines[0].startswith("kafka  127.0.0.1:9092            responds     started (pid 10)")
    assert lines[0].endswith(f"; log: {log_file}")
    assert lines[1] == "redis  redis://127.0.0.1:6379/0  no response  not running"


def test_format_states_omits_missing_log(tmp_path: Path) -> None:
    state = ServiceState("kafka", "a:1", False, "not running", log_file=tmp_path / "none.log")

    assert "log:" not in format_states([state])


def test_check_pid_file_missing(tmp_path: Path) -> None:
    check = _process.check_pid_file(tmp_path / "server.pid", ["anything"])

    assert check.pid is None
    assert not check.stale


def test_check_pid_file_exited_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    pid = _exited_pid()
    pid_file.write_text(f"{pid}\n")

    check = _process.check_pid_file(pid_file, ["true"])

    assert check.pid is None
    assert check.stale
    assert check.recorded_pid == pid


def test_check_pid_file_other_program(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    pid_file.write_text(f"{os.getpid()}\n")

    check = _process.check_pid_file(pid_file, ["redis-server", "127.0.0.1:6379"])

    assert check.pid is None
    assert check.stale
    assert check.recorded_pid == os.getpid()


def test_check_pid_file_matching_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    pid_file.write_text(f"{os.getpid()}\n")
    program = Path(sys.executable).name

    check = _process.check_pid_file(pid_file, [program])

    assert check.pid == os.getpid()
    assert not check.stale


def test_check_pid_file_garbage(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    pid_file.write_text("not a pid\n")

    check = _process.check_pid_file(pid_file, ["anything"])

    assert check.pid is None
    assert check.stale


def test_stop_process_exited_pid() -> None:
    assert _process.stop_process(_exited_pid(), timeout=1.0) is False


def test_stop_process_needs_sigkill(tmp_path: Path) -> None:
    # The shell ignores SIGTERM, so only SIGKILL ends it. It writes "ready"
    # once the trap is set, so the test does not signal it earlier.
    output_file = tmp_path / "out.log"
    command = ["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"]
    pid = _process.spawn_detached(command, output_file=output_file, cwd=tmp_path)
    deadline = time.monotonic() + 10
    while "ready" not in output_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)

    killed = _process.stop_process(pid, timeout=0.5)

    assert killed is True
    assert _process.process_arguments(pid) is None


def test_spawn_detached_new_session(tmp_path: Path) -> None:
    output_file = tmp_path / "out.log"
    pid = _process.spawn_detached(["sleep", "30"], output_file=output_file, cwd=tmp_path)
    try:
        assert _process.process_arguments(pid) == ["sleep", "30"]
        assert os.getsid(pid) != os.getsid(0)
    finally:
        _process.stop_process(pid, timeout=5.0)


def test_tail_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in _process.tail(tmp_path / "missing.log")


def test_tail_last_lines(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    log_file.write_text("".join(f"line {number}\n" for number in range(100)))

    assert _process.tail(log_file, 3) == "line 97\nline 98\nline 99"


@pytest.mark.parametrize(
    ("bootstrap", "expected"),
    [
        ("127.0.0.1:9092", [("127.0.0.1", 9092)]),
        ("a:1, b:2", [("a", 1), ("b", 2)]),
        ("PLAINTEXT://broker:9092", [("broker", 9092)]),
        ("[::1]:9092", [("::1", 9092)]),
    ],
)
def test_parse_bootstrap_servers(bootstrap: str, expected: list[tuple[str, int]]) -> None:
    assert _parse_bootstrap_servers(bootstrap) == expected


def test_parse_bootstrap_servers_invalid() -> None:
    with pytest.raises(ServiceError, match="invalid bootstrap server 'broker'"):
        _parse_bootstrap_servers("broker")


def test_random_cluster_id_format() -> None:
    for _ in range(200):
        cluster_id = _kafka_files._random_cluster_id()
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_server_properties_use_ports(tmp_path: Path) -> None:
    config = ServiceConfig(state_dir=tmp_path, kafka_port=19500, controller_port=19501)
    paths = _kafka_files.kafka_paths(config)
    paths.root.mkdir()

    _kafka_files.write_server_properties(config, paths)

    lines = paths.server_properties.read_text().splitlines()
    assert "controller.quorum.voters=1@127.0.0.1:19501" in lines
    assert "listeners=PLAINTEXT://127.0.0.1:19500,CONTROLLER://127.0.0.1:19501" in lines
    assert "advertised.listeners=PLAINTEXT://127.0.0.1:19500" in lines
    assert f"log.dirs={tmp_path / 'kafka' / 'data'}" in lines


def test_unknown_service_rejected(tmp_path: Path) -> None:
    config = ServiceConfig(state_dir=tmp_path)

    with pytest.raises(ServiceError, match="unknown service zookeeper"):
        services.status(config, ["zookeeper"])


def test_missing_redis_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_server, "find_redis_server", lambda: None)
    monkeypatch.setattr(redis_server.shutil, "which", lambda name, path=None: f"/usr/bin/{name}")
    monkeypatch.setattr(redis_server.os, "geteuid", lambda: 1000)

    with pytest.raises(ServiceError) as raised:
        redis_server.ensure_redis_server()

    assert "redis-server not found" in str(raised.value)
    assert "sudo apt-get update && sudo apt-get install -y redis-server" in str(raised.value)


def test_missing_redis_root_installs(monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []
    installed: list[str] = []
    monkeypatch.setattr(redis_server, "_apt_lists_updated", False)
    monkeypatch.setattr(
        redis_server, "find_redis_server", lambda: installed[0] if installed else None
    )
    monkeypatch.setattr(redis_server.shutil, "which", lambda name, path=None: f"/usr/bin/{name}")
    monkeypatch.setattr(redis_server.os, "geteuid", lambda: 0)

    def fake_run_apt(command: list[str]) -> None:
        commands.append(command)
        if "install" in command:
            installed.append("/usr/bin/redis-server")

    monkeypatch.setattr(redis_server, "_run_apt", fake_run_apt)

    assert redis_server.ensure_redis_server() == "/usr/bin/redis-server"
    installed.clear()
    assert redis_server.ensure_redis_server() == "/usr/bin/redis-server"

    # apt-get update runs once however often redis-server has to be installed.
    assert commands == [
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"],
        ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"],
    ]


def _dev_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scmflow")
    services.add_dev_parser(parser.add_subparsers())
    return parser


def test_dev_parser_up_arguments() -> None:
    args = _dev_parser().parse_args(["dev", "up", "kafka", "--timeout", "5"])

    assert args.services == ["kafka"]
    assert args.timeout == 5.0
    assert callable(args.handler)


@pytest.mark.parametrize("command", ["up", "down", "status"])
def test_dev_parser_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _dev_parser().parse_args(["dev", command, "--help"])

    assert exited.value.code == 0
    assert f"usage: scmflow dev {command}" in capsys.readouterr().out


def test_dev_without_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    args = _dev_parser().parse_args(["dev"])

    assert args.handler(args) == 2
    assert "usage: scmflow dev" in capsys.readouterr().err
