"""One Teams `App` per worker, on an event loop of its own, and the way a Functions request reaches it.

Why a loop of its own: the SDK is async, but parts of it block - its inbound token check reads the signing keys
with PyJWT's `PyJWKClient` (urllib, synchronous, up to 30 s, again every 5 minutes when its cache expires), and
importing the SDK itself takes over a second. On the worker's one loop that would stall every Slack ack meanwhile.
So `serve` hands the raw request to the Teams thread, which imports the SDK on first use, builds and initializes the
App there once (`sdk_app.build_app`, `handlers.register`, `await app.initialize()`), runs the checks and the SDK's
handler, and gives back a `func.HttpResponse`. The App lives as long as the worker; a change of settings (only tests
do that) builds a new one.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from contextvars import ContextVar
from typing import TYPE_CHECKING

import azure.functions as func

from cppcancel.start_cancel import DurableClient
from cppcancel.teams_settings import TeamsSettings

if TYPE_CHECKING:
    from microsoft_teams.apps.http.adapter import HttpRouteHandler

log = logging.getLogger("teams_app.runtime")

# The invocation's durable client (a blocking `DurableBridge` over the route's async client), for the handlers of
# the activity being served: set on the Teams loop for the duration of one request (contexts follow its tasks and
# `asyncio.to_thread`).
_durable: ContextVar[DurableClient | None] = ContextVar("teams_durable_client", default=None)


def current_durable() -> DurableClient | None:
    return _durable.get()


class TeamsWorker:
    """The Teams thread, its loop, and (once the first request has built it) the SDK's messaging handler."""

    def __init__(self, teams: TeamsSettings) -> None:
        self.teams = teams
        self.loop = asyncio.new_event_loop()
        self._handler: HttpRouteHandler | None = None
        self._thread = threading.Thread(target=self._run, name="teams-sdk", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def _ready(self) -> HttpRouteHandler:
        """On the Teams loop (one task at a time gets here first; the loop is single-threaded)."""
        if self._handler is None:
            # The SDK warns, on import, of a preview feature of its own this app does not use (HTML widgets).
            warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
            from teams_app import handlers, sdk_app
            from teams_app.functions_adapter import FunctionsAdapter
            from teams_app.tokens import BotTokenProvider, identity_tokens

            adapter = FunctionsAdapter()
            app = sdk_app.build_app(self.teams, BotTokenProvider(identity_tokens(self.teams)), adapter)
            handlers.register(app)
            await app.initialize()
            self._handler = adapter.handler()
        return self._handler

    async def _handle(self, raw: bytes, headers: dict[str, str], durable: DurableClient | None) -> func.HttpResponse:
        from teams_app.functions_adapter import BOT_FRAMEWORK_ISSUER, to_function_response, to_sdk_request

        request = to_sdk_request(raw, headers, BOT_FRAMEWORK_ISSUER)
        if isinstance(request, func.HttpResponse):
            return request
        handler = await self._ready()
        _durable.set(durable)  # this task's context only
        return to_function_response(await handler(request))

    async def serve(self, req: func.HttpRequest, durable: DurableClient | None = None) -> func.HttpResponse:
        """From the worker's loop: run the request on the Teams loop and wait for its answer."""
        headers = {name.lower(): value for name, value in req.headers.items()}
        handled = self._handle(req.get_body(), headers, durable)
        future = asyncio.run_coroutine_threadsafe(handled, self.loop)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


_lock = threading.Lock()
_worker: TeamsWorker | None = None


def worker_for(teams: TeamsSettings) -> TeamsWorker:
    """The worker's one TeamsWorker (a new one only when the Teams settings changed)."""
    global _worker
    with _lock:
        if _worker is None or _worker.teams != teams:
            if _worker is not None:
                _worker.close()
            _worker = TeamsWorker(teams)
        return _worker


async def serve(teams: TeamsSettings, req: func.HttpRequest, durable: DurableClient | None = None) -> func.HttpResponse:
    try:
        return await worker_for(teams).serve(req, durable)
    except Exception:
        log.exception("the Teams activity failed")
        from teams_app.functions_adapter import error

        return error(500, "teams_failed", "The activity could not be processed.")
