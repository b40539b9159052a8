"""The acknowledgement baseline: a Bolt app whose listeners only `ack()`, served like the real Slack routes.

Why it looks the way it does: the ack-latency figure is meant to isolate what the product's listeners cost, so
everything else must be the same as on the real path (`cancel_function/slack_routes.py`):

- the same trigger shape: `async def` HTTP functions, POST, anonymous, stacked over `durable_client_input`, so
  the dev host hands them a durable client binding exactly as it does to the real routes;
- the same hops: settings read through `get_settings()`, a `DurableBridge` built on the running loop, the Bolt
  app fetched through `asyncio.to_thread` (cached, as `bolt_app.build_app` is), then `functions_adapter.handle` on
  a worker thread - the same Functions<->Bolt adapter, so Bolt's signature verification and request parsing are
  paid on both sides;
- a Bolt `App` configured like the real one (`process_before_response`, no token verification, no built-in
  ssl_check / url_verification), whose command and action listeners call `ack()` and nothing else.

What remains between the two is the product's own work: grammar, policy, the Partner Portal read, rendering,
audit, and (on Confirm) the durable status check, the response_url post and the orchestration start.

The routes live under `bare/` so that they can sit next to the real ones in one function app
(`benchmarks.combined_app`), and `app` is this blueprint alone as its own tiny DFApp
(`python -m devhost --app benchmarks.bare_app:app`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from slack_bolt import Ack, App

from cppcancel.settings import Settings, SettingsError, get_settings
from durable_bridge import DurableBridge
from slack_app import functions_adapter
from slack_app.web import web_client

COMMANDS_ROUTE = "bare/slack/commands"
INTERACTIONS_ROUTE = "bare/slack/interactions"

bp = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)

_Trigger = Callable[[func.HttpRequest, Any], Awaitable[func.HttpResponse]]


@functools.lru_cache(maxsize=4)
def build_bare_app(settings: Settings) -> App:
    """A Bolt app with the real app's dispatch settings and listeners that only acknowledge.

    It gets the same Web API client as the real app (`slack_app.web.web_client`): Bolt's single-team authorization
    calls `auth.test` once through it, so both apps pay that once, against the Slack stand-in, never slack.com.
    """
    if not settings.slack_signing_secret or not settings.slack_bot_token:
        raise ValueError("SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are required")
    app = App(
        name="bare-ack",
        signing_secret=settings.slack_signing_secret,
        token=settings.slack_bot_token,
        client=web_client(settings),
        process_before_response=True,
        token_verification_enabled=False,
        ssl_check_enabled=False,
        url_verification_enabled=False,
    )

    @app.command(re.compile(r".*"))
    def on_command(ack: Ack) -> None:
        ack()

    @app.action(re.compile(r".*"))
    def on_action(ack: Ack) -> None:
        ack()

    return app


def _json(status: int, error: str) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"error": error}), status_code=status, mimetype="application/json")


async def serve_bare(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    """`cancel_function.slack_routes.serve_slack` with the listeners' work taken out."""
    try:
        settings = get_settings()
    except SettingsError:
        return _json(503, "the app is not configured")
    if not settings.slack_signing_secret or not settings.slack_bot_token:
        return _json(503, "the app is not configured")
    if len(req.get_body()) > functions_adapter.MAX_BODY_BYTES:
        return functions_adapter.json_response(413, {"error": "request body too large"})
    bridge = DurableBridge(client, asyncio.get_running_loop())
    app = await asyncio.to_thread(build_bare_app, settings)
    secret = settings.slack_signing_secret
    return await asyncio.to_thread(functions_adapter.handle, app, secret, req, {"durable": bridge})


def _slack_trigger(route: str) -> Callable[[_Trigger], _Trigger]:
    """`@bp.route` over `@bp.durable_client_input`, as the real Slack routes stack them (typed for mypy)."""

    def register(trigger: _Trigger) -> _Trigger:
        with_client = bp.durable_client_input(client_name="client")(trigger)
        bp.route(route=route, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(with_client)
        return trigger

    return register


@_slack_trigger(COMMANDS_ROUTE)
async def bare_slack_commands(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await serve_bare(req, client)


@_slack_trigger(INTERACTIONS_ROUTE)
async def bare_slack_interactions(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await serve_bare(req, client)


app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(bp)
