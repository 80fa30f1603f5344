"""Process helpers: pid files, liveness checks, detached start and graceful stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KILL_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class PidFileCheck:
    """Result of reading a pid file."""

    pid: int | None
    """Pid of the live server that the file names, or None."""
    stale: bool = False
    """True when the file exists but names no live process of the expected server."""
    recorded_pid: int | None = None


def read_pid_file(pid_file: Path) -> int | None:
    try:
        text = pid_file.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def write_pid_file(pid_file: Path, pid: int) -> None:
    temporary = pid_file.with_suffix(".tmp")
    temporary.write_text(f"{pid}\n")
    temporary.replace(pid_file)


def process_arguments(pid: int) -> list[str] | None:
    """Return the command-line arguments of a live process, or None when it has exited.

    A zombie (exited but not yet reaped) counts as exited, because its
    /proc/PID/cmdline is empty. Systems without /proc fall back to `ps`, which
    joins the arguments with spaces.
    """
    if Path("/proc/self/cmdline").exists():
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return None
        arguments = [part.decode(errors="replace") for part in raw.split(b"\0") if part]
        return arguments or None
    result = subprocess.run(
        ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True
    )
    fields = result.stdout.strip().split(maxsplit=1)
    if result.returncode != 0 or len(fields) < 2 or fields[0].startswith("Z"):
        return None
    return [fields[1]]


def check_pid_file(pid_file: Path, markers: Sequence[str]) -> PidFileCheck:
    """Read a pid file and check that its process is alive and is the expected server.

    Every marker must equal one argument of the process, or one space-separated
    word of an argument, or the file name of such a word. Servers such as
    redis-server rewrite their process title to one argument with spaces
    ("/usr/bin/redis-server 127.0.0.1:6379"). A pid that the system has since
    given to an unrelated program is reported as stale.
    """
    pid = read_pid_file(pid_file)
    if pid is None:
        return PidFileCheck(pid=None, stale=pid_file.exists())
    arguments = process_arguments(pid)
    if arguments is not None:
        words = set(arguments)
        for argument in arguments:
            for word in argument.split():
                words.update((word, os.path.basename(word)))
        if all(marker in words for marker in markers):
            return PidFileCheck(pid=pid, recorded_pid=pid)
    return PidFileCheck(pid=None, stale=True, recorded_pid=pid)


def spawn_detached(command: Sequence[str], *, output_file: Path, cwd: Path) -> int:
    """Start `command` in a new session, detached from this process, and return its pid.

    A short-lived shell starts the command in the background and exits, so the
    server is re-parented to init: it outlives the caller and the caller never
    has to reap it. Standard output and error are appended to `output_file`.
    """
    script = 'output=$1; shift; "$@" </dev/null >>"$output" 2>&1 & echo $!'
    result = subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(output_file), *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        start_new_session=True,
        check=True,
    )
    return int(result.stdout.strip())


def stop_process(pid: int, timeout: float) -> bool:
    """Send SIGTERM, wait up to `timeout` seconds, then send SIGKILL.

    Returns True when the process needed SIGKILL. Raises TimeoutError when it
    is still alive `KILL_WAIT_SECONDS` after SIGKILL.
    """
    if not _signal(pid, signal.SIGTERM):
        return False
    if _wait_for_exit(pid, timeout):
        return False
    _signal(pid, signal.SIGKILL)
    if not _wait_for_exit(pid, KILL_WAIT_SECONDS):
        raise TimeoutError(f"process {pid} is still alive {KILL_WAIT_SECONDS:g} s after SIGKILL")
    return True


def port_accepts(host: str, port: int, timeout: float = 0.5) -> bool:
    """Return True when a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, line_count: int = 30) -> str:
    """Return the last lines of a text file, or a note when the file is missing."""
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            size = log_file.tell()
            log_file.seek(max(0, size - 64 * 1024))
            text = log_file.read().decode(errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-line_count:])


def _signal(pid: int, signal_number: int) -> bool:
    try:
        os.kill(pid, signal_number)
    except ProcessLookupError:
        return False
    return True


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while process_arguments(pid) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True
