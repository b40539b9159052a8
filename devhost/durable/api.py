"""The Durable extension's HTTP API and client binding, so `DurableOrchestrationClient` runs unmodified.

The DFApp's `durable_client_input` middleware builds the client from a JSON string (`binding_json`); the client then
calls the extension at `rpcBaseUrl` with aiohttp. The routes, verbs, status codes and bodies below follow the
extension's HttpApiHandler, because the SDK branches on them: start answers 202 with the management payload, 400
with `ExceptionMessage` for an unknown orchestrator, and 500 ("Something went wrong while processing your request")
for an instance ID that is Pending, Running, ContinuedAsNew or Suspended - the extension has no 409 there: the
refusal falls through to its catch-all - while a finished instance is replaced (the SDK raises on 400 and 500);
status answers 202 while running, 200 when done, and an empty 404 that the SDK turns into a falsy status object;
raiseEvent and terminate answer 202, 404 or 410.

The SDK posts inputs and event data JSON-encoded twice (it serialises to a string, then aiohttp serialises that
string); the decoded text is the payload's JSON, which is what the orchestrator's history must hold.

Locally the API answers callers on the loopback interface (the functions themselves); anyone else - a request that
came through a tunnel - must present the system key (`code=`), as on Azure, where the key is in every management
URL that `create_check_status_response` hands out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from devhost.durable.engine import DurableEngine
from devhost.durable.errors import (
    InstanceAlreadyRunning,
    InstanceGone,
    InstanceNotFound,
    InstanceStillRunning,
    InvalidInstanceId,
    OrchestratorNotFound,
)
from devhost.durable.store import InstanceRecord
from devhost.functions.bridge import WireRequest, WireResponse, json_response

log = logging.getLogger("devhost.durable.api")

WEBHOOK_PATH = "/runtime/webhooks/durabletask"
DEFAULT_TASK_HUB = "DevHostHub"
_LOOPBACK = ("127.", "::1", "localhost")
_PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "forwarded", "x-original-host")
_EVENT_NAMES = {
    0: "ExecutionStarted",
    1: "ExecutionCompleted",
    2: "ExecutionFailed",
    3: "ExecutionTerminated",
    4: "TaskScheduled",
    5: "TaskCompleted",
    6: "TaskFailed",
    10: "TimerCreated",
    11: "TimerFired",
    12: "OrchestratorStarted",
    13: "OrchestratorCompleted",
    15: "EventRaised",
}
_HIDDEN_WITHOUT_OUTPUT = ("Result", "Input", "Details")


def status_time(moment: datetime) -> str:
    """The extension's format: `ToString("s") + "Z"`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def status_payload(
    record: InstanceRecord, *, show_input: bool = True, show_history: bool = False, show_history_output: bool = False
) -> dict[str, Any]:
    """The extension's StatusResponsePayload (`historyEvents` is its name for the history, as on Azure)."""
    payload: dict[str, Any] = {
        "name": record.name,
        "instanceId": record.instance_id,
        "runtimeStatus": record.runtime_status,
        "input": _load(record.input_json) if show_input else None,
        "customStatus": _load(record.custom_status_json),
        "output": _load(record.output_json),
        "createdTime": status_time(record.created_time),
        "lastUpdatedTime": status_time(record.last_updated_time),
    }
    if show_history:
        events = list(record.state.get("history") or []) + list(record.state.get("new_events") or [])
        payload["historyEvents"] = [_history_event(e, show_history_output) for e in events]
    return payload


def _history_event(event: dict[str, Any], with_output: bool) -> dict[str, Any]:
    shown = {k: v for k, v in event.items() if k not in ("IsPlayed",)}
    shown["EventType"] = _EVENT_NAMES.get(int(event.get("EventType", -1)), str(event.get("EventType")))
    if not with_output:
        for key in _HIDDEN_WITHOUT_OUTPUT:
            shown.pop(key, None)
    return shown


def client_json(body: bytes) -> str | None:
    """The JSON text of a posted payload, undoing the SDK's second encoding; raises ValueError for bad JSON."""
    text = body.decode("utf-8").strip() if body else ""
    if not text:
        return None
    value = json.loads(text)
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value)
        return value
    return json.dumps(value)


def _error(status: int, message: str, exception: Exception | None = None) -> WireResponse:
    """ASP.NET's HttpError shape (`Message`, `ExceptionMessage`, `ExceptionType`), which the SDK reads for 400s."""
    body: dict[str, Any] = {"Message": message}
    if exception is not None:
        kind = getattr(exception, "exception_type", type(exception).__name__)
        body.update({"ExceptionMessage": str(exception), "ExceptionType": kind})
    return json_response(status, body)


class DurableHttpApi:
    def __init__(
        self,
        engine: DurableEngine,
        *,
        origin: Callable[[], str],
        system_key: str,
        task_hub: str = DEFAULT_TASK_HUB,
    ) -> None:
        self._engine = engine
        self._origin = origin
        self._key = system_key
        self.task_hub = task_hub

    # ---- the client binding ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"{self._origin()}{WEBHOOK_PATH}"

    def management_urls(self, instance_id: str = "INSTANCEID") -> dict[str, str]:
        base, q = self.base_url, f"taskHub={quote(self.task_hub)}&connection=Storage&code={self._key}"
        prefix = f"{base}/instances/{instance_id}"
        return {
            "id": instance_id,
            "statusQueryGetUri": f"{prefix}?{q}",
            "sendEventPostUri": f"{prefix}/raiseEvent/{{eventName}}?{q}",
            "terminatePostUri": f"{prefix}/terminate?reason={{text}}&{q}",
            "rewindPostUri": f"{prefix}/rewind?reason={{text}}&{q}",
            "purgeHistoryDeleteUri": f"{prefix}?{q}",
            "restartPostUri": f"{prefix}/restart?{q}",
            "suspendPostUri": f"{prefix}/suspend?reason={{text}}&{q}",
            "resumePostUri": f"{prefix}/resume?reason={{text}}&{q}",
        }

    def binding_json(self) -> str:
        """What the extension hands a function for a `durableClient` binding (see DurableOrchestrationBindings)."""
        base = self.base_url
        create = f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
        return json.dumps(
            {
                "taskHubName": self.task_hub,
                "creationUrls": {
                    "createNewInstancePostUri": f"{create}?code={self._key}",
                    "createAndWaitOnNewInstancePostUri": (
                        f"{create}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}&code={self._key}"
                    ),
                },
                "managementUrls": self.management_urls(),
                "baseUrl": base,
                "requiredQueryStringParameters": f"code={self._key}",
                "rpcBaseUrl": f"{base}/",
                "httpBaseUrl": "",
            }
        )

    # ---- requests -------------------------------------------------------------------------------------------
    def handle(self, request: WireRequest) -> WireResponse:
        if not self._authorized(request):
            return _error(401, "The durable task API needs the system key (code=...) for non-local callers.")
        segments = [unquote(s) for s in request.path[len(WEBHOOK_PATH) :].strip("/").split("/") if s]
        query = {k: v[-1] for k, v in request.query_params().items()}
        method = request.method.upper()
        try:
            return self._route(method, segments, query, request)
        except ValueError as exc:  # malformed JSON body or timestamp
            return _error(400, "One or more of the arguments submitted is incorrect", exc)

    def _route(self, method: str, segments: list[str], query: dict[str, str], request: WireRequest) -> WireResponse:
        if segments[:1] == ["orchestrators"] and len(segments) in (2, 3) and method == "POST":
            return self._start(segments[1], segments[2] if len(segments) == 3 else None, request)
        if segments[:1] != ["instances"]:
            return _error(404, f"{method} {request.path} is not part of the dev host's durable task API")
        if len(segments) == 1:
            if method == "GET":
                return self._list(query)
            if method == "DELETE":
                return self._purge_many(query)
        elif len(segments) == 2:
            if method == "GET":
                return self._status(segments[1], query)
            if method == "DELETE":
                return self._purge(segments[1])
        elif len(segments) == 4 and segments[2] == "raiseEvent" and method == "POST":
            return self._raise(segments[1], segments[3], request)
        elif len(segments) == 3 and method == "POST":
            if segments[2] == "terminate":
                return self._terminate(segments[1], query.get("reason"))
            return _error(501, f"'{segments[2]}' is not supported by the dev host")
        return _error(404, f"{method} {request.path} is not part of the dev host's durable task API")

    def _start(self, name: str, instance_id: str | None, request: WireRequest) -> WireResponse:
        try:
            instance_id = self._engine.start_new(name, instance_id, client_json(request.body))
        except (OrchestratorNotFound, InvalidInstanceId) as exc:
            return _error(400, "One or more of the arguments submitted is incorrect", exc)
        except InstanceAlreadyRunning as exc:  # HttpApiHandler's catch-all, as on Azure
            return _error(500, "Something went wrong while processing your request", exc)
        urls = self.management_urls(quote(instance_id, safe=""))
        urls["id"] = instance_id
        return json_response(202, urls, {"Location": urls["statusQueryGetUri"], "Retry-After": "10"})

    def _status(self, instance_id: str, query: dict[str, str]) -> WireResponse:
        record = self._engine.get(instance_id)
        if record is None:
            return WireResponse(404)
        payload = status_payload(
            record,
            show_input=query.get("showInput", "true").lower() != "false",
            show_history=query.get("showHistory", "").lower() == "true",
            show_history_output=query.get("showHistoryOutput", "").lower() == "true",
        )
        if record.runtime_status in ("Pending", "Running"):
            return json_response(202, payload, {"Retry-After": "5"})
        if record.runtime_status == "Failed" and query.get("returnInternalServerErrorOnFailure", "") == "true":
            return json_response(500, payload)
        return json_response(200, payload)

    def _list(self, query: dict[str, str]) -> WireResponse:
        records = self._engine.query(
            statuses=[s for s in query.get("runtimeStatus", "").split(",") if s],
            created_from=_parse_time(query.get("createdTimeFrom")),
            created_to=_parse_time(query.get("createdTimeTo")),
            prefix=query.get("instanceIdPrefix") or None,
        )
        show_input = query.get("showInput", "").lower() == "true"
        return json_response(200, [status_payload(r, show_input=show_input) for r in records])

    def _raise(self, instance_id: str, event_name: str, request: WireRequest) -> WireResponse:
        record = self._engine.get(instance_id)
        if record is None:
            return WireResponse(404)
        if record.is_terminal:
            return WireResponse(410)
        if "application/json" not in (request.header("Content-Type") or "").lower():
            return _error(400, "Only application/json request content is supported")
        try:
            self._engine.raise_event(instance_id, event_name, client_json(request.body))
        except InstanceNotFound:
            return WireResponse(404)
        except InstanceGone:
            return WireResponse(410)
        return WireResponse(202)

    def _terminate(self, instance_id: str, reason: str | None) -> WireResponse:
        try:
            self._engine.terminate(instance_id, reason)
        except InstanceNotFound:
            return WireResponse(404)
        except InstanceGone:
            return WireResponse(410)
        return WireResponse(202)

    def _purge(self, instance_id: str) -> WireResponse:
        try:
            self._engine.purge(instance_id)
        except InstanceNotFound:
            return WireResponse(404)
        except InstanceStillRunning as exc:
            return _error(412, str(exc))
        return json_response(200, {"instancesDeleted": 1})

    def _purge_many(self, query: dict[str, str]) -> WireResponse:
        created_from = _parse_time(query.get("createdTimeFrom"))
        if created_from is None:
            return _error(400, "Please provide value for 'createdTimeFrom' parameter.")
        deleted = 0
        for record in self._engine.query(
            statuses=[s for s in query.get("runtimeStatus", "").split(",") if s],
            created_from=created_from,
            created_to=_parse_time(query.get("createdTimeTo")),
        ):
            if record.is_terminal:
                self._engine.purge(record.instance_id)
                deleted += 1
        return json_response(200, {"instancesDeleted": deleted}) if deleted else WireResponse(404)

    def _authorized(self, request: WireRequest) -> bool:
        if request.query_params().get("code", [""])[-1] == self._key:
            return True
        local = request.client_host.startswith(_LOOPBACK)
        proxied = any(request.header(h) for h in _PROXY_HEADERS)
        return local and not proxied


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
