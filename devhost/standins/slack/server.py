"""A local stand-in for Slack's Web API and `response_url`s, speaking the documented wire format over loopback.

Slack's servers are the outside edge of this project, so tests and the demo replace them with a real HTTP server
rather than with patched Python: the app's `slack_sdk.WebClient` (pointed here by `SLACK_API_BASE_URL`) and its
`response_url` posts go over real sockets. The stand-in records every message (`messages`, which also prints
them in a readable form), and can be told to misbehave (`faults`: HTTP 429 `ratelimited` with Retry-After, 5xx,
Slack error codes) for the reliability tests. It is steerable in-process (the attributes) or from another process
(`/_standin/...` endpoints).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devhost.standins.slack.faults import SlackFault, claim_fault
from devhost.standins.slack.messages import SlackMessage, describe

# The two kinds of response_url, as Slack's own differ (`hooks.slack.com/commands/...` for a slash command,
# `hooks.slack.com/actions/...` for a click): a click's may replace or delete the message with the button, a slash
# command's may not touch its ephemeral ack - a post there is a new message, whatever it asks.
_RESPONSE_PATHS = {"response/": "interaction", "commands/": "command"}


class SlackStandIn:
    """The Web API methods the app uses, plus `response_url`s: `{base_url}response/<key>` for a click,
    `{base_url}commands/<key>` for a slash command."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_token: str | None = None,
        usergroups: dict[str, list[str]] | None = None,
        on_message: Callable[[SlackMessage], None] | None = None,
    ) -> None:
        self._host, self._port = host, port
        self.bot_token = bot_token
        self.usergroups: dict[str, list[str]] = dict(usergroups or {})
        self.on_message = on_message
        self.messages: list[SlackMessage] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[SlackFault] = []
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                standin._handle(self, "GET")

            def do_POST(self) -> None:
                standin._handle(self, "POST")

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick: serve_forever only notices shutdown() between polls.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What SLACK_API_BASE_URL should be set to."""
        assert self._server is not None, "start() the stand-in first"
        port = self._server.server_address[1]
        return f"http://{self._host}:{port}/api/"

    def response_url(self, key: str = "r1") -> str:
        """A click's response_url; its posts are recorded with `response_key=key` and may replace the message that
        carried the button."""
        return f"{self.base_url}response/{key}"

    def command_response_url(self, key: str = "cmd") -> str:
        """A slash command's response_url; its posts are recorded with `response_key=key` and are always new
        ephemeral messages: they cannot replace (or delete) the command's ack."""
        return f"{self.base_url}commands/{key}"

    # ---- test helpers ----------------------------------------------------------------------------------------
    def add_fault(self, fault: SlackFault) -> None:
        with self._lock:
            self.faults.append(fault)

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.calls.clear()
            self.faults.clear()

    def wait_for(self, predicate: Callable[[list[SlackMessage]], bool], timeout: float = 10.0) -> list[SlackMessage]:
        """Block until `predicate(messages)` holds; return a snapshot. Raises TimeoutError with what was seen."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self.messages)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(describe(m) for m in self.messages) or "(nothing)"
                    raise TimeoutError(f"Slack stand-in: condition not met in {timeout}s; messages:\n{seen}")
                self._lock.wait(remaining)
            return list(self.messages)

    # ---- request handling ------------------------------------------------------------------------------------
    def _record(self, message: SlackMessage) -> None:
        with self._lock:
            self.messages.append(message)
            self._lock.notify_all()
        if self.on_message is not None:
            self.on_message(message)

    def _take_fault(self, method: str, params: dict[str, Any]) -> SlackFault | None:
        """The first matching fault, counting one use of it; its latency is waited out here (outside the lock)."""
        with self._lock:
            taken = claim_fault(self.faults, method, params)
        if taken is not None and taken.latency_s > 0:
            time.sleep(taken.latency_s)
        return taken

    def _handle(self, request: BaseHTTPRequestHandler, verb: str) -> None:
        path = urlsplit(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if path.startswith("/_standin/"):
            self._control(request, verb, path.removeprefix("/_standin/"), raw)
            return
        if not path.startswith("/api/"):
            self._send(request, 404, {"ok": False, "error": "unknown_url"})
            return
        params = self._params(request, raw)
        name = path.removeprefix("/api/")
        for prefix, kind in _RESPONSE_PATHS.items():
            if name.startswith(prefix):
                self._response_url(request, name.removeprefix(prefix), kind, params)
                return
        with self._lock:
            self.calls.append((name, params))
        fault = self._take_fault(name, params)
        try:
            self._web_api(request, name, params, fault)
        finally:
            self._landed(fault)

    def _landed(self, fault: SlackFault | None) -> None:
        if fault is not None:
            with self._lock:
                fault.landed += 1
                self._lock.notify_all()

    def wait_landed(self, fault: SlackFault, count: int = 1, timeout: float = 10.0) -> None:
        """Block until `fault` has finished with `count` calls (a held call reached Slack, or was failed)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while fault.landed < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"Slack stand-in: {fault} landed {fault.landed} of {count} calls")
                self._lock.wait(remaining)

    def _web_api(
        self, request: BaseHTTPRequestHandler, name: str, params: dict[str, Any], fault: SlackFault | None
    ) -> None:
        if fault is not None and not fault.proceed:
            headers = {"Retry-After": str(fault.retry_after_s)} if fault.status == 429 else {}
            self._send(request, fault.status, {"ok": False, "error": fault.error}, headers)
            return
        if self.bot_token is not None:
            auth = request.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip() or str(params.get("token", ""))
            if token != self.bot_token:
                self._send(request, 200, {"ok": False, "error": "invalid_auth"})
                return
        self._send(request, 200, self._method(name, params))

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, raw: bytes) -> dict[str, Any]:
        content_type = request.headers.get("Content-Type", "")
        text = raw.decode("utf-8", errors="replace")
        params: dict[str, Any]
        if "json" in content_type:
            try:
                loaded = json.loads(text or "{}")
            except json.JSONDecodeError:
                loaded = {}
            params = loaded if isinstance(loaded, dict) else {}
        else:
            params = dict(parse_qsl(text, keep_blank_values=True))
            params.update(dict(parse_qsl(urlsplit(request.path).query)))
        for key in ("blocks", "attachments"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except json.JSONDecodeError:
                    params[key] = []
        return params

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _method(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        blocks = params.get("blocks") if isinstance(params.get("blocks"), list) else []
        text = params.get("text")
        if name == "auth.test":
            return {"ok": True, "team": "Local", "team_id": "T0LOCAL", "user_id": "U0BOT", "bot_id": "B0BOT"}
        if name == "chat.postMessage":
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            ts = self._next_ts()
            self._record(
                SlackMessage("chat.postMessage", channel, ts, params.get("thread_ts"), text, list(blocks or []))
            )
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": text, "ts": ts}}
        if name == "chat.update":
            if not channel or not params.get("ts"):
                return {"ok": False, "error": "message_not_found"}
            self._record(SlackMessage("chat.update", channel, params.get("ts"), None, text, list(blocks or [])))
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": text}
        if name == "chat.postEphemeral":
            ts = self._next_ts()
            self._record(
                SlackMessage("chat.postEphemeral", channel, ts, None, text, list(blocks or []), params.get("user"))
            )
            return {"ok": True, "message_ts": ts}
        if name == "usergroups.users.list":
            group = str(params.get("usergroup", ""))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.usergroups[group])}
        return {"ok": False, "error": "unknown_method"}

    def _response_url(self, request: BaseHTTPRequestHandler, key: str, kind: str, params: dict[str, Any]) -> None:
        fault = self._take_fault("response_url", params)
        try:
            self._response_post(request, key, kind, params, fault)
        finally:
            self._landed(fault)

    def _response_post(
        self, request: BaseHTTPRequestHandler, key: str, kind: str, params: dict[str, Any], fault: SlackFault | None
    ) -> None:
        if fault is not None and not fault.proceed:
            self._send(request, fault.status, {"ok": False, "error": fault.error})
            return
        blocks = params.get("blocks") if isinstance(params.get("blocks"), list) else []
        replace, delete = bool(params.get("replace_original")), bool(params.get("delete_original"))
        self._record(
            SlackMessage(
                "response_url",
                text=params.get("text"),
                blocks=list(blocks or []),
                response_type=params.get("response_type"),
                replace_original=replace,
                delete_original=delete,
                response_key=key,
                response_kind=kind,
                replaced=replace and kind == "interaction",
                deleted=delete and kind == "interaction",
            )
        )
        self._send(request, 200, {"ok": True})

    def _control(self, request: BaseHTTPRequestHandler, verb: str, what: str, raw: bytes) -> None:
        if verb == "GET" and what == "messages":
            with self._lock:
                self._send(request, 200, {"messages": [m.to_json() for m in self.messages]})
            return
        if verb == "POST" and what == "reset":
            self.reset()
            self._send(request, 200, {"ok": True})
            return
        if verb == "POST" and what == "faults":
            try:
                self.add_fault(SlackFault(**json.loads(raw or b"{}")))
            except (TypeError, ValueError) as exc:
                self._send(request, 400, {"ok": False, "error": str(exc)})
                return
            self._send(request, 200, {"ok": True})
            return
        if verb == "POST" and what == "usergroups":
            try:
                groups = json.loads(raw or b"{}")
                self.usergroups.update({str(k): [str(u) for u in v] for k, v in groups.items()})
            except (AttributeError, TypeError, ValueError) as exc:
                self._send(request, 400, {"ok": False, "error": str(exc)})
                return
            self._send(request, 200, {"ok": True})
            return
        self._send(request, 404, {"ok": False, "error": "unknown_control"})

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)
