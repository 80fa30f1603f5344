"""The HTTP front of the webhook ingress: ``POST /webhooks/<provider>`` on a threading server.

The handler reads the body under the size limit and hands it to
``WebhookIngress``. The limit is checked from Content-Length before reading
(413 without reading the body) and enforced again while reading. Bodies
without Content-Length (chunked transfer encoding) get 411. Every
reply is JSON, and every request gets one structlog line with the source,
status, duration and event id, never a header value or the body.
"""

import json
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import structlog

from adapters.webhooks.ingress import Reply, WebhookIngress, error_reply

log = structlog.get_logger("scmflow.webhooks")

ROUTE = re.compile(r"/webhooks/(?P<source>[^/]+)/?")
READ_CHUNK_BYTES = 64 * 1024
SOCKET_TIMEOUT_S = 10.0
"""Seconds a client may stay silent while sending its request before it gets 408."""
DRAIN_TIMEOUT_S = 1.0


class WebhookRequestHandler(BaseHTTPRequestHandler):
    server: "WebhookHTTPServer"
    server_version = "scmflow-webhooks"
    timeout = SOCKET_TIMEOUT_S

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def log_message(self, format: str, *args: object) -> None:
        # The standard access log would print the path and client on stderr; the
        # structlog line in _dispatch replaces it.
        return

    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        ingress = self.server.ingress
        match = ROUTE.fullmatch(urlsplit(self.path).path)
        source = match["source"] if match else None
        body_length = 0

        if source is None:
            reply = error_reply(404, "not_found", "no route; POST to /webhooks/<source>")
        elif method != "POST":
            reply = error_reply(
                405, "method_not_allowed", f"{method} is not allowed; use POST", Allow="POST"
            )
        else:
            body_or_reply = self._read_body(ingress.settings.max_body_bytes)
            if isinstance(body_or_reply, Reply):
                reply = body_or_reply
            else:
                body_length = len(body_or_reply)
                headers = {name.lower(): value for name, value in reversed(self.headers.items())}
                reply = ingress.handle(source, headers, body_or_reply)

        self._send(reply, with_body=method != "HEAD")
        ingress.record(source or "none", reply.status)
        log_method = log.warning if reply.status >= 500 else log.info
        log_method(
            "webhook_request",
            source=source,
            method=method,
            status=reply.status,
            reason=reply.reason,
            event_id=reply.event_id,
            duplicate=reply.body.get("duplicate"),
            body_bytes=body_length,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _read_body(self, limit: int) -> bytes | Reply:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return error_reply(
                411, "length_required", "chunked bodies are not accepted; send Content-Length"
            )
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return error_reply(411, "length_required", "the Content-Length header is missing")
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            return error_reply(
                400, "body_invalid", f"Content-Length {length_text!r} is not a byte count"
            )
        if length > limit:
            self._discard(min(length, limit))
            return _too_large(length, limit)

        chunks = []
        received = 0
        try:
            while received < length:
                chunk = self.rfile.read(min(READ_CHUNK_BYTES, length - received))
                if not chunk:
                    self.close_connection = True
                    return error_reply(
                        400,
                        "body_invalid",
                        f"the body ended after {received} of {length} bytes (Content-Length)",
                    )
                received += len(chunk)
                if received > limit:
                    return _too_large(received, limit)
                chunks.append(chunk)
        except TimeoutError:
            self.close_connection = True
            return error_reply(
                408,
                "request_timeout",
                f"the body stalled after {received} of {length} bytes for {SOCKET_TIMEOUT_S:.0f} s",
            )
        return b"".join(chunks)

    def _discard(self, max_bytes: int) -> None:
        """Read and drop up to ``max_bytes`` of an oversized body before the connection closes.

        Closing a socket with unread data sends a TCP reset, which can destroy the
        413 reply before the client reads it. The drained bytes are not kept.
        """
        self.close_connection = True
        self.connection.settimeout(DRAIN_TIMEOUT_S)
        remaining = max_bytes
        try:
            while remaining > 0:
                chunk = self.rfile.read1(min(READ_CHUNK_BYTES, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
        except (TimeoutError, OSError):
            pass

    def _send(self, reply: Reply, *, with_body: bool) -> None:
        payload = json.dumps(reply.body, separators=(",", ":")).encode("utf-8")
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if with_body:
                self.wfile.write(payload)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _too_large(length: int, limit: int) -> Reply:
    return error_reply(
        413, "body_too_large", f"the body has {length} bytes; the limit is {limit} bytes"
    )


class WebhookHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server whose handlers share one ``WebhookIngress``.

    ``server_close`` waits for the requests in flight, each bounded by the socket
    timeout and the delivery timeout, then closes the ingress.
    """

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], ingress: WebhookIngress) -> None:
        self.ingress = ingress
        super().__init__(address, WebhookRequestHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def server_close(self) -> None:
        super().server_close()
        self.ingress.close()
