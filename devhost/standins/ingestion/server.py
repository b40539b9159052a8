"""The stand-in's HTTP side: a stdlib ThreadingHTTPServer on loopback that records every request it receives.

Real sockets, so the client's transport (retries, timeouts, the pinned adapter) runs exactly as against Graph.
`hold(...)` keeps the next matching request in flight for a while *before* acting on it - a host that dies meanwhile
cannot know the stand-in then took it (the restart tests' worst moment). Control endpoints under `/_standin/` need
no token (loopback only) and are not recorded.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devhost.standins.ingestion.state import TOO_LATE_MESSAGE, Job, job_from_json

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "local-ingestion-token"  # noqa: S105 - a fixed token only the local stand-in accepts
API_PATH = "/rp/product-ingestion"
CONTROL = "/_standin"
VERSIONS = frozenset({"2022-03-01-preview2", "2022-07-01"})
Reply = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: Mapping[str, str]
    token: str | None  # the bearer token presented (local fakes only; it says whose token reached this host)
    at: float


@dataclass
class _Hold:
    method: str
    path_suffix: str
    latency_s: float


def _error(status: int, code: str, message: str) -> Reply:
    return status, {"error": {"code": code, "message": message, "details": []}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    standin: IngestionStandIn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ingestion stand-in: " + format, *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if 0 < length <= 65536 else b""
        try:
            status, payload = self.server.standin.serve(self.command, self.path, dict(self.headers.items()), body)
        except Exception:
            log.exception("ingestion stand-in failed")
            status, payload = _error(500, "internalServerError", "The stand-in failed.")
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client went away (a killed host): what was done stays done


class IngestionStandIn:
    """`with IngestionStandIn() as api:` - jobs through `add_job`, what came through `requests`/`cancel_count`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._holds: list[_Hold] = []
        self.requests: list[SeenRequest] = []
        self._server = _Server((host, port), _Handler)
        self._server.standin = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{API_PATH}"

    @property
    def origin(self) -> str:
        return self.base_url.removesuffix(API_PATH)

    def start(self) -> IngestionStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="ingestion-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> IngestionStandIn:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- steering ----------------------------------------------------------------------------------------------------
    def add_job(self, job_id: str, **options: Any) -> Job:
        job = Job(job_id, **options)
        with self._lock:
            self._jobs[job_id.lower()] = job
        return job

    def job(self, job_id: str) -> Job:
        with self._lock:
            return self._jobs[job_id.lower()]

    def hold(self, method: str, path_suffix: str, latency_s: float) -> None:
        """Hold the next `method` request whose path ends with `path_suffix` for `latency_s`, then act on it."""
        with self._lock:
            self._holds.append(_Hold(method, path_suffix, latency_s))

    def holding(self) -> int:
        with self._lock:
            return len(self._holds)

    def reset(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._holds.clear()
            self.requests.clear()

    def cancel_count(self, job_id: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.method == "POST" and r.path.endswith("/cancel") and (job_id is None or f"/{job_id}/" in r.path)
            )

    # -- serving -----------------------------------------------------------------------------------------------------
    def serve(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        parts = urlsplit(target)
        if parts.path.startswith(CONTROL):
            return self._control(method, parts.path, body)
        query = dict(parse_qsl(parts.query))
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        token = auth[7:] if auth and auth.startswith("Bearer ") else None
        with self._lock:
            self.requests.append(SeenRequest(method, parts.path, query, token, time.time()))
            hold = next((h for h in self._holds if h.method == method and parts.path.endswith(h.path_suffix)), None)
            if hold is not None:
                self._holds.remove(hold)
        if hold is not None:
            time.sleep(hold.latency_s)
        if token != self.token:
            return _error(401, "unauthorized", "Missing or invalid bearer token.")
        if query.get("$version") not in VERSIONS:
            return _error(400, "badRequest", "The $version query parameter is missing or not a known schema version.")
        return self._api(method, parts.path)

    def _api(self, method: str, path: str) -> Reply:
        segments = path.removeprefix(API_PATH).split("/")
        if len(segments) != 4 or segments[1] != "configure" or segments[3] not in ("status", "cancel"):
            return _error(404, "notFound", "No such resource.")
        action = segments[3]
        if (method, action) not in (("GET", "status"), ("POST", "cancel")):
            return _error(405, "methodNotAllowed", "Method not allowed.")
        with self._lock:
            job = self._jobs.get(segments[2].lower())
            if job is None:
                return _error(404, "notFound", f"Job {segments[2]} was not found.")
            if action == "status":
                return 200, job.read()
            answer = job.cancel()
        return (200, answer) if answer is not None else _error(400, "badRequest", TOO_LATE_MESSAGE)

    def _control(self, method: str, path: str, body: bytes) -> Reply:
        if method == "POST" and path == f"{CONTROL}/jobs":
            try:
                job = job_from_json(json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                return _error(400, "badRequest", str(exc))
            with self._lock:
                self._jobs[job.job_id.lower()] = job
            return 200, job.body()
        if method == "GET" and path == f"{CONTROL}/requests":
            with self._lock:
                seen = [{"method": r.method, "path": r.path, "hasToken": r.token is not None} for r in self.requests]
            return 200, {"requests": seen}
        return _error(404, "notFound", "No such control endpoint.")
