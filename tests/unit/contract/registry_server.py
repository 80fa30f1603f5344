"""A small schema registry over real HTTP on 127.0.0.1, for tests.

It implements the REST endpoints that confluent-kafka's SchemaRegistryClient
calls for registration, look-up, reading by id, compatibility tests and
configuration, with the Confluent registry's status and error codes.
Compatibility is decided the way the registry does, with Apache Avro's
checker (here its Python port, ``avro.compatibility``), so tests can show
where the local checker is stricter. confluent-kafka's ``mock://`` registry
cannot stand in: it accepts incompatible schemas and has no compatibility
endpoints.
"""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from canonical.schema_history import CompatibilityLevel

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"


@dataclass
class RegistryState:
    """Schemas by id, each subject's versions as schema ids, and compatibility levels."""

    global_level: str = "BACKWARD"
    schemas: dict[int, str] = field(default_factory=dict)
    subjects: dict[str, list[int]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    """Method and path of every request received, in order."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def schema_id(self, schema_str: str) -> int | None:
        document = json.loads(schema_str)
        for schema_id, text in self.schemas.items():
            if json.loads(text) == document:
                return schema_id
        return None

    def level_of(self, subject: str) -> CompatibilityLevel:
        return CompatibilityLevel(self.levels.get(subject, self.global_level))

    def incompatibilities(self, subject: str, schema_str: str) -> list[str]:
        """Check a candidate against the subject's versions as the registry does."""
        level = self.level_of(subject)
        previous = [self.schemas[i] for i in self.subjects.get(subject, [])]
        if level is CompatibilityLevel.NONE or not previous:
            return []
        targets = previous if level.transitive else previous[-1:]
        candidate = avro.schema.parse(schema_str)
        problems = []
        for text in targets:
            earlier = avro.schema.parse(text)
            pairs = []
            if level.backward:
                pairs.append((candidate, earlier))
            if level.forward:
                pairs.append((earlier, candidate))
            for reader, writer in pairs:
                result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
                if result.compatibility is not SchemaCompatibilityType.compatible:
                    problems.extend(sorted(result.messages))
        return problems


class _Handler(BaseHTTPRequestHandler):
    state: RegistryState

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", MEDIA_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str) -> None:
        self._send(status, {"error_code": code, "message": message})

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _route(self, method: str) -> None:
        path = unquote(urlsplit(self.path).path)
        with self.state.lock:
            self.state.requests.append((method, path))
            for pattern, handler in _ROUTES.get(method, []):
                match = re.fullmatch(pattern, path)
                if match:
                    handler(self, *match.groups())
                    return
        self._error(404, 404, f"no route for {method} {path}")

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._route("PUT")

    # Routes. The subject is the first group of each pattern.

    def get_global_config(self) -> None:
        self._send(200, {"compatibilityLevel": self.state.global_level})

    def get_config(self, subject: str) -> None:
        if subject not in self.state.levels:
            self._error(404, 40408, f"Subject '{subject}' does not have subject-level "
                        "compatibility configured")
            return
        self._send(200, {"compatibilityLevel": self.state.levels[subject]})

    def put_config(self, subject: str) -> None:
        level = self._body()["compatibility"]
        self.state.levels[subject] = level
        self._send(200, {"compatibility": level})

    def register(self, subject: str) -> None:
        schema_str = self._body()["schema"]
        existing = self.state.schema_id(schema_str)
        versions = self.state.subjects.setdefault(subject, [])
        if existing is not None and existing in versions:
            self._send(200, {"id": existing})
            return
        problems = self.state.incompatibilities(subject, schema_str)
        if problems:
            self._error(409, 409, "Schema being registered is incompatible with an earlier "
                        f"schema for subject \"{subject}\": {'; '.join(problems)}")
            return
        schema_id = existing or max(self.state.schemas, default=0) + 1
        self.state.schemas[schema_id] = schema_str
        versions.append(schema_id)
        self._send(200, {"id": schema_id})

    def lookup(self, subject: str) -> None:
        schema_str = self._body()["schema"]
        if subject not in self.state.subjects:
            self._error(404, 40401, f"Subject '{subject}' not found.")
            return
        schema_id = self.state.schema_id(schema_str)
        versions = self.state.subjects[subject]
        if schema_id is None or schema_id not in versions:
            self._error(404, 40403, "Schema not found")
            return
        self._send(200, self._version_body(subject, versions.index(schema_id) + 1))

    def list_versions(self, subject: str) -> None:
        if subject not in self.state.subjects:
            self._error(404, 40401, f"Subject '{subject}' not found.")
            return
        self._send(200, list(range(1, len(self.state.subjects[subject]) + 1)))

    def get_version(self, subject: str, version: str) -> None:
        versions = self.state.subjects.get(subject, [])
        number = len(versions) if version == "latest" else int(version)
        if not 1 <= number <= len(versions):
            self._error(404, 40402, f"Version {version} not found.")
            return
        self._send(200, self._version_body(subject, number))

    def test_compatibility(self, subject: str, version: str) -> None:
        problems = self.state.incompatibilities(subject, self._body()["schema"])
        self._send(200, {"is_compatible": not problems, "messages": problems})

    def get_schema(self, schema_id: str) -> None:
        text = self.state.schemas.get(int(schema_id))
        if text is None:
            self._error(404, 40403, "Schema not found")
            return
        self._send(200, {"schema": text})

    def _version_body(self, subject: str, number: int) -> dict:
        schema_id = self.state.subjects[subject][number - 1]
        return {"subject": subject, "version": number, "id": schema_id,
                "schema": self.state.schemas[schema_id]}


_SUBJECT = r"/subjects/([^/]+)"
_ROUTES = {
    "GET": [
        (r"/config", _Handler.get_global_config),
        (r"/config/([^/]+)", _Handler.get_config),
        (_SUBJECT + r"/versions", _Handler.list_versions),
        (_SUBJECT + r"/versions/([^/]+)", _Handler.get_version),
        (r"/schemas/ids/(\d+)", _Handler.get_schema),
    ],
    "POST": [
        (_SUBJECT + r"/versions", _Handler.register),
        (_SUBJECT, _Handler.lookup),
        (r"/compatibility" + _SUBJECT + r"/versions/([^/]+)", _Handler.test_compatibility),
    ],
    "PUT": [(r"/config/([^/]+)", _Handler.put_config)],
}


class RegistryServer:
    """The registry on an ephemeral port of 127.0.0.1, served from a thread until ``stop``."""

    def __init__(self) -> None:
        self.state = RegistryState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "RegistryServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
