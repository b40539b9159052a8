"""Index a FunctionApp's functions once and invoke them the way the Python worker does.

Everything comes from `app.get_functions()`: each function's bindings JSON says what triggers it (httpTrigger with
route/methods/authLevel, orchestrationTrigger, activityTrigger) and which extra inputs it takes (durableClient), and
`get_user_function()` is called with keyword arguments named after those bindings - plus `context` when the
function declares one. `async def` functions run on the shared event loop, plain functions in a thread pool.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import azure.functions as func
from azure.functions.durable_functions import ActivityTriggerConverter
from azure.functions.meta import Datum

from devhost.functions import event_loop
from devhost.functions.bridge import WireRequest, WireResponse, from_function_result, to_function_request
from devhost.functions.routing import RouteTemplate

log = logging.getLogger("devhost.functions")

HTTP_TIMEOUT_S = 230.0  # Azure's load balancer cuts HTTP-triggered functions off here whatever functionTimeout says
DEFAULT_FUNCTION_TIMEOUT_S = 600.0


class FunctionKind(StrEnum):
    HTTP = "http"
    ORCHESTRATOR = "orchestrator"
    ACTIVITY = "activity"
    OTHER = "other"


class FunctionIndexError(RuntimeError):
    """The app declares something the worker would refuse to load; the message names the function."""


class FunctionNotFound(LookupError):
    pass


class ActivityFailed(Exception):
    """An activity raised: `reason`/`details` become the TaskFailed event the orchestrator sees."""

    def __init__(self, reason: str, details: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class HttpTrigger:
    route: RouteTemplate
    methods: frozenset[str] | None  # None: every method, as when function.json names none
    auth_level: str


@dataclass(frozen=True)
class IndexedFunction:
    name: str
    kind: FunctionKind
    trigger_type: str
    trigger_param: str
    client_params: tuple[str, ...]
    http: HttpTrigger | None
    user_function: Callable[..., Any]
    is_async: bool
    wants_context: bool


_index_lock = threading.Lock()
_index: dict[int, tuple[object, tuple[IndexedFunction, ...]]] = {}


def index_app(app: Any) -> tuple[IndexedFunction, ...]:
    """`get_functions()` raises when called twice on one app object, so the result is kept for the process."""
    with _index_lock:
        cached = _index.get(id(app))
        if cached is None:
            cached = (app, tuple(_index_function(fn) for fn in registered_functions(app)))
            _index[id(app)] = cached
        return cached[1]


def registered_functions(app: Any) -> list[Any]:
    """The app's functions, even if someone in this process (a test fixture) already called `get_functions()`:
    only its duplicate-name bookkeeping is not idempotent, so build from the function builders again."""
    try:
        return list(app.get_functions())
    except ValueError:
        builders = getattr(app, "_function_builders", None)
        if builders is None:
            raise
        return [builder.build(app.auth_level) for builder in builders]


def _index_function(function: Any) -> IndexedFunction:
    name = str(function.get_function_name())
    bindings: list[dict[str, Any]] = json.loads(function.get_function_json())["bindings"]
    user_function = function.get_user_function()
    triggers = [b for b in bindings if str(b.get("type", "")).lower().endswith("trigger")]
    if len(triggers) != 1:
        raise FunctionIndexError(f"function {name!r} has {len(triggers)} triggers; exactly one is required")
    trigger = triggers[0]
    trigger_type = str(trigger["type"])
    kind = {
        "httptrigger": FunctionKind.HTTP,
        "orchestrationtrigger": FunctionKind.ORCHESTRATOR,
        "activitytrigger": FunctionKind.ACTIVITY,
    }.get(trigger_type.lower(), FunctionKind.OTHER)
    clients = tuple(str(b["name"]) for b in bindings if str(b.get("type", "")).lower() == "durableclient")
    parameters = inspect.signature(user_function).parameters
    declared = [str(b["name"]) for b in bindings if b.get("name") != "$return"]
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    missing = [n for n in declared if n not in parameters and not accepts_any]
    unsupported = [
        str(b["name"])
        for b in bindings
        if b is not trigger
        and b.get("name") != "$return"
        and str(b.get("type", "")).lower() not in ("durableclient", "http")
    ]
    if kind is FunctionKind.OTHER or unsupported:
        log.warning("function %s: %s bindings are not served by the dev host", name, trigger_type)
    if missing:
        raise FunctionIndexError(f"function {name!r}: bindings {missing} have no parameter of that name")
    http = None
    if kind is FunctionKind.HTTP:
        methods = trigger.get("methods")
        http = HttpTrigger(
            route=RouteTemplate.parse(str(trigger.get("route") or name)),
            methods=frozenset(str(m).upper() for m in methods) if methods else None,
            auth_level=str(trigger.get("authLevel") or "FUNCTION").upper(),
        )
    return IndexedFunction(
        name=name,
        kind=kind,
        trigger_type=trigger_type,
        trigger_param=str(trigger["name"]),
        client_params=clients,
        http=http,
        user_function=user_function,
        is_async=inspect.iscoroutinefunction(user_function),
        wants_context="context" in parameters and "context" not in declared,
    )


class _InvocationContext(func.Context):
    """What the worker passes as `context`: invocation ID, function name and directory."""

    def __init__(self, function_name: str, directory: str) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._directory = directory
        self._local = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._directory

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None


class FunctionsHost:
    """Invokes indexed functions; `client_binding()` supplies the durable client JSON for each invocation."""

    def __init__(
        self,
        functions: Iterable[IndexedFunction],
        client_binding: Callable[[], str],
        *,
        app_directory: str = ".",
        sync_workers: int = 32,
        function_timeout_s: float = DEFAULT_FUNCTION_TIMEOUT_S,
    ) -> None:
        self.functions: dict[str, IndexedFunction] = {f.name: f for f in functions}
        self._client_binding = client_binding
        self._directory = app_directory
        self._timeout = function_timeout_s
        self._pool = ThreadPoolExecutor(max_workers=sync_workers, thread_name_prefix="devhost-sync")
        http = [f for f in self.functions.values() if f.http is not None]
        self.http_functions: Sequence[IndexedFunction] = sorted(
            http, key=lambda f: f.http.route.specificity if f.http else (0, 0), reverse=True
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- lookup ---------------------------------------------------------------------------------------------
    def match_http(self, method: str, path: str) -> tuple[IndexedFunction, dict[str, str]] | None:
        for function in self.http_functions:
            assert function.http is not None
            params = function.http.route.match(path)
            if params is not None and (function.http.methods is None or method.upper() in function.http.methods):
                return function, params
        return None

    def methods_for(self, path: str) -> set[str]:
        """Methods some function accepts on this path (to explain a 404 caused by the method alone)."""
        found: set[str] = set()
        for function in self.http_functions:
            assert function.http is not None
            if function.http.route.match(path) is not None:
                found |= set(function.http.methods or {"any method"})
        return found

    def has_orchestrator(self, name: str) -> bool:
        found = self.functions.get(name)
        return found is not None and found.kind is FunctionKind.ORCHESTRATOR

    # ---- invocation -----------------------------------------------------------------------------------------
    def invoke(self, function: IndexedFunction, trigger_value: Any, *, timeout: float | None = None) -> Any:
        """Call the user function with its bindings; blocks the calling thread until it returns or raises."""
        kwargs: dict[str, Any] = {function.trigger_param: trigger_value}
        for name in function.client_params:
            kwargs[name] = self._client_binding()
        if function.wants_context:
            kwargs["context"] = _InvocationContext(function.name, self._directory)
        limit = timeout if timeout is not None else self._timeout
        if function.is_async:
            return event_loop.submit(function.user_function(**kwargs)).result(limit)
        return self._pool.submit(function.user_function, **kwargs).result(limit)

    def invoke_http(
        self, function: IndexedFunction, request: WireRequest, route_params: dict[str, str]
    ) -> WireResponse:
        started = time.monotonic()
        invocation = to_function_request(request, route_params)
        try:
            result = self.invoke(function, invocation, timeout=min(HTTP_TIMEOUT_S, self._timeout))
        finally:
            log.debug("Executed 'Functions.%s' in %.0f ms", function.name, (time.monotonic() - started) * 1000)
        return from_function_result(result)

    def run_orchestrator(self, name: str, context_json: str) -> str:
        """Orchestrator code is deterministic and does no I/O, so it runs on the caller's thread (the engine's)."""
        function = self._get(name, FunctionKind.ORCHESTRATOR)
        kwargs = {function.trigger_param: func.OrchestrationContext(context_json)}
        result = function.user_function(**kwargs)
        return result if isinstance(result, str) else str(result)

    def run_activity(self, name: str, input_json: str | None) -> str:
        """Decode the JSON input, call the activity, JSON-encode what it returns - as the activity converter does."""
        try:
            function = self._get(name, FunctionKind.ACTIVITY)
        except FunctionNotFound as exc:
            raise ActivityFailed(str(exc), "") from exc
        value = (
            None
            if input_json is None
            else ActivityTriggerConverter.decode(Datum(type="json", value=input_json), trigger_metadata=None)
        )
        started = time.monotonic()
        try:
            result = self.invoke(function, value)
            encoded = ActivityTriggerConverter.encode(result, expected_type=None)
        except Exception as exc:
            log.warning("Activity %s failed", name, exc_info=True)
            raise ActivityFailed(
                f"Activity function '{name}' failed: {type(exc).__name__}: {exc}", type(exc).__name__
            ) from exc
        log.debug("Executed activity %s in %.0f ms", name, (time.monotonic() - started) * 1000)
        return str(encoded.value)

    def _get(self, name: str, kind: FunctionKind) -> IndexedFunction:
        function = self.functions.get(name)
        if function is None or function.kind is not kind:
            raise FunctionNotFound(
                f"The function '{name}' doesn't exist, is disabled, or is not an {kind.value} function."
            )
        return function
