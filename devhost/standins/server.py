"""The one loopback HTTP server under every stand-in: what a local copy of an outside service needs besides the
service itself.

Each stand-in is a subclass of `StandInServer` that names itself and answers its service's requests; this base runs
the threaded stdlib server on loopback (HTTP/1.1, a thread per connection), starts and stops it, gives its address,
reads bodies (capped: 413), records every service request (`requests`, with the bearer token masked), routes the
stand-in's control endpoints, and writes the answers - or resets the connection, for a stand-in that "loses" a call.

The control endpoint convention: `{control_prefix}{name}` (e.g. `POST /_standin/faults`), a JSON body or none, a JSON
answer; no token (stand-ins listen on loopback only) and never recorded, so a test's steering is not mistaken for the
app's calls. A bad body or argument is a 400 and an unknown endpoint a 404, in the service's own error shape.

Adding a stand-in (another marketplace API or chat; submission/ and teams/ are recent examples) is one package under
devhost/standins/ whose server subclasses `StandInServer`: set `title`, `base_path` and `error_codes` (and, where the
service differs from the defaults, `control_prefix`, `methods`, `max_body_bytes`, `idle_timeout_s`,
`records_tokens`); override `error_reply` when the service's errors are not `{"error": {"code", "message"}}`;
implement `answer(request)` (its documented API only - return None to drop the connection) and `controls()` (its
steering); then start it from `devhost.emulators` when its base-URL setting is unset, and test it beside the others
in tests/devhost/standins/.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self, cast
from urllib.parse import parse_qsl, urlsplit

from cppcancel.envread import is_loopback_host

log = logging.getLogger("devhost.standins")

AUTH_ABSENT = "<absent>"
AUTH_VALID = "<bearer: valid>"
AUTH_INVALID = "<bearer: invalid>"
AUTH_NOT_BEARER = "<not a bearer token>"


@dataclass(frozen=True)
class Reply:
    """An answer to write; `after` runs once it is on the wire (or failed to get there)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    after: Callable[[], None] | None = None


def json_reply(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON answer; `headers` may replace the Content-Type."""
    return Reply(status, json.dumps(data).encode("utf-8"), {"Content-Type": "application/json", **(headers or {})})


def auth_marker(header: str | None, token: str | None) -> str:
    """What a recorded request shows instead of its Authorization header."""
    if header is None:
        return AUTH_ABSENT
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return AUTH_NOT_BEARER
    return AUTH_VALID if value.strip() == token else AUTH_INVALID


@dataclass(frozen=True)
class StandInRequest:
    """A request as a stand-in answers it: `headers` keyed in lower case, `query` from the target."""

    method: str
    target: str  # path and query, as sent
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    @property
    def bearer(self) -> str | None:
        """The token after `Bearer ` (as sent, that exact scheme spelling), or None."""
        auth = self.headers.get("authorization")
        return auth[7:] if auth and auth.startswith("Bearer ") else None

    def json(self) -> Any:
        """The body as JSON; None when there is none. Raises ValueError when it is not JSON."""
        return json.loads(self.body) if self.body.strip() else None


@dataclass(frozen=True)
class RecordedRequest:
    """A service request as the stand-in received it; `headers["Authorization"]` is replaced by a marker (AUTH_*).
    `token` is the bearer token presented, kept only by a stand-in that `records_tokens` (it says whose token reached
    that host); the others never hold one."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str
    at: float
    target: str = ""
    auth: str = AUTH_ABSENT
    token: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def to_json(self) -> dict[str, Any]:
        """For the control endpoints: everything but the token."""
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "body": self.body,
            "at": self.at,
            "target": self.target,
            "auth": self.auth,
        }


Control = Callable[[Any], Reply]  # a control endpoint: the parsed JSON body (or None) -> the answer


@dataclass(frozen=True)
class ErrorCodes:
    """The service's error codes for what the stand-in itself refuses or fails at."""

    bad_request: str = "BadRequest"  # 400: a control endpoint's body or arguments
    not_found: str = "NotFound"  # 404: no such control endpoint
    too_large: str = "TooLarge"  # 413: a body over `max_body_bytes`
    internal: str = "Internal"  # 500: the stand-in failed


class _BodyTooLarge(Exception):
    pass


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold stop() hostage
    standin: StandInServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall between
    server: _Listener

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: " + format, self.server.standin.title, *args)

    def serve(self) -> None:
        self.server.standin._serve(self)


class StandInServer:
    """The shared part of every stand-in; see the module docstring for what a subclass provides."""

    title: ClassVar[str] = "stand-in"
    base_path: ClassVar[str] = ""  # what follows the origin in `base_url`
    control_prefix: ClassVar[str] = "/_standin/"
    methods: ClassVar[tuple[str, ...]] = ("GET", "POST")  # others get the stdlib's 501
    server_version: ClassVar[str] = "cppcancel-standin"
    max_body_bytes: ClassVar[int] = 1024 * 1024
    idle_timeout_s: ClassVar[float | None] = None  # close idle keep-alive connections after this
    records_tokens: ClassVar[bool] = False  # keep the bearer token presented in `requests` (local tokens only)
    error_codes: ClassVar[ErrorCodes] = ErrorCodes()

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, token: str | None = None) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"The {self.title} listens on loopback only, not {host!r}")
        self.host, self.port = host, port
        self.token = token
        self._lock = threading.Condition(threading.RLock())
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._listener: _Listener | None = None
        self._thread: threading.Thread | None = None

    # -- what a stand-in provides ------------------------------------------------------------------------------

    def answer(self, request: StandInRequest) -> Reply | None:
        """The service's answer to one of its requests; None drops the connection without a byte of answer."""
        raise NotImplementedError

    def controls(self) -> Mapping[tuple[str, str], Control]:
        """The control endpoints by (method, name below `control_prefix`)."""
        return {}

    def error_reply(self, status: int, code: str, message: str) -> Reply:
        """The service's error body."""
        return json_reply(status, {"error": {"code": code, "message": message}})

    def now(self) -> float:
        """The time a request is recorded at (a stand-in with a clock of its own overrides it)."""
        return time.time()

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._listener is not None:
            return self
        listener = _Listener((self.host, self.port), self._handler_class())
        listener.standin = self
        self.port = int(listener.server_address[1])
        self._listener = listener
        self._stopping.clear()
        name = self.title.lower().replace(" ", "-")
        self._thread = threading.Thread(
            target=listener.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        self._thread.start()
        log.info("%s listening on %s", self.title, self.base_url)
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stopping.set()  # wakes requests held in `pause`
        listener.shutdown()
        listener.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        if self.port == 0:
            raise RuntimeError(f"start() the {self.title} first: its port is chosen then")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Where the app is pointed (the service's base-URL setting)."""
        return self.origin + self.base_path

    # -- helpers for stand-ins ---------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every service request received so far (control endpoints excluded)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def pause(self, seconds: float) -> bool:
        """Hold a request for `seconds`; True when the stand-in is stopping meanwhile."""
        return self._stopping.wait(seconds)

    # -- serving -----------------------------------------------------------------------------------------------

    def _handler_class(self) -> type[_Handler]:
        attributes: dict[str, Any] = {f"do_{method}": _Handler.serve for method in self.methods}
        attributes.update(server_version=self.server_version, timeout=self.idle_timeout_s)
        return cast(type[_Handler], type(f"{type(self).__name__}Handler", (_Handler,), attributes))

    def _serve(self, handler: _Handler) -> None:
        try:
            body = self._read_body(handler)
        except _BodyTooLarge:
            self._write(
                handler, self.error_reply(413, self.error_codes.too_large, "The request body is too large."), close=True
            )
            return
        parts = urlsplit(handler.path)
        request = StandInRequest(
            method=handler.command,
            target=handler.path,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        try:
            if request.path.startswith(self.control_prefix):
                reply: Reply | None = self._control(request)
            else:
                self._record_request(request, handler)
                reply = self.answer(request)
        except Exception:
            log.exception("%s: internal error", self.title)
            reply = self.error_reply(500, self.error_codes.internal, f"The {self.title} failed.")
        if reply is None:
            # No answer at all (SO_LINGER 0: the peer sees a reset).
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            return
        self._write(handler, reply)

    def _read_body(self, handler: _Handler) -> bytes:
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.max_body_bytes:
            raise _BodyTooLarge
        return handler.rfile.read(length) if length else b""

    def _record_request(self, request: StandInRequest, handler: _Handler) -> None:
        marker = auth_marker(request.headers.get("authorization"), self.token)
        shown = {k: (marker if k.lower() == "authorization" else v) for k, v in handler.headers.items()}
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=shown,
            body=request.body.decode("utf-8", errors="replace"),
            at=self.now(),
            target=request.target,
            auth=marker,
            token=request.bearer if self.records_tokens else None,
        )
        with self._lock:
            self._requests.append(recorded)

    def _control(self, request: StandInRequest) -> Reply:
        name = request.path[len(self.control_prefix) :].strip("/")
        control = self.controls().get((request.method, name))
        if control is None:
            return self.error_reply(
                404, self.error_codes.not_found, f"No control endpoint {request.method} {request.path}."
            )
        try:
            data = request.json()
        except ValueError:
            return self.error_reply(400, self.error_codes.bad_request, "The body is not valid JSON.")
        try:
            return control(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return self.error_reply(400, self.error_codes.bad_request, str(exc))

    @staticmethod
    def _write(handler: _Handler, reply: Reply, *, close: bool = False) -> None:
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(reply.body)))
            if close:
                handler.send_header("Connection", "close")
                handler.close_connection = True
            handler.end_headers()
            if reply.body and handler.command != "HEAD":
                handler.wfile.write(reply.body)
        except OSError:
            handler.close_connection = True  # the caller went away (a killed host): what was done stays done
        finally:
            if reply.after is not None:
                reply.after()
