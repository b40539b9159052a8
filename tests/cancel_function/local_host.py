"""The app's registered HTTP functions, served over loopback HTTP next to the Durable extension's HTTP API.

Put together from the dev host's parts - its HTTP server, the worker's request/response converters
(`devhost.functions.bridge`), the durable engine and its HTTP API, the shared event loop - so that a test's request
travels as Slack's would: bytes on a socket, a real `azure.functions.HttpRequest`, the registered (decorated) user
function with the durable client binding, and the unmodified `DurableOrchestrationClient` calling the durable API.

The functions come from the suite's `app_functions` (get_functions() runs once per process). Which orchestrators
exist is up to the `runner`: `ParkedOrchestrators` stands in for the cancel and watch orchestrators (they start and
then wait, recording the events they receive), so these tests check the Slack front end alone; the end-to-end tests
use the real ones.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cppcancel.contracts import CANCEL_ORCHESTRATOR, STOP_WATCH_EVENT, WATCH_ORCHESTRATOR
from devhost.durable.api import WEBHOOK_PATH, DurableHttpApi
from devhost.durable.engine import DurableEngine
from devhost.durable.store import DurableStore
from devhost.functions import event_loop
from devhost.functions.bridge import (
    WireRequest,
    WireResponse,
    error_response,
    from_function_result,
    to_function_request,
)
from devhost.functions.server import DevHostServer
from tests.slack_app.helpers import Reply

ROUTE_PREFIX = "/api/"
INVOKE_TIMEOUT_S = 30.0


class ParkedOrchestrators:
    """The cancel orchestrator starts and waits; the watcher waits for the stop event. No activity ever runs."""

    names = (CANCEL_ORCHESTRATOR, WATCH_ORCHESTRATOR)

    def has_orchestrator(self, name: str) -> bool:
        return name in self.names

    def run_orchestrator(self, name: str, context_json: str) -> str:
        actions: list[list[dict[str, Any]]] = []
        if name == WATCH_ORCHESTRATOR:
            actions = [[{"actionType": 6, "externalEventName": STOP_WATCH_EVENT}]]
        return json.dumps({"isDone": False, "actions": actions, "output": None, "customStatus": None})

    def run_activity(self, name: str, input_json: str | None) -> str:
        raise AssertionError(f"parked orchestrators run no activities ({name})")


def _http_routes(functions: Mapping[str, Any]) -> dict[str, tuple[Any, str, list[str]]]:
    """route -> (user function, trigger parameter name, durable client parameter names)."""
    routes: dict[str, tuple[Any, str, list[str]]] = {}
    for function in functions.values():
        bindings = json.loads(function.get_function_json())["bindings"]
        trigger = next((b for b in bindings if b["type"] == "httpTrigger"), None)
        if trigger is None:
            continue
        clients = [b["name"] for b in bindings if b["type"] == "durableClient"]
        routes[str(trigger["route"]).strip("/")] = (function.get_user_function(), trigger["name"], clients)
    return routes


class LocalFunctions:
    def __init__(self, functions: Mapping[str, Any], runner: Any, data_dir: Path) -> None:
        self._routes = _http_routes(functions)
        self._store = DurableStore(data_dir / "durable.sqlite3")
        self.engine = DurableEngine(self._store, runner, activity_workers=2, orchestrator_workers=2)
        self._server = DevHostServer("127.0.0.1", 0, self._dispatch)
        self.api = DurableHttpApi(self.engine, origin=lambda: self.origin, system_key="test-system-key")

    def start(self) -> LocalFunctions:
        self._server.start()
        self.engine.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self.engine.stop()
        self._store.close()

    def reset(self) -> None:
        """Forget every instance (the host is shared by a session's tests; each test starts from nothing)."""
        for record in self.engine.query():
            self._store.delete(record.instance_id)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def url(self, route: str) -> str:
        return f"{self.origin}{ROUTE_PREFIX}{route.strip('/')}"

    def binding_json(self) -> str:
        return self.api.binding_json()

    def _dispatch(self, request: WireRequest) -> WireResponse:
        if request.path.startswith(WEBHOOK_PATH):
            return self.api.handle(request)
        route = request.path.removeprefix(ROUTE_PREFIX.rstrip("/")).strip("/")
        found = self._routes.get(route)
        if found is None:
            return error_response(404, "not_found", request.path)
        user_function, trigger_param, clients = found
        kwargs: dict[str, Any] = {trigger_param: to_function_request(request, {})}
        kwargs.update({name: self.binding_json() for name in clients})
        result = event_loop.submit(user_function(**kwargs)).result(INVOKE_TIMEOUT_S)
        return from_function_result(result)

    def post(self, route: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST over loopback HTTP, as Slack would."""
        request = urllib.request.Request(self.url(route), data=body, method="POST", headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=INVOKE_TIMEOUT_S) as response:
                return Reply(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers.items()), error.read())

    # ---- what the durable side saw ----------------------------------------------------------------------------
    def instances(self, name: str | None = None) -> list[Any]:
        return [r for r in self.engine.query() if name is None or r.name == name]

    def events(self, instance_id: str, event_name: str) -> list[Any]:
        record = self.engine.get(instance_id)
        assert record is not None, instance_id
        history = record.state["history"]
        return [json.loads(e["Input"]) for e in history if e.get("EventType") == 15 and e.get("Name") == event_name]
