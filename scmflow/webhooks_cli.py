"""``scmflow webhooks serve``: run the webhook ingress until SIGINT or SIGTERM."""

import argparse
import signal
import sys
import threading
from pathlib import Path

import structlog

from adapters.webhooks import (
    AcknowledgedPublisher,
    DeliveryLedger,
    IngressSettings,
    SecretsFileError,
    WebhookHTTPServer,
    WebhookIngress,
    load_secrets,
)
from adapters.webhooks.ingress import DEFAULT_MAX_BODY_BYTES
from adapters.webhooks.producer import DEFAULT_DELIVERY_TIMEOUT_S
from adapters.webhooks.secrets_file import SECRETS_FILE_VARIABLE, secrets_path_from_environment
from adapters.webhooks.signatures import DEFAULT_TOLERANCE_S
from processors.topology import load_topology
from scmflow.settings import get_settings
from scmflow.webhook_metrics import serve_webhook_metrics

log = structlog.get_logger("scmflow.webhooks")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8088
EXIT_USAGE = 2


def add_webhooks_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``webhooks serve`` on the top-level subcommands."""
    webhooks = subparsers.add_parser("webhooks", help="receive carrier and commerce webhooks")
    commands = webhooks.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the webhook ingress: verify, then publish each request to the raw topic",
        description="Serve POST /webhooks/<source> for easypost, ups, shippo, shopify and "
        "woocommerce. Each request's HMAC signature is checked on the raw body, the body is "
        "published unchanged to the raw webhook topic, and the response is 2xx only after Kafka "
        "acknowledged it (503 otherwise). A repeated event id gets 200 with "
        '{"duplicate": true} and not published again. Runs until SIGINT or SIGTERM.',
    )

    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port to listen on (default {DEFAULT_PORT})",
    )
    serve.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="YAML or JSON file mapping each source to its shared secret or list of secrets "
        f"(default: the file named by {SECRETS_FILE_VARIABLE})",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="largest accepted request body in bytes; the response to a larger one is 413 "
        f"(default {DEFAULT_MAX_BODY_BYTES})",
    )
    serve.add_argument(
        "--timestamp-tolerance",
        type=float,
        default=DEFAULT_TOLERANCE_S,
        help="seconds a signed timestamp may differ from the server's clock before the request "
        f"is rejected as a replay (default {DEFAULT_TOLERANCE_S})",
    )
    serve.add_argument(
        "--delivery-timeout",
        type=float,
        default=DEFAULT_DELIVERY_TIMEOUT_S,
        help="seconds to wait for Kafka's acknowledgement before responding 503 "
        f"(default {DEFAULT_DELIVERY_TIMEOUT_S:g})",
    )
    serve.add_argument(
        "--topic", help="raw topic to publish to (default: sources.webhook.topic of topology.yaml)"
    )

    serve.add_argument(
        "--metrics-port",
        type=int,
        default=9465,
        help="TCP port of /metrics with scmflow_webhook_requests_total; 0 disables it "
        "(default 9465)",
    )

    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Start the server and block until SIGINT or SIGTERM; return the exit code."""
    secrets_path = args.secrets or secrets_path_from_environment()
    if secrets_path is None:
        print(
            f"error: no secrets file; pass --secrets FILE or set {SECRETS_FILE_VARIABLE}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        secrets = load_secrets(secrets_path)
    except SecretsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not secrets:
        print(f"error: {secrets_path} configures no source; nothing to serve", file=sys.stderr)
        return EXIT_USAGE

    settings = get_settings()
    source = load_topology(settings.topology_file).sources["webhook"]
    ingress = WebhookIngress(
        secrets=secrets,
        publisher=AcknowledgedPublisher(
            settings.bootstrap_servers, delivery_timeout_s=args.delivery_timeout
        ),
        settings=IngressSettings(
            topic=args.topic or source.topic,
            max_body_bytes=args.max_body_bytes,
            timestamp_tolerance_s=args.timestamp_tolerance,
        ),
        ledger=DeliveryLedger.from_url(settings.redis, ttl_s=source.dedupe_ttl_seconds),
    )
    try:
        server = WebhookHTTPServer((args.host, args.port), ingress)
    except OSError as exc:
        ingress.close()
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1

    if args.metrics_port:
        serve_webhook_metrics(ingress.request_counts, args.host, args.metrics_port)

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    thread = threading.Thread(target=server.serve_forever, name="webhook-server", daemon=True)
    thread.start()
    log.info(
        "webhook_server_started",
        address=f"{args.host}:{server.port}",
        topic=ingress.settings.topic,
        sources=sorted(secrets),
    )
    while not stop.wait(0.5):
        pass
    server.shutdown()
    thread.join()
    server.server_close()
    log.info("webhook_server_stopped", requests=sum(ingress.request_counts().values()))
    return 0
