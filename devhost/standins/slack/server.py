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
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devhost.standins.server import Control, ErrorCodes, Reply, StandInRequest, StandInServer, json_reply
from devhost.standins.slack.faults import SlackFault, claim_fault
from devhost.standins.slack.messages import SlackMessage, describe

# The two kinds of response_url, as Slack's own differ (`hooks.slack.com/commands/...` for a slash command,
# `hooks.slack.com/actions/...` for a click): a click's may replace or delete the message with the button, a slash
# command's may not touch its ephemeral ack - a post there is a new message, whatever it asks.
_RESPONSE_PATHS = {"response/": "interaction", "commands/": "command"}


class SlackStandIn(StandInServer):
    """The Web API methods the app uses, plus `response_url`s: `{base_url}response/<key>` for a click,
    `{base_url}commands/<key>` for a slash command."""

    title = "Slack stand-in"
    base_path = "/api/"  # what SLACK_API_BASE_URL should be set to
    error_codes = ErrorCodes("invalid_arguments", "unknown_control", "request_too_large", "internal_error")

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_token: str | None = None,
        usergroups: dict[str, list[str]] | None = None,
        on_message: Callable[[SlackMessage], None] | None = None,
    ) -> None:
        super().__init__(host, port, token=bot_token)
        self.usergroups: dict[str, list[str]] = dict(usergroups or {})
        self.on_message = on_message
        self.messages: list[SlackMessage] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[SlackFault] = []
        self._ts = itertools.count(1)

    @property
    def bot_token(self) -> str | None:
        """The one token the Web API methods accept (None: any)."""
        return self.token

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
            self.clear_requests()

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

    def answer(self, request: StandInRequest) -> Reply:
        if not request.path.startswith("/api/"):
            return _json(404, {"ok": False, "error": "unknown_url"})
        params = self._params(request)
        name = request.path.removeprefix("/api/")
        for prefix, kind in _RESPONSE_PATHS.items():
            if name.startswith(prefix):
                return self._response_url(name.removeprefix(prefix), kind, params)
        with self._lock:
            self.calls.append((name, params))
        fault = self._take_fault(name, params)
        return self._landing(fault, lambda: self._web_api(request, name, params, fault))

    def _landing(self, fault: SlackFault | None, answer: Callable[[], Reply]) -> Reply:
        """The answer, counted as landed for `fault` once it is on the wire (or failed to get there)."""
        try:
            reply = answer()
        except BaseException:
            self._landed(fault)
            raise
        return Reply(reply.status, reply.body, reply.headers, after=lambda: self._landed(fault))

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

    def _web_api(self, request: StandInRequest, name: str, params: dict[str, Any], fault: SlackFault | None) -> Reply:
        if fault is not None and not fault.proceed:
            headers = {"Retry-After": str(fault.retry_after_s)} if fault.status == 429 else {}
            return _json(fault.status, {"ok": False, "error": fault.error}, headers)
        if self.bot_token is not None:
            auth = request.headers.get("authorization", "")
            token = auth.removeprefix("Bearer ").strip() or str(params.get("token", ""))
            if token != self.bot_token:
                return _json(200, {"ok": False, "error": "invalid_auth"})
        return _json(200, self._method(name, params))

    @staticmethod
    def _params(request: StandInRequest) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        text = request.body.decode("utf-8", errors="replace")
        params: dict[str, Any]
        if "json" in content_type:
            try:
                loaded = json.loads(text or "{}")
            except json.JSONDecodeError:
                loaded = {}
            params = loaded if isinstance(loaded, dict) else {}
        else:
            params = dict(parse_qsl(text, keep_blank_values=True))
            params.update(dict(parse_qsl(urlsplit(request.target).query)))
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

    def _response_url(self, key: str, kind: str, params: dict[str, Any]) -> Reply:
        fault = self._take_fault("response_url", params)
        return self._landing(fault, lambda: self._response_post(key, kind, params, fault))

    def _response_post(self, key: str, kind: str, params: dict[str, Any], fault: SlackFault | None) -> Reply:
        if fault is not None and not fault.proceed:
            return _json(fault.status, {"ok": False, "error": fault.error})
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
        return _json(200, {"ok": True})

    # ---- control endpoints: /_standin/* -----------------------------------------------------------------------
    def error_reply(self, status: int, code: str, message: str) -> Reply:
        return _json(status, {"ok": False, "error": code})

    def controls(self) -> Mapping[tuple[str, str], Control]:
        return {
            ("GET", "messages"): self._messages_json,
            ("POST", "reset"): self._reset,
            ("POST", "faults"): self._add_fault,
            ("POST", "usergroups"): self._add_usergroups,
        }

    def _messages_json(self, data: Any) -> Reply:
        with self._lock:
            return _json(200, {"messages": [m.to_json() for m in self.messages]})

    def _reset(self, data: Any) -> Reply:
        self.reset()
        return _json(200, {"ok": True})

    def _add_fault(self, data: Any) -> Reply:
        self.add_fault(SlackFault(**(data or {})))
        return _json(200, {"ok": True})

    def _add_usergroups(self, data: Any) -> Reply:
        groups = {str(k): [str(u) for u in v] for k, v in (data or {}).items()}
        self.usergroups.update(groups)
        return _json(200, {"ok": True})


def _json(status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Reply:
    return json_reply(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})
