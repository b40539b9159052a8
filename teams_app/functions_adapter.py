"""Azure Functions <-> the Teams SDK: `func.HttpRequest` to the SDK's `{body, headers}`, its `{status, body}` back
to `func.HttpResponse`, and the adapter object the SDK registers its messaging route on.

The SDK takes any `http_server_adapter` with `register_route(method, path, handler)` (microsoft_teams/apps/http/
adapter.py); its handler (`HttpServer.handle_request`) validates the activity's JWT and runs the app's handlers.
`FunctionsAdapter` only keeps that handler: the Functions host owns the socket (no `start`, no static files).

Before the SDK sees a request, `to_sdk_request` refuses what the SDK would let through or cannot judge:
- a body over `MAX_BODY_BYTES` (413) or one that is not a JSON object (400), before anything is parsed further;
- no `Authorization: Bearer` header (401);
- a token whose (unverified) issuer is not the Bot Framework's (401). The SDK also accepts Entra-issued tokens of
  the Agent 365 platform, and checks no `serviceurl` claim on them (token_validator.py, `_validate_entra_token`):
  this app takes activities from the Bot Connector only, so such a token never reaches it;
- an activity without a usable `serviceUrl` (401): the SDK compares the token's `serviceurl` claim with the
  activity's only when the activity has one (`TokenValidator.validate_token`), and the bot would then answer to a
  URL nobody vouched for.
One thing is adjusted for the SDK: an `adaptiveCard/action` invoke that a card's `refresh` sent carries
`value.trigger: "automatic"` (Universal Actions), which microsoft-teams-api 2.1.1 types as `Literal["manual"]` and
would fail with a 500; the trigger is dropped (`without_automatic_trigger`), since the app answers a verb alike
however it was sent and checks it for whoever sent it. The token does not cover the body, so nothing it vouches for
changes.
The SDK then checks signature (keys from the metadata's `/keys`), issuer, audience (the app ID, `api://{id}`,
`api://botid-{id}`), expiry and not-before (300 s leeway), and `serviceurl`; its 401 is passed on in the app's error
shape. Nothing is sent anywhere for a refused request: the bot's handlers run only after all of it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import azure.functions as func

from cppcancel.envread import is_loopback_host
from cppcancel.http_errors import error_body

if TYPE_CHECKING:
    from microsoft_teams.apps.http.adapter import HttpRequest, HttpResponse, HttpRouteHandler

log = logging.getLogger("teams_app.functions_adapter")

MAX_BODY_BYTES = 256 * 1024
MESSAGING_ENDPOINT = "/api/messages"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"  # the public cloud's (the SDK's PUBLIC.token_issuer)


class FunctionsAdapter:
    """The SDK's `HttpServerAdapter` for a Functions HTTP trigger: keeps the route handler the SDK registers."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], HttpRouteHandler] = {}

    def register_route(self, method: str, path: str, handler: HttpRouteHandler) -> None:
        self._routes[(method, path)] = handler

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("the Functions route serves activities only")

    async def start(self, port: int) -> None:
        raise NotImplementedError("the Functions host serves the route; the SDK's server is never started")

    async def stop(self) -> None:
        return None

    def handler(self) -> HttpRouteHandler:
        """The SDK's messaging handler (registered by `App.initialize`)."""
        return self._routes[("POST", MESSAGING_ENDPOINT)]


def error(status: int, code: str, message: str) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(error_body(code, message)), status_code=status, mimetype="application/json")


def unauthorized(why: str) -> func.HttpResponse:
    """401, the reason in the log only (the caller learns nothing about what was checked)."""
    log.warning("Teams activity refused (401): %s", why)
    return error(401, "unauthorized", "The request is not from the Bot Connector, or not for this bot.")


def _issuer(token: str) -> object:
    import jwt  # PyJWT (with the SDK), loaded only on the Teams route

    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None


def usable_service_url(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    parts = urlsplit(value)
    host = parts.hostname or ""
    secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host))
    return bool(host) and secure and not (parts.username or parts.password or parts.query or parts.fragment)


def to_sdk_request(raw: bytes, headers: dict[str, str], issuer: str) -> HttpRequest | func.HttpResponse:
    """The SDK's request from the raw body and the (lower-cased) headers, or the refusal (see the module
    docstring)."""
    if len(raw) > MAX_BODY_BYTES:
        return error(413, "body_too_large", "The activity is too large.")
    authorization = headers.get("authorization", "")
    if not authorization.startswith("Bearer ") or not authorization[7:].strip():
        return unauthorized("no bearer token")
    if _issuer(authorization[7:].strip()) != issuer:
        return unauthorized("the token is not issued by the Bot Framework")
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return error(400, "invalid_body", "The body must be a JSON activity.")
    if not usable_service_url(body.get("serviceUrl")):
        return unauthorized("the activity has no usable serviceUrl to check against the token")
    return {"body": without_automatic_trigger(body), "headers": headers}


def without_automatic_trigger(body: dict[str, Any]) -> dict[str, Any]:
    """A refresh's invoke without its `trigger: "automatic"`, which the SDK cannot parse (see the module docstring)."""
    value = body.get("value")
    if body.get("name") != "adaptiveCard/action" or not isinstance(value, dict):
        return body
    if value.get("trigger") != "automatic":
        return body
    return {**body, "value": {k: v for k, v in value.items() if k != "trigger"}}


def to_function_response(response: HttpResponse) -> func.HttpResponse:
    """The SDK's answer: 2xx as it is (an invoke's body is its answer), refusals and failures in the app's shape."""
    status = int(response["status"])
    if status == 401:
        return unauthorized("the SDK refused the token")
    if status >= 400:
        log.error("the Teams SDK answered %s", status)
        return error(status if status < 500 else 500, "teams_failed", "The activity could not be processed.")
    body = response["body"]
    if body is None:
        return func.HttpResponse(status_code=status)
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json")
