"""The `scmflow dev` command: start, stop and inspect the local Kafka broker and Redis."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from scmflow.services._common import SERVICE_NAMES, ServiceConfig, ServiceError, format_states
from scmflow.services._lifecycle import down, status, up

_SERVICES_HELP = (
    f"services to act on: {' or '.join(SERVICE_NAMES)} (default: all). "
    "KAFKA_BOOTSTRAP_SERVERS or REDIS_URL, when set, point at servers that "
    "scmflow only checks and never starts or stops."
)


def add_dev_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `dev up`, `dev down` and `dev status` on an argparse subparsers object.

    Each leaf parser sets `handler`, a function that takes the parsed
    namespace and returns the process exit code.
    """
    dev = subparsers.add_parser(
        "dev",
        help="start, stop or inspect the local Kafka broker and Redis server",
        description=(
            "Run a single-node Kafka broker on 127.0.0.1:9092 and a Redis server on "
            "127.0.0.1:6379 for development and tests, without Docker. Data, logs and "
            "pid files live in the state folder (SCMFLOW_STATE_DIR, default .local/)."
        ),
    )
    dev.set_defaults(handler=lambda _args: _print_usage(dev))
    commands = dev.add_subparsers(title="commands", metavar="COMMAND")

    up_parser = commands.add_parser(
        "up",
        help="start the services that are not running and wait until they respond",
        description=(
            "Start the local services that do not respond yet and wait until they do. "
            "Running `up` again starts nothing. Installs redis-server with apt-get "
            "when it is missing and this runs as root."
        ),
    )
    up_parser.add_argument("services", nargs="*", metavar="SERVICE", help=_SERVICES_HELP)
    up_parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="maximum seconds to wait for the Kafka broker to respond (default: 90)",
    )
    up_parser.set_defaults(handler=_handle_up)

    down_parser = commands.add_parser(
        "down",
        help="stop the services that `scmflow dev up` started",
        description=(
            "Stop the servers that `scmflow dev up` started (SIGTERM, then SIGKILL after "
            "60 s). Servers that scmflow did not start are left running."
        ),
    )
    down_parser.add_argument("services", nargs="*", metavar="SERVICE", help=_SERVICES_HELP)
    down_parser.set_defaults(handler=_handle_down)

    status_parser = commands.add_parser(
        "status",
        help="show each service's address, whether it responds and who started it",
        description=(
            "Show each service's address, whether it responds, and the pid of the server "
            "when scmflow started it. Exits with 0 when every service responds, else 1."
        ),
    )
    status_parser.add_argument("services", nargs="*", metavar="SERVICE", help=_SERVICES_HELP)
    status_parser.set_defaults(handler=_handle_status)
    return dev


def _handle_up(args: argparse.Namespace) -> int:
    config = ServiceConfig.from_settings()
    if args.timeout is not None:
        config = dataclasses.replace(config, kafka_start_timeout=args.timeout)
    try:
        states = up(config, args.services or SERVICE_NAMES)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_states(states))
    return 0


def _handle_down(args: argparse.Namespace) -> int:
    try:
        states = down(services=args.services or SERVICE_NAMES)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_states(states))
    return 0


def _handle_status(args: argparse.Namespace) -> int:
    try:
        states = status(services=args.services or SERVICE_NAMES)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_states(states))
    return 0 if all(state.responding for state in states) else 1


def _print_usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
