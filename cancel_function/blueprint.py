"""The blueprint of this package - the HTTP triggers, the cancel orchestration and its activities - with typed
registration helpers; function_app.py registers it once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from durable_registration import DurableRegistrar

bp = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)

HttpWithClient = Callable[[func.HttpRequest, Any], Awaitable[func.HttpResponse]]

# Orchestrators and activities: registered on `bp` by name (registry.py).
registrar = DurableRegistrar(bp)


def http_with_durable_client(
    route: str, methods: list[str], auth_level: func.AuthLevel
) -> Callable[[HttpWithClient], HttpWithClient]:
    """`@bp.route(...)` over `@bp.durable_client_input(client_name="client")`, stacked as the Durable docs do.

    The auth level is passed on every route because the blueprint's default is not applied by `get_functions()`.
    Wrapping the untyped durable decorators here keeps every trigger typed for mypy.
    """

    def register(trigger: HttpWithClient) -> HttpWithClient:
        with_client = bp.durable_client_input(client_name="client")(trigger)
        bp.route(route=route, methods=methods, auth_level=auth_level)(with_client)
        return trigger

    return register
