"""The dev host: settings, emulators, the function app, the durable engine and the HTTP listener, in that order.

Order matters: the port is bound first (a port conflict fails before anything else starts), the environment must be
complete before the app is imported (it may read settings at import time), the listener must serve before the
engine resumes instances (a resumed activity may call the durable API), and shutdown goes the other way round.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.data_dir import DataDirLock
from devhost.durable.api import WEBHOOK_PATH, DurableHttpApi
from devhost.durable.engine import DurableEngine
from devhost.durable.store import DurableStore
from devhost.emulators import Emulation, start_emulators
from devhost.functions.bridge import WireRequest, WireResponse, error_response, json_response
from devhost.functions.host import FunctionKind, FunctionsHost, index_app
from devhost.functions.loader import DEFAULT_APP, REPO_ROOT, HostJson, load_app, read_host_json
from devhost.functions.server import DEFAULT_MAX_BODY_BYTES, DevHostServer
from devhost.functions.settings import SettingsSource, apply_local_settings

log = logging.getLogger("devhost")

DEFAULT_PORT = 7071
DB_FILE = "durable.sqlite3"


@dataclass
class DevHostOptions:
    app: str = DEFAULT_APP
    host: str = "127.0.0.1"
    port: int | None = None  # None: local.settings.json Host.LocalHttpPort, else 7071
    data_dir: Path = Path(".devhost")
    use_local_settings: bool = True
    environ_overrides: Mapping[str, str] = field(default_factory=dict)
    emulator_step_seconds: float = 2.0
    on_slack_message: Callable[[Any], None] | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    activity_workers: int = 8


class DevHost:
    def __init__(self, options: DevHostOptions) -> None:
        self.options = options
        self.data_dir = options.data_dir.resolve()
        self.settings_source = SettingsSource()
        self.settings_problem: str | None = None
        self.emulation = Emulation()
        self.host_json = HostJson()
        self.resumed = 0
        self._lock = DataDirLock(self.data_dir)
        self._store: DurableStore | None = None
        self._engine: DurableEngine | None = None
        self._functions: FunctionsHost | None = None
        self._api: DurableHttpApi | None = None
        self._server: DevHostServer | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> DevHost:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        options = self.options
        self._lock.acquire()
        self.settings_source = apply_local_settings(
            os.environ, [Path.cwd(), REPO_ROOT], use_file=options.use_local_settings
        )
        port = options.port if options.port is not None else self.settings_source.local_http_port or DEFAULT_PORT
        self._server = DevHostServer(options.host, port, self.dispatch, max_body_bytes=options.max_body_bytes)
        os.environ.update(options.environ_overrides)
        self.emulation = start_emulators(
            os.environ,
            data_dir=self.data_dir,
            step_seconds=options.emulator_step_seconds,
            on_slack_message=options.on_slack_message,
        )
        self.settings_problem = _validate_app_settings()
        app, app_dir = load_app(options.app, [Path.cwd()])
        self.host_json = read_host_json(app_dir)
        functions = index_app(app)
        self._store = DurableStore(self.data_dir / DB_FILE)
        system_key = self._store.meta("system_key", secrets.token_urlsafe(24))
        self._functions = FunctionsHost(
            functions,
            client_binding=lambda: self.api.binding_json(),
            app_directory=str(app_dir),
            function_timeout_s=self.host_json.function_timeout_s,
        )
        self._engine = DurableEngine(self._store, self._functions, activity_workers=options.activity_workers)
        self._api = DurableHttpApi(
            self._engine,
            origin=lambda: self.origin,
            system_key=system_key,
            task_hub=self.host_json.hub_name or "DevHostHub",
        )
        self._server.start()
        self.resumed = self._engine.start()

    def stop(self) -> None:
        """Stop accepting requests, stop the engine, close the store, stop the emulators, release the data dir."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._engine is not None:
            self._engine.stop()
            self._engine = None
        if self._functions is not None:
            self._functions.close()
            self._functions = None
        if self._store is not None:
            self._store.close()
            self._store = None
        self.emulation.stop()
        self.emulation = Emulation()
        self._lock.release()

    def __enter__(self) -> DevHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- accessors ------------------------------------------------------------------------------------------
    @property
    def engine(self) -> DurableEngine:
        assert self._engine is not None, "the dev host is not running"
        return self._engine

    @property
    def functions(self) -> FunctionsHost:
        assert self._functions is not None, "the dev host is not running"
        return self._functions

    @property
    def api(self) -> DurableHttpApi:
        assert self._api is not None, "the dev host is not running"
        return self._api

    @property
    def port(self) -> int:
        assert self._server is not None, "the dev host is not running"
        return self._server.port

    @property
    def origin(self) -> str:
        host = self.options.host if self.options.host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def route_prefix(self) -> str:
        return "/" + self.host_json.route_prefix if self.host_json.route_prefix else ""

    def function_url(self, route: str) -> str:
        return f"{self.origin}{self.route_prefix}/{route.strip('/')}"

    def info(self) -> dict[str, Any]:
        """Endpoints and what is emulated - for the banner, the `slash` command and curious humans; no secrets."""
        functions = []
        for function in self.functions.functions.values():
            entry: dict[str, Any] = {"name": function.name, "kind": function.kind.value}
            if function.http is not None:
                entry.update(
                    route=function.http.route.template,
                    url=self.function_url(function.http.route.template),
                    methods=sorted(function.http.methods) if function.http.methods else ["*"],
                    authLevel=function.http.auth_level,
                )
            functions.append(entry)
        slack = self.emulation.slack
        cpp = self.emulation.cpp
        return {
            "origin": self.origin,
            "functions": functions,
            "durableApi": f"{self.origin}{WEBHOOK_PATH}/",
            "slackStandIn": slack.base_url if slack is not None else None,
            "cppEmulator": str(cpp.base_url) if cpp is not None else None,
            "dataDir": str(self.data_dir),
        }

    # ---- requests -------------------------------------------------------------------------------------------
    def dispatch(self, request: WireRequest) -> WireResponse:
        path = request.path
        if path == "/admin/host/status":
            return json_response(200, {"state": "Running", "processId": os.getpid(), "devhost": True})
        if path == "/admin/devhost/info":
            return json_response(200, self.info())
        if path == WEBHOOK_PATH or path.startswith(WEBHOOK_PATH + "/"):
            return self.api.handle(request)
        prefix = self.route_prefix
        if not prefix or path == prefix or path.startswith(prefix + "/"):
            return self._invoke_http(request, path[len(prefix) :])
        if path == "/":
            return json_response(200, self.info())
        return error_response(404, "not_found", f"nothing is served at {path}; functions are under {prefix}/")

    def _invoke_http(self, request: WireRequest, route_path: str) -> WireResponse:
        found = self.functions.match_http(request.method, route_path)
        if found is None:
            methods = self.functions.methods_for(route_path)
            detail = f" (that route accepts {', '.join(sorted(methods))})" if methods else ""
            return error_response(404, "not_found", f"no HTTP function serves {request.method} {request.path}{detail}")
        function, route_params = found
        try:
            return self.functions.invoke_http(function, request, route_params)
        except TimeoutError:
            log.error("function %s did not answer within the HTTP limit", function.name)
            return error_response(504, "timeout", f"Functions.{function.name} did not answer in time")
        except Exception:
            log.exception("Exception while executing function: Functions.%s", function.name)
            return error_response(
                500, "internal", f"Exception while executing function: Functions.{function.name} (see the dev host log)"
            )

    def functions_of(self, kind: FunctionKind) -> list[str]:
        return sorted(f.name for f in self.functions.functions.values() if f.kind is kind)


def _validate_app_settings() -> str | None:
    """Re-read the app's settings (the cache may hold values from before the environment was prepared) and
    report a problem instead of failing: the functions that need the setting will fail with the same message."""
    try:
        from cppcancel.settings import SettingsError, get_settings, reset_settings_cache
    except ImportError:
        return None
    reset_settings_cache()
    try:
        get_settings()
    except SettingsError as exc:
        return str(exc)
    return None
