"""A small threaded HTTP server that hosts replica apps on 127.0.0.1.

URLs look like http://127.0.0.1:PORT/<real host>/<real path>?<query>: the extractor's
HC_REPLICA_URL rewrite turns https://<real host>/<path> into that, so configs stay live URLs.
Each app says which hosts it serves. Faults are injected here, before any app answers, so
every app gets the same failure modes; tests switch them through `ReplicaServer.add_fault`
or over HTTP at /_replica/faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    host: str  # the real server's host name, e.g. services2.arcgis.com
    path: str  # the real path, e.g. /mJaJSax0KPHoCNB6/ArcGIS/rest/services/...
    params: dict[str, str]  # query string and form body merged (ArcGIS accepts both)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: object, status: int = 200) -> Response:
        return cls(status=status, body=json.dumps(payload).encode())


class ReplicaApp(Protocol):
    def serves(self, host: str) -> bool: ...

    def handle(self, request: Request) -> Response: ...


@dataclass
class Fault:
    """A failure to inject into matching requests.

    kind: `status` (HTTP `status`, with `retry_after` seconds for 429), `delay` (sleep
    `seconds`, then answer normally: a read timeout for a client with a shorter timeout),
    `truncate` (cut the real answer's body in half), `arcgis_error` (HTTP 200 carrying
    {"error": {"code": status, ...}}), `reset` (close the connection without an answer),
    `drip` (the real answer, status line and headers included, one byte every `seconds`),
    `endless` (HTTP 200 whose body never ends), `redirect` (HTTP `status` to `location`),
    `rewrite` (the real answer with each [find, replace] pair of `replacements` applied, the
    replacements written in `encoding`).
    A request matches when `path_contains` is in its host+path and every `params` item equals
    the request's parameter. `times` is how often it fires (-1: always).
    """

    kind: str
    path_contains: str = ""
    params: dict[str, str] = field(default_factory=dict)
    times: int = 1
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0
    location: str = ""
    replacements: list[list[str]] = field(default_factory=list)
    encoding: str = "utf-8"
    fired: int = 0

    def matches(self, request: Request) -> bool:
        if self.times != -1 and self.fired >= self.times:
            return False
        if self.path_contains and self.path_contains not in request.host + request.path:
            return False
        return all(request.params.get(k) == str(v) for k, v in self.params.items())


class ReplicaState:
    def __init__(self, apps: Iterable[ReplicaApp]):
        self.apps = list(apps)
        self.faults: list[Fault] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(request):
                    fault.fired += 1
                    return fault
        return None

    def dispatch(self, request: Request) -> Response:
        for app in self.apps:
            if app.serves(request.host):
                return app.handle(request)
        return Response.json({"error": f"no replica serves host {request.host!r}"}, 404)


class _Handler(BaseHTTPRequestHandler):
    server: _ReplicaHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet server
        pass

    def do_GET(self) -> None:
        self._serve(body=b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(body=self.rfile.read(length) if length else b"")

    def do_DELETE(self) -> None:
        self._serve(body=b"")

    def _serve(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/_replica/"):
            return self._send(self._control(parts.path, body))
        host, _, rest = parts.path.lstrip("/").partition("/")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if body and "json" not in (self.headers.get("Content-Type") or ""):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        request = Request(self.command, host, "/" + rest, params, dict(self.headers.items()))
        state = self.server.state
        with state.lock:
            state.requests.append({"method": request.method, "host": host,
                                   "path": request.path, "params": params, "at": time.time()})
        fault = state.take_fault(request)
        if fault is None:
            return self._send(state.dispatch(request))
        if fault.kind == "reset":
            self.close_connection = True
            self.connection.close()
            return None
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return self._send(state.dispatch(request))
        if fault.kind == "truncate":
            answer = state.dispatch(request)
            answer.body = answer.body[: max(1, len(answer.body) // 2)]
            return self._send(answer)
        if fault.kind == "drip":
            return self._drip(state.dispatch(request), fault.seconds)
        if fault.kind == "endless":
            return self._endless()
        if fault.kind == "redirect":
            return self._send(Response(fault.status, b"", "text/html",
                                       {"Location": fault.location}))
        if fault.kind == "rewrite":
            answer = state.dispatch(request)
            for find, replace in fault.replacements:
                answer.body = answer.body.replace(find.encode(), replace.encode(fault.encoding))
            return self._send(answer)
        if fault.kind == "arcgis_error":
            return self._send(Response.json({"error": {
                "code": fault.status, "message": "Error performing query operation",
                "details": ["injected by replica"]}}))
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        return self._send(Response(fault.status, b"<html>injected failure</html>",
                                   "text/html", headers))

    def _control(self, path: str, body: bytes) -> Response:
        state = self.server.state
        if path == "/_replica/health":
            return Response.json({"ok": True})
        if path == "/_replica/requests":
            with state.lock:
                return Response.json(list(state.requests))
        if path == "/_replica/faults":
            with state.lock:
                if self.command == "DELETE":
                    state.faults.clear()
                elif self.command == "POST":
                    state.faults.extend(Fault(**item) for item in json.loads(body or b"[]"))
                return Response.json([vars(f) for f in state.faults])
        return Response.json({"error": f"unknown control endpoint {path}"}, 404)

    def _drip(self, response: Response, seconds: float) -> None:
        head = (f"HTTP/1.1 {response.status} OK\r\nContent-Type: {response.content_type}\r\n"
                f"Content-Length: {len(response.body)}\r\n\r\n").encode()
        self.close_connection = True
        try:
            for byte in head + response.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(seconds)
        except OSError:
            pass  # the client gave up: what a deadline is for

    def _endless(self) -> None:
        """A body without a length that never ends (until the client hangs up)."""
        self.close_connection = True
        chunk = b"[" + b"0," * 32_768
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Connection: close\r\n\r\n")
            while True:
                self.wfile.write(chunk)
        except OSError:
            pass

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.status != 204:
            self.wfile.write(response.body)


class _ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: ReplicaState):
        super().__init__(address, _Handler)
        self.state = state


class ReplicaServer:
    """Serve replica apps in a background thread: `with ReplicaServer() as replica: replica.url`."""

    def __init__(self, apps: Iterable[ReplicaApp] | None = None, port: int = 0):
        self.state = ReplicaState(apps if apps is not None else default_apps())
        self._httpd = _ReplicaHTTPServer(("127.0.0.1", port), self.state)
        # A short poll interval: stop() returns at once, not after up to half a second.
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add_fault(self, kind: str, **options: object) -> Fault:
        fault = Fault(kind=kind, **options)
        with self.state.lock:
            self.state.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def requests(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.requests)

    def start(self) -> ReplicaServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def default_apps() -> list[ReplicaApp]:
    """Every bundled replica: the utilities' ArcGIS servers and GridX."""
    from replicas.arcgis import ArcGISReplica
    from replicas.gridx import GridXReplica

    return [GridXReplica(), ArcGISReplica()]
