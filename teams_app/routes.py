"""The Teams HTTP trigger: POST /api/messages, where the Azure Bot sends every activity.

Thin, like the Slack routes: read the settings, refuse everything when TEAMS_APP_ID is unset (there is then no
audience to check a token against, as Slack has no secret to check a signature with), and hand the request to the
Teams runtime - imported here, on first use, so that indexing the app and Slack's ack path never load the Teams SDK
(tests/cancel_function/test_ack_path_imports.py). Anonymous at the Functions level: the Bot Connector sends no
function key; the activity's JWT is the authentication.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import azure.durable_functions as df
import azure.functions as func

from cppcancel.http_errors import error_body
from cppcancel.settings import SettingsError, get_settings

log = logging.getLogger("teams_app.routes")

# A Durable blueprint, so that the commands (which start the cancel) can take the durable client on this route.
bp = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)

HttpTrigger = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def _anonymous_post(route: str) -> Callable[[HttpTrigger], HttpTrigger]:
    """`@bp.route(...)`, typed (the Durable blueprint's decorators are not); the auth level is given on the route
    because the blueprint's default is not applied by `get_functions()`."""

    def register(trigger: HttpTrigger) -> HttpTrigger:
        bp.route(route=route, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(trigger)
        return trigger

    return register


def _refusal(status: int, code: str, message: str) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(error_body(code, message)), status_code=status, mimetype="application/json")


@_anonymous_post("messages")
async def teams_messages(req: func.HttpRequest) -> func.HttpResponse:
    """Every Teams activity for the bot: messages, and card clicks (`adaptiveCard/action` invokes)."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        log.error("Teams request refused: %s", exc)
        return _refusal(503, "not_configured", "the app is not configured")
    if not settings.teams.app_id:
        log.error("TEAMS_APP_ID is not set: every Teams request is refused")
        return _refusal(401, "unauthorized", "The request is not from the Bot Connector, or not for this bot.")

    from teams_app import runtime

    return await runtime.serve(settings.teams, req)
