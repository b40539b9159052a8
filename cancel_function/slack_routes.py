"""The Slack HTTP triggers: POST /api/slack/commands (slash commands) and POST /api/slack/interactions (buttons).

Both are thin: check the configuration, then hand the request to the Bolt app on a worker thread. They are `async`
because they take the durable client (Confirm starts the cancel orchestration through the start-once service, which
is injected here with the client; "Stop watching" raises an event), and
the Bolt dispatch blocks (Partner Portal and Slack calls), so it runs through `asyncio.to_thread` to keep the
worker's event loop free. Both routes take the durable client so that any Slack payload works on either URL.

The ack's deadline is worked out first thing (`slack_app.deadline`: from the handler's start and from Slack's
send time in `X-Slack-Request-Timestamp`) and handed to the listeners in the Bolt context, so that building Bolt on a
cold worker counts against it.

Deny by default: without SLACK_SIGNING_SECRET nothing can be verified, so every request gets 401 (and an error
line); without SLACK_BOT_TOKEN the app cannot work, so 503. Slack, Bolt and the CPP client are imported on first
use, so that functions which never serve Slack (the orchestrations) do not pay for them at cold start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import azure.functions as func

from cancel_function.start_once import StartOnce
from cppcancel.http_errors import error_body
from cppcancel.settings import SettingsError, get_settings

log = logging.getLogger("cancel_function.slack")


def _json(status: int, code: str, message: str) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(error_body(code, message)), status_code=status, mimetype="application/json")


async def serve_slack(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    """Verify (via Bolt), dispatch, answer; shared by both routes."""
    started_mono, started_wall = time.monotonic(), time.time()
    try:
        settings = get_settings()
    except SettingsError as exc:
        log.error("Slack request refused: %s", exc)
        return _json(503, "not_configured", "the app is not configured")
    if not settings.slack_signing_secret:
        log.error("SLACK_SIGNING_SECRET is not set: every Slack request is refused")
        return _json(401, "invalid_signature", "invalid request")
    if not settings.slack_bot_token:
        log.error("SLACK_BOT_TOKEN is not set: Slack requests cannot be served")
        return _json(503, "not_configured", "the app is not configured")

    from slack_app import bolt_app, deadline, durable_port, functions_adapter

    stamp = req.headers.get("x-slack-request-timestamp")
    clock = deadline.ack_clock(stamp, started_mono=started_mono, started_wall=started_wall)
    if len(req.get_body()) > functions_adapter.MAX_BODY_BYTES:  # before building anything
        return _json(413, "body_too_large", "request body too large")
    bridge = durable_port.DurableBridge(client, asyncio.get_running_loop())
    context = {
        durable_port.CONTEXT_KEY: bridge,
        durable_port.CANCELS_KEY: StartOnce(bridge),
        durable_port.ACK_CLOCK_KEY: clock,
    }
    app = await asyncio.to_thread(bolt_app.build_app, settings)
    secret = settings.slack_signing_secret
    return await asyncio.to_thread(functions_adapter.handle, app, secret, req, context)
