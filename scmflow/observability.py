"""The worker's HTTP endpoints: /metrics, /healthz and /readyz.

/healthz is liveness: every stage loop is making progress, or is idle with no
lag (processors.runtime.health). /readyz is readiness: every stage has
partitions assigned and the broker and Redis respond. Both return 200 or 503
with a JSON body naming each stage's state.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import redis
import structlog
from confluent_kafka.admin import AdminClient
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from processors.runtime.metrics import REGISTRY
from scmflow.worker import Workers

log = structlog.get_logger("scmflow.http")

DEFAULT_STALL_TIMEOUT_S = 30.0
_CHECK_TIMEOUT_S = 2.0


class StatusEndpoints:
    """Computes the health and readiness documents of a set of workers."""

    def __init__(
        self,
        workers: Workers,
        *,
        bootstrap_servers: str,
        redis_url: str | None,
        stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
    ) -> None:
        self.workers = workers
        self.stall_timeout_s = stall_timeout_s
        self._admin = AdminClient({"bootstrap.servers": bootstrap_servers})
        self._redis = (
            redis.Redis.from_url(
                redis_url, socket_timeout=_CHECK_TIMEOUT_S, socket_connect_timeout=_CHECK_TIMEOUT_S
            )
            if redis_url
            else None
        )

    def health(self) -> tuple[bool, dict]:
        stages = {}
        for runner in self.workers.runners:
            report = runner.heartbeat.liveness(self.stall_timeout_s)
            stages[runner.config.stage] = {"healthy": report.healthy, "reason": report.reason}
        for stage, exc in self.workers.failures.items():
            stages[stage] = {"healthy": False, "reason": f"stopped: {exc}"}
        healthy = bool(stages) and all(state["healthy"] for state in stages.values())
        return healthy, {"status": "ok" if healthy else "unhealthy", "stages": stages}

    def readiness(self) -> tuple[bool, dict]:
        checks = {
            "broker": self._broker_answers(),
            "redis": self._redis_answers(),
        }
        for runner in self.workers.runners:
            checks[f"{runner.config.stage}.assigned"] = runner.ready()
        ready = all(checks.values())
        return ready, {"status": "ready" if ready else "not ready", "checks": checks}

    def _broker_answers(self) -> bool:
        try:
            self._admin.list_topics(timeout=_CHECK_TIMEOUT_S)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    def _redis_answers(self) -> bool:
        if self._redis is None:
            return True
        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False


def serve(endpoints: StatusEndpoints, host: str, port: int) -> ThreadingHTTPServer:
    """Start the HTTP server in a daemon thread and return it (``shutdown()`` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            if self.path == "/metrics":
                self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            elif self.path == "/healthz":
                ok, document = endpoints.health()
                self._send_json(200 if ok else 503, document)
            elif self.path == "/readyz":
                ok, document = endpoints.readiness()
                self._send_json(200 if ok else 503, document)
            else:
                self._send_json(404, {"error": f"no endpoint {self.path}"})

        def _send_json(self, status: int, document: dict) -> None:
            self._send(status, json.dumps(document).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # scrapes and probes every few seconds would flood the log

    server = ThreadingHTTPServer((host, port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="status-http", daemon=True)
    thread.start()
    log.info("status_server_started", host=host, port=server.server_address[1])
    return server
