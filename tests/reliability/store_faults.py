"""Azure Table Storage that fails exactly the writes a test names: a loopback proxy in front of Azurite.

Azure Table Storage documents transient failures (HTTP 503 `ServerBusy`, timeouts) for any request, so the app must
survive one at every step of the cancel path. This proxy forwards every request to the session's Azurite unchanged
(the SharedKey signature covers the verb, headers and `/account/path`, not the host, so it stays valid) and answers
503 `ServerBusy` - Table Storage's own error body - to the requests a test's rule matches, as many times as they are
tried (azure-core's retries included). Rules are plain predicates over what the request says (verb, table, keys,
the entity it writes), so a test names "marking the record `sending`" or "releasing the lock", never a Python
function of the app. An entity-group transaction (a `$batch` POST, multipart/mixed) is refused as a whole when a
rule matches any of its operations, as the service answers a busy batch. `heal()` ends the outage.
"""

from __future__ import annotations

import email.parser
import email.policy
import http.client
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from devhost.standins.azurite import connection_string

_KEYS_RE = re.compile(r"\(PartitionKey='(?P<pk>(?:[^']|'')*)',\s*RowKey='(?P<rk>(?:[^']|'')*)'\)")
_BUSY = {
    "odata.error": {
        "code": "ServerBusy",
        "message": {"lang": "en-US", "value": "The server is busy. (injected by the test's store proxy)"},
    }
}


@dataclass(frozen=True)
class TableRequest:
    """One request to the Table service, as a rule sees it."""

    method: str
    path: str  # decoded, without the query
    partition: str | None
    row: str | None
    entity: dict[str, Any] = field(default_factory=dict)  # the JSON body of a write, else empty
    conditional: bool = False  # carries If-Match (an ETag-checked write)

    def writes(self, **values: object) -> bool:
        """An insert or replace whose entity holds all of `values` (e.g. `state="sending"`)."""
        return self.method in ("POST", "PUT", "MERGE", "PATCH") and all(
            self.entity.get(k) == v for k, v in values.items()
        )


Rule = Callable[[TableRequest], bool]


def _request_of(method: str, target: str, headers: dict[str, str], body: bytes) -> TableRequest:
    path = unquote(urlsplit(target).path)
    keys = _KEYS_RE.search(path)
    entity: dict[str, Any] = {}
    if body:
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        entity = decoded if isinstance(decoded, dict) else {}
    partition = keys.group("pk").replace("''", "'") if keys else entity.get("PartitionKey")
    row = keys.group("rk").replace("''", "'") if keys else entity.get("RowKey")
    conditional = any(k.lower() == "if-match" and v != "*" for k, v in headers.items())
    return TableRequest(method, path, partition, row, entity, conditional)


def _operations_of(content_type: str, body: bytes) -> list[TableRequest]:
    """The operations of a `$batch` request: each changeset part is an HTTP request of its own."""
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    operations = []
    for part in message.walk():
        if part.get_content_type() != "application/http":
            continue
        raw = part.get_payload(decode=True)
        head, _, payload = (raw if isinstance(raw, bytes) else b"").partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode().split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
        operations.append(_request_of(method, target, headers, payload.strip()))
    return operations


class FaultyTables:
    """The proxy. `connection_string` points the app at it; `fail(rule)` starts an outage of what `rule` matches."""

    def __init__(self, azurite_port: int) -> None:
        self._target = ("127.0.0.1", azurite_port)
        self._rules: list[Rule] = []
        self._guard = threading.Lock()
        self.refused: list[TableRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="faulty-tables", daemon=True)

    @property
    def connection_string(self) -> str:
        return connection_string(int(self._httpd.server_address[1]))

    def fail(self, rule: Rule) -> None:
        with self._guard:
            self._rules.append(rule)

    def heal(self) -> None:
        with self._guard:
            self._rules.clear()

    def _refuses(self, requests: list[TableRequest]) -> bool:
        """Whether a rule matches the request (or, for a transaction, any of its operations)."""
        with self._guard:
            matched = [request for request in requests if any(rule(request) for rule in self._rules)]
            self.refused.extend(matched)
            return bool(matched)

    def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, bytes]:
        upstream = http.client.HTTPConnection(*self._target, timeout=30)
        try:
            upstream.request(method, target, body=body or None, headers=headers)
            answer = upstream.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            upstream.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                batch = self.command == "POST" and urlsplit(self.path).path.endswith("/$batch")
                content_type = self.headers.get("Content-Type") or ""
                requests = (
                    _operations_of(content_type, body)
                    if batch
                    else [_request_of(self.command, self.path, headers, body)]
                )
                if proxy._refuses(requests):
                    self._answer(
                        503,
                        [("Content-Type", "application/json"), ("x-ms-error-code", "ServerBusy")],
                        json.dumps(_BUSY).encode(),
                    )
                    return
                status, answer_headers, answer = proxy._forward(self.command, self.path, headers, body)
                kept = [(k, v) for k, v in answer_headers if k.lower() not in ("transfer-encoding", "connection")]
                self._answer(status, kept, answer)

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def do_DELETE(self) -> None:
                self._serve()

            def do_MERGE(self) -> None:
                self._serve()

            def do_PATCH(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    def __enter__(self) -> FaultyTables:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
