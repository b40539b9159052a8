"""The emulator's HTTP side: a stdlib ThreadingHTTPServer on loopback, request recording, faults (`control` has the
control endpoints).

Real HTTP over real sockets (not a mocked transport), so the client's retry policy, timeouts, redirects and
connection handling are exercised exactly as against the Partner Portal. HTTP/1.1 keep-alive, like the service.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cppcancel.settings import is_loopback_host
from devhost.standins.cpp import api
from devhost.standins.cpp.clock import AdvanceableClock, ManualClock
from devhost.standins.cpp.control import CONTROL_PREFIX, control
from devhost.standins.cpp.faults import Fault, FaultBook
from devhost.standins.cpp.state import CancelMode, OperationShape, PortalState

# The clocks and the control endpoints have modules of their own; these names stay importable from here.
__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_TOKEN",
    "MAX_REQUEST_BODY",
    "AdvanceableClock",
    "EmulatorServer",
    "ManualClock",
    "RecordedRequest",
]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "local-emulator-token"  # noqa: S105 - a fixed token only the local emulator accepts
MAX_REQUEST_BODY = 1024 * 1024
_DROP = object()  # a fault's verdict: close the connection without answering


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the emulator received it; `headers["Authorization"]` is replaced by a marker (see api.AUTH_*)."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str
    at: float
    target: str = ""
    auth: str = api.AUTH_ABSENT

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def to_json(self) -> dict[str, Any]:
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


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold stop() hostage
    emulator: EmulatorServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CppEmulator/1.0"
    timeout = 15  # idle keep-alive connections are dropped after this
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall between
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator: " + format, *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BODY:
            self._send(api.error_reply(413, "RequestTooLarge", "The request body is too large."), close=True)
            return
        body = self.rfile.read(length) if length else b""
        try:
            reply = self.server.emulator._serve(self, body)
        except Exception:
            log.exception("emulator: internal error")
            reply = api.error_reply(500, "InternalServerError", "The emulator failed.")
        if reply is not None:
            self._send(reply)

    def _send(self, reply: api.Reply, *, close: bool = False) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if reply.body and self.command != "HEAD":
            self.wfile.write(reply.body)

    def reset_connection(self) -> None:
        """Drop the connection without a byte of answer (SO_LINGER 0: the peer sees a reset)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


class EmulatorServer:
    """A local Cloud Partner Portal. See `devhost.standins.cpp` for the cast of offers and what they do."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        step_seconds: float = 2.0,
        clock: Callable[[], float] | None = None,
        seed: int = 0,
        cancel_mode: CancelMode | str = CancelMode.OPERATION_LOCATION,
        operation_shape: OperationShape = "array",
        beyond_docs: bool = False,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"The emulator listens on loopback only, not {host!r}")
        if not step_seconds > 0:
            raise ValueError("step_seconds must be greater than 0")
        if not token:
            raise ValueError("the emulator needs a token")
        self.host, self.port = host, port
        self.token = token
        self.step_seconds = step_seconds
        self.seed = seed
        self._clock: Callable[[], float] = clock or time.time
        self._cancel_mode = CancelMode(cancel_mode)
        self._operation_shape: OperationShape = operation_shape
        # Off by default: only what Microsoft documents (see PortalState). On, the emulator also reports a running
        # cancel in cancellationRequestState and answers a second POST with the running cancel - behaviour no
        # source shows, kept for the emulator's own tests; nothing the app relies on for safety may need it.
        self.beyond_docs = beyond_docs
        self._lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._faults = FaultBook()
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._state = self._new_state()
        self._generation = 0

    def _new_state(self) -> PortalState:
        return PortalState(
            now=self._clock(),
            unit_s=self.step_seconds,
            seed=self.seed,
            cancel_mode=self._cancel_mode,
            operation_shape=self._operation_shape,
            beyond_docs=self.beyond_docs,
        )

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        if self._httpd is not None:
            return self
        httpd = _HttpServer((self.host, self.port), _Handler)
        httpd.emulator = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="cpp-emulator", daemon=True
        )
        self._thread.start()
        log.info("CPP emulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a latency fault
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- steering --------------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every API request received so far (control endpoints excluded)."""
        with self._lock:
            return list(self._requests)

    def cancel_count(self, offer_id: str | None = None, publisher_id: str | None = None) -> int:
        """How many cancel POSTs reached the emulator (whatever was answered): proves "exactly one cancel"."""
        count = 0
        for request in self.requests:
            parts = request.path.rstrip("/").split("/")
            if request.method != "POST" or parts[-1:] != ["cancel"] or len(parts) < 6:
                continue
            if (offer_id is None or parts[5] == offer_id) and (publisher_id is None or parts[3] == publisher_id):
                count += 1
        return count

    def cancels_taken(self, publisher_id: str, offer_id: str) -> int:
        """How many cancel operations the emulator started for the offer: a POST it acted on, answered or not (a
        held POST whose caller died still counts once it is carried out)."""
        with self._lock:
            offer = self._state.offer(publisher_id, offer_id)
            return len(offer.cancels) if offer is not None else 0

    def add_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._faults.active()

    def reset(self) -> None:
        """Back to the state right after construction: seed data, no requests, no faults, default offer settings."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._state = self._new_state()
            self._generation += 1  # a request still held in a latency fault belongs to the state before this one

    def advance(self, seconds: float) -> None:
        """Move emulator time forward; only with a clock that has `advance` (ManualClock)."""
        if not isinstance(self._clock, AdvanceableClock):
            raise RuntimeError("advance() needs a manual clock: EmulatorServer(clock=ManualClock())")
        self._clock.advance(seconds)

    def now(self) -> float:
        return self._clock()

    def configure_offer(
        self,
        publisher_id: str,
        offer_id: str,
        *,
        cancel_mode: CancelMode | str | None = None,
        operation_shape: OperationShape | None = None,
    ) -> None:
        """Per offer: which header a 202 cancel uses, and whether one operation comes as an array or an object."""
        with self._lock:
            offer = self._state.offer(publisher_id, offer_id)
            if offer is None:
                raise KeyError(f"no offer {publisher_id}/{offer_id} in the emulator")
            if cancel_mode is not None:
                offer.settings.cancel_mode = CancelMode(cancel_mode)
            if operation_shape is not None:
                if operation_shape not in ("array", "object"):
                    raise ValueError("operation_shape must be 'array' or 'object'")
                offer.settings.operation_shape = operation_shape

    # -- serving ---------------------------------------------------------------------------------------------------

    def _serve(self, handler: _Handler, body: bytes) -> api.Reply | None:
        parts = urlsplit(handler.path)
        path, target = parts.path, handler.path
        if path.startswith(CONTROL_PREFIX):
            return control(self, handler.command, path, body)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        marker = api.auth_marker(headers.get("authorization"), self.token)
        shown = {k: (marker if k.lower() == "authorization" else v) for k, v in handler.headers.items()}
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    method=handler.command,
                    path=path,
                    query=query,
                    headers=shown,
                    body=body.decode("utf-8", errors="replace"),
                    at=self._clock(),
                    target=target,
                    auth=marker,
                )
            )
        with self._lock:
            generation = self._generation
        fault = self._faults.take(handler.command, target)
        if fault is not None:
            early = self._apply_fault(handler, fault)
            if early is _DROP:
                return None
            if isinstance(early, api.Reply):
                return early
        with self._lock:
            if generation != self._generation:
                # Reset while this request was held: it must not act on the fresh state (a later test's), so it
                # is dropped as if the connection broke - the test that sent it has already ended.
                handler.reset_connection()
                return None
        request = api.ApiRequest(handler.command, path, query, headers, body)
        with self._lock:
            reply = api.dispatch(
                self._state, request, token=self.token, now=self._clock(), base_url=self.base_url, fault=fault
            )
        if fault is not None and fault.malformed_json:
            reply = api.Reply(reply.status, b'{"status": "runn', {**reply.headers, "Content-Type": "application/json"})
        return reply

    def _apply_fault(self, handler: _Handler, fault: Fault) -> api.Reply | object | None:
        """Latency, then the effects that replace the answer: a Reply, _DROP (no answer), or None (proceed)."""
        if fault.latency_s and self._stopping.wait(fault.latency_s):
            handler.reset_connection()  # the emulator is stopping
            return _DROP
        if fault.reset:
            handler.reset_connection()
            return _DROP
        if fault.redirect_to is not None:
            return api.Reply(302, b"", {"Location": fault.redirect_to})
        if fault.status is not None:
            headers = dict(fault.headers)
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            if fault.body is not None:
                return api.Reply(fault.status, fault.body.encode("utf-8"), headers)
            if fault.status >= 400:
                return api.error_reply(fault.status, "InjectedFault", f"Injected HTTP {fault.status}.", headers)
            return api.Reply(fault.status, b"", headers)
        return None
