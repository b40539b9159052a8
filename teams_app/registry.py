"""The Teams function as the host indexes it: `POST /api/messages`, its code imported on the first Teams request.

Like `cancel_function.registry`: indexing the app is the first thing every cold worker does, so this module imports
no implementation - not the settings, not the Teams SDK (tests/cancel_function/test_ack_path_imports.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func

# A Durable blueprint, so that the commands (which start the cancel) can take the durable client on this route.
bp = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)

HttpTrigger = Callable[[func.HttpRequest, Any], Awaitable[func.HttpResponse]]


def _anonymous_post(route: str) -> Callable[[HttpTrigger], HttpTrigger]:
    """`@bp.route(...)` over `@bp.durable_client_input(...)`, typed (the Durable blueprint's decorators are not);
    the auth level is given on the route because the blueprint's default is not applied by `get_functions()`."""

    def register(trigger: HttpTrigger) -> HttpTrigger:
        with_client = bp.durable_client_input(client_name="client")(trigger)
        bp.route(route=route, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(with_client)
        return trigger

    return register


@_anonymous_post("messages")
async def teams_messages(req: func.HttpRequest, client: Any) -> func.HttpResponse:
    """Every Teams activity for the bot: messages, and card clicks (`adaptiveCard/action` invokes, which start
    the cancel and stop a watch through the durable client)."""
    from teams_app.routes import serve_teams

    return await serve_teams(req, client)
