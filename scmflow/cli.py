"""The `scmflow` command line."""

import argparse
import signal
import sys
from pathlib import Path

from confluent_kafka import KafkaException

from canonical.errors import ScmflowError
from processors.topology import Topology, load_topology
from scmflow.logs import configure_logging
from scmflow.settings import get_settings


def _topology() -> Topology:
    return load_topology(get_settings().topology_file)


def _cmd_topics_apply(args: argparse.Namespace) -> int:
    from scmflow.topics import apply_topics

    settings = get_settings()
    report = apply_topics(_topology(), settings.bootstrap_servers)
    for name in report.created:
        print(f"created   {name}")
    for name, differences in sorted(report.drifted.items()):
        print(f"differs   {name}: {'; '.join(differences)}")
    print(
        f"{len(report.created)} created, {len(report.unchanged)} up to date, "
        f"{len(report.drifted)} differ from {settings.topology_file.name}"
    )
    return 1 if report.drifted else 0


def _cmd_run(args: argparse.Namespace) -> int:
    from scmflow.observability import StatusEndpoints, serve
    from scmflow.watchdog import Watchdog
    from scmflow.worker import STAGES, Workers, build_runner

    settings = get_settings()
    topology = _topology()
    stages = STAGES if args.stage == "all" else (args.stage,)
    workers = Workers(
        build_runner(
            stage,
            topology,
            bootstrap_servers=settings.bootstrap_servers,
            redis_url=settings.redis,
            slot=args.slot,
            max_attempts=settings.max_attempts,
            group_prefix=args.group_prefix,
            dedupe_key_prefix=f"{args.group_prefix}:dedupe:",
        )
        for stage in stages
    )

    def request_stop(signum: int, frame: object) -> None:
        workers.stop_event.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server = None
    if args.metrics_port:
        endpoints = StatusEndpoints(
            workers,
            bootstrap_servers=settings.bootstrap_servers,
            redis_url=settings.redis if "dedupe" in stages else None,
            stall_timeout_s=args.stall_timeout,
        )
        server = serve(endpoints, args.metrics_host, args.metrics_port)
    workers.start()
    watchdog = None
    if args.stall_exit_after:
        watchdog = Watchdog(workers.runners, exit_after_s=args.stall_exit_after)
        watchdog.start()
    while workers.alive() and not workers.stop_event.is_set():
        workers.stop_event.wait(0.5)
    if watchdog is not None:
        watchdog.stop()
    workers.stop()
    if server is not None:
        server.shutdown()
    return 1 if workers.failures else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from scmflow import services
    from scmflow.demo import SAMPLES_DIR, run_demo

    settings = get_settings()
    services.up()
    files = [Path(name) for name in args.files] or sorted(SAMPLES_DIR.glob("*.edi"))
    return run_demo(
        files,
        _topology(),
        bootstrap_servers=settings.bootstrap_servers,
        redis_url=settings.redis,
    )


def _cmd_status(args: argparse.Namespace) -> int:
    from scmflow.status import run_status

    settings = get_settings()
    return run_status(
        _topology(),
        bootstrap_servers=settings.bootstrap_servers,
        redis_url=settings.redis,
        window_s=args.window,
        out=sys.stdout,
        group_prefix=args.group_prefix,
    )


def _cmd_chaos(args: argparse.Namespace) -> int:
    from scmflow.chaos.runner import ChaosConfig, run_chaos

    config = ChaosConfig(
        events=args.events,
        kills=args.kills,
        redis_restarts=args.redis_restarts,
        broker_restarts=args.broker_restarts,
        seed=args.seed,
        keep_state=args.keep_state,
    )
    return run_chaos(config, sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    from scmflow.corpus_report import add_corpus_report_parser
    from scmflow.dlq import add_dlq_parser
    from scmflow.ingest import add_ingest_x12_parser
    from scmflow.ingest_edifact import add_ingest_edifact_parser
    from scmflow.ingest_flatfile import add_ingest_flatfile_parser
    from scmflow.preview import add_normalize_parser
    from scmflow.schemas_cli import add_schemas_parser
    from scmflow.services import add_dev_parser
    from scmflow.webhooks_cli import add_webhooks_parser

    parser = argparse.ArgumentParser(
        prog="scmflow",
        description="Streaming event processor for supply-chain integrations on Kafka.",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="log level of the stages and services: DEBUG, INFO, WARNING or ERROR (default INFO)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    add_dev_parser(commands)

    topics = commands.add_parser("topics", help="manage the topics listed in topology.yaml")
    topics_commands = topics.add_subparsers(dest="topics_command", metavar="ACTION", required=True)
    apply = topics_commands.add_parser(
        "apply",
        help="create missing topics and report existing ones whose settings differ",
        description="Create every missing topic of topology.yaml. Existing topics are not "
        "changed; differences in partitions or configs are reported and the exit status is 1.",
    )
    apply.set_defaults(handler=_cmd_topics_apply)

    ingest = commands.add_parser("ingest", help="publish partner files to a raw topic")
    ingest_commands = ingest.add_subparsers(dest="ingest_format", metavar="FORMAT", required=True)
    add_ingest_x12_parser(ingest_commands)
    add_ingest_edifact_parser(ingest_commands)
    add_ingest_flatfile_parser(ingest_commands)

    run = commands.add_parser(
        "run",
        help="run pipeline stages until interrupted",
        description="Run one stage, or all of them in threads of one process, until SIGINT "
        "or SIGTERM. Each batch commits outputs, dead letters and input offsets in one "
        "Kafka transaction.",
    )
    run.add_argument(
        "--stage",
        choices=["all", "normalize", "dedupe", "fanout"],
        default="all",
        help="stage to run (default: all)",
    )
    run.add_argument(
        "--slot",
        type=int,
        default=0,
        help="worker slot number, unique per worker of a stage; sets the transactional id",
    )
    run.add_argument(
        "--group-prefix",
        default="scmflow",
        help="prefix of consumer group ids, transactional ids and Redis dedupe keys; give "
        "each pipeline sharing a cluster its own (default: scmflow)",
    )
    run.add_argument(
        "--metrics-port",
        type=int,
        default=9464,
        help="TCP port of the /metrics, /healthz and /readyz endpoints; 0 disables them "
        "(default: 9464)",
    )
    run.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="address the endpoints listen on (default: 127.0.0.1)",
    )
    run.add_argument(
        "--stall-timeout",
        type=float,
        default=30.0,
        help="seconds without progress, while records wait, after which /healthz "
        "reports the stage unhealthy (default: 30)",
    )
    run.add_argument(
        "--stall-exit-after",
        type=float,
        default=120.0,
        help="seconds a transactional call may run before the worker exits with status 70 "
        "so that its supervisor restarts it; 0 disables (default: 120)",
    )
    run.set_defaults(handler=_cmd_run)

    add_normalize_parser(commands)
    add_schemas_parser(commands)
    add_dlq_parser(commands)
    add_corpus_report_parser(commands)
    add_webhooks_parser(commands)

    status = commands.add_parser(
        "status",
        help="show lag, throughput and dead letters of every stage",
        description="Show whether the broker and Redis can be reached and, per stage, the lag "
        "of each input partition, committed records per second over a short window, and the "
        "dead-letter topic's records by error code. Exit status 1 when the broker or Redis "
        "cannot be reached.",
    )
    status.add_argument(
        "--window",
        type=float,
        default=2.0,
        help="seconds over which throughput is measured (default: 2)",
    )
    status.add_argument(
        "--group-prefix",
        default="scmflow",
        help="group prefix the workers run with, as given to `scmflow run` (default: scmflow)",
    )
    status.set_defaults(handler=_cmd_status)

    chaos = commands.add_parser(
        "chaos",
        help="run the pipeline under injected faults and verify nothing is lost (make chaos)",
        description="Start a broker, Redis and one worker process per stage of this run's own; "
        "send numbered events with resends and poison records while killing workers (at "
        "random and at named failpoints), restarting Redis empty and restarting the broker; "
        "then heal, drain and count lost, duplicated, reordered and phantom events and dead "
        "letters that are not the poison set. Fixes the poison cause, replays the DLQ twice "
        "and counts again. Exit status 0 when every count is 0.",
    )
    chaos.add_argument("--events", type=int, default=100_000, help="events to send")
    chaos.add_argument("--kills", type=int, default=30, help="worker kills to inject")
    chaos.add_argument(
        "--redis-restarts", type=int, default=2, help="times Redis is restarted empty"
    )
    chaos.add_argument("--broker-restarts", type=int, default=1, help="broker restarts")
    chaos.add_argument("--seed", type=int, help="random seed, to repeat a run")
    chaos.add_argument(
        "--keep-state", action="store_true", help="keep the run's folder with worker logs"
    )
    chaos.set_defaults(handler=_cmd_chaos)

    demo = commands.add_parser(
        "demo",
        help="run the whole pipeline on sample files and print a summary (make run)",
        description="Start the local services, apply the topics, run every stage, ingest the "
        "files (default: the bundled X12 ship notices), wait until the pipeline has drained "
        "and print the records per topic, dead letters by code and duplicates dropped.",
    )
    demo.add_argument("files", nargs="*", metavar="FILE", help="X12 files to ingest")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        configure_logging(args.log_level)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        return args.handler(args)
    except ScmflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KafkaException as exc:
        settings = get_settings()
        print(
            f"error: Kafka at {settings.bootstrap_servers} failed: {exc.args[0].str()}; "
            "check that the broker answers with `scmflow dev status`",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
