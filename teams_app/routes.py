"""The Teams HTTP trigger's handler: POST /api/messages, where the Azure Bot sends every activity.

Registered by name in `teams_app.registry` (which imports this module on the first Teams request, so that indexing
the app loads none of it). Thin, like the Slack routes: read the settings, refuse everything when TEAMS_APP_ID is
unset (there is then no audience to check a token against, as Slack has no secret to check a signature with), and
hand the request to the Teams runtime - imported here, on first use, so that indexing the app and Slack's ack path
never load the Teams SDK (tests/cancel_function/test_ack_path_imports.py). Anonymous at the Functions level: the
Bot Connector sends no function key; the activity's JWT is the authentication.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import azure.functions as func

from cppcancel.http_errors import error_body
from cppcancel.settings import SettingsError, get_settings

log = logging.getLogger("teams_app.routes")


def _refusal(status: int, code: str, message: str) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(error_body(code, message)), status_code=status, mimetype="application/json")


async def serve_teams(req: func.HttpRequest, client: Any = None) -> func.HttpResponse:
    """Every Teams activity for the bot: messages, and card clicks (`adaptiveCard/action` invokes)."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        log.error("Teams request refused: %s", exc)
        return _refusal(503, "not_configured", "the app is not configured")
    if not settings.teams.app_id:
        log.error("TEAMS_APP_ID is not set: every Teams request is refused")
        return _refusal(401, "unauthorized", "The request is not from the Bot Connector, or not for this bot.")

    from durable_bridge import DurableBridge
    from teams_app import runtime

    durable = DurableBridge(client, asyncio.get_running_loop()) if client is not None else None
    return await runtime.serve(settings.teams, req, durable)
