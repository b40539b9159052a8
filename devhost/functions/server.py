"""The dev host's HTTP listener: the standard library's threading server, one thread per connection.

A thread per connection matters here: an `async def` function that uses the durable client calls back into this
same server (the durable API), so the listener must never wait for a function before accepting another request.
Bodies are capped (413), chunked uploads included. A body somewhat over the cap is read and discarded before the
413 is sent: closing on a client that is still sending makes it see a connection reset instead of the answer.

The listen backlog is `LISTEN_BACKLOG`, not socketserver's default of 5: a burst of connections (a channel's worth
of slash commands at once) queues in the kernel until the accept loop takes them, instead of being reset.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from devhost.functions.bridge import WireRequest, WireResponse, error_response

log = logging.getLogger("devhost.http")

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DRAIN_FACTOR = 8  # read and discard up to 8x the cap before answering 413; beyond that, just close


LISTEN_BACKLOG = 1024  # the kernel caps it at net.core.somaxconn (4096 on current Linux)


class BodyTooLarge(Exception):
    pass


class _Listener(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG


class DevHostServer:
    def __init__(
        self,
        host: str,
        port: int,
        dispatch: Callable[[WireRequest], WireResponse],
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._dispatch = dispatch
        self._max_body = max_body_bytes
        self._httpd = _Listener((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    def start(self) -> DevHostServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="devhost-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped = True  # a kept-alive connection may still bring a request: refuse it, do not serve it
        if self._thread is not None:  # shutdown() waits for serve_forever, which never ran otherwise
            self._httpd.shutdown()
            self._thread = None
        self._httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY a kept-alive client waits ~40 ms
            # (delayed ACK) for some answers.
            disable_nagle_algorithm = True
            timeout = 120  # idle keep-alive connections (the SDK's aiohttp pool keeps them) are closed eventually
            server_version = "cppcancel-devhost"
            sys_version = ""

            def log_message(self, format: str, *args: object) -> None:
                log.debug("%s - " + format, self.address_string(), *args)

            def do_GET(self) -> None:
                server._serve(self)

            def do_POST(self) -> None:
                server._serve(self)

            def do_PUT(self) -> None:
                server._serve(self)

            def do_PATCH(self) -> None:
                server._serve(self)

            def do_DELETE(self) -> None:
                server._serve(self)

            def do_HEAD(self) -> None:
                server._serve(self)

            def do_OPTIONS(self) -> None:
                server._serve(self)

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        started = time.monotonic()
        if self._stopped:
            handler.close_connection = True
            self._write(handler, error_response(503, "stopping", "the dev host is stopping"))
            return
        try:
            body = self._read_body(handler)
        except BodyTooLarge:
            handler.close_connection = True
            response = error_response(413, "payload_too_large", f"request bodies are limited to {self._max_body} bytes")
        except (ValueError, OSError) as exc:
            handler.close_connection = True
            response = error_response(400, "bad_request", f"could not read the request body: {exc}")
        else:
            parts = urlsplit(handler.path)
            host_header = handler.headers.get("Host") or f"{self.host}:{self.port}"
            request = WireRequest(
                method=handler.command,
                path=parts.path or "/",
                query=parts.query,
                headers=list(handler.headers.items()),
                body=body,
                url=f"http://{host_header}{handler.path}",
                client_host=str(handler.client_address[0]),
            )
            try:
                response = self._dispatch(request)
            except Exception:
                log.exception("dev host error while serving %s %s", handler.command, parts.path)
                response = error_response(500, "internal", "the dev host failed to serve this request; see its log")
        self._write(handler, response)
        level = logging.DEBUG if handler.path.startswith("/runtime/") else logging.INFO
        log.log(
            level,
            "%s %s -> %d (%.0f ms)",
            handler.command,
            urlsplit(handler.path).path,
            response.status,
            (time.monotonic() - started) * 1000,
        )

    def _read_body(self, handler: BaseHTTPRequestHandler) -> bytes:
        if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(handler)
        length = int(handler.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > self._max_body:
            if length <= self._max_body * DRAIN_FACTOR:
                remaining = length
                while remaining > 0:
                    chunk = handler.rfile.read(min(remaining, 64 * 1024))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            raise BodyTooLarge
        return handler.rfile.read(length) if length else b""

    def _read_chunked(self, handler: BaseHTTPRequestHandler) -> bytes:
        body = bytearray()
        while True:
            size = int(handler.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline(1024).strip():  # trailers
                    pass
                return bytes(body)
            if len(body) + size > self._max_body:
                raise BodyTooLarge
            body += handler.rfile.read(size)
            handler.rfile.readline(8)

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, response: WireResponse) -> None:
        try:
            handler.send_response(response.status)
            names = {name.lower() for name, _ in response.headers}
            for name, value in response.headers:
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    handler.send_header(name, value)
            if "content-type" not in names and response.body:
                handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(len(response.body)))
            if handler.close_connection:
                handler.send_header("Connection", "close")
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
