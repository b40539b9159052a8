"""A local stand-in for Teams' Bot Connector: the OpenID metadata and keys the app validates tokens with, and the
conversation API the app sends and updates activities through - over loopback, in the documented wire format.

What it serves (../shared/reference/teams.md; the Bot Framework REST API reference):
- `GET /v1/.well-known/openidconfiguration`: the OpenID metadata (`issuer`, `jwks_uri`, RS256); point
  `TEAMS_OPENID_METADATA_URL` at `metadata_url`.
- `GET /v1/.well-known/keys`: the JWKS of its signing key (`keys.SigningKey`, made on first use).
- `POST /v3/conversations/{conversationId}/activities`: a new activity (a message, or a thread reply with
  `replyToId`); answers 201 `{"id"}` with a numeric ID, as Teams' message IDs are.
- `PUT /v3/conversations/{conversationId}/activities/{activityId}`: replaces an activity it created; answers
  `{"id"}`. An activity ID it never handed out gets 404 (the sources are silent; the stricter answer).
Both conversation calls need the bearer token the stand-in was given (`token`), else 401 - and every request is
recorded with its bearer header (`requests`; `records_tokens`, so a test sees exactly which token reached it).
A test may make the next conversation calls fail (`fail_next`: a 429 with `Retry-After`, a 5xx, a 403...), as the
Bot Connector answers when it throttles, fails, or the bot was removed.

The stand-in also plays the Bot Connector's other side: `sign(...)` mints the token of an activity sent to the app
(`devhost.standins.teams.activities` builds and posts them). Control endpoints: `GET /_standin/activities` (what the
app sent), `POST /_standin/reset`, `POST /_standin/tokens` (mint a token for another process).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from devhost.standins.server import Control, ErrorCodes, Reply, StandInRequest, StandInServer, json_reply
from devhost.standins.teams.keys import BOT_FRAMEWORK_ISSUER, SigningKey, claims

DEFAULT_TOKEN = "local-bot-connector-token"  # noqa: S105 - a fixed token only the local stand-in accepts
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
SERVICE_PATH = (
    "/teams/"  # the serviceUrl the stand-in puts in activities (Teams': https://smba.trafficmanager.net/teams/)
)
_POST = re.compile(r"/teams/v3/conversations/(?P<conversation>[^/]+)/activities\Z")
_PUT = re.compile(r"/teams/v3/conversations/(?P<conversation>[^/]+)/activities/(?P<activity>[^/]+)\Z")


@dataclass(frozen=True)
class SentActivity:
    """An activity the app sent (`post`) or replaced (`put`), as the stand-in received it."""

    verb: str  # "post" or "put"
    conversation_id: str
    activity_id: str
    body: Mapping[str, Any]
    token: str | None
    at: float = field(default_factory=time.time)

    @property
    def reply_to_id(self) -> str | None:
        value = self.body.get("replyToId")
        return value if isinstance(value, str) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "verb": self.verb,
            "conversationId": self.conversation_id,
            "activityId": self.activity_id,
            "body": dict(self.body),
            "at": self.at,
        }


class BotConnectorStandIn(StandInServer):
    """`with BotConnectorStandIn() as connector:` - point the app at `metadata_url`, sign activities with `sign`,
    read what the app sent in `activities`."""

    title = "Bot Connector stand-in"
    methods = ("GET", "POST", "PUT")
    records_tokens = True
    error_codes = ErrorCodes("BadArgument", "NotFound", "MessageSizeTooBig", "InternalServerError")

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = DEFAULT_TOKEN,
        key: SigningKey | None = None,
        on_activity: Callable[[SentActivity], None] | None = None,
    ) -> None:
        super().__init__(host, port, token=token)
        self.key = key or SigningKey()
        self.on_activity = on_activity
        self.activities: list[SentActivity] = []
        self._ids = itertools.count(int(time.time() * 1000))
        self._failures: list[tuple[int, str | None]] = []

    # ---- addresses -------------------------------------------------------------------------------------------
    @property
    def metadata_url(self) -> str:
        """What TEAMS_OPENID_METADATA_URL should be set to."""
        return self.origin + METADATA_PATH

    @property
    def service_url(self) -> str:
        """The `serviceUrl` of the activities it sends (and the `serviceurl` claim of their tokens)."""
        return self.origin + SERVICE_PATH

    # ---- the Bot Connector's own tokens ----------------------------------------------------------------------
    def sign(self, audience: str, *, service_url: str | None = None, **changes: Any) -> str:
        """A token as the Bot Connector signs an activity for the bot `audience`; `changes` are `keys.claims`'
        (issuer, lifetime_s, not_before_s) - or `kid`, to name a key the JWKS does not publish."""
        kid = changes.pop("kid", None)
        url = self.service_url if service_url is None else service_url
        return self.key.sign(claims(audience=audience, service_url=url, **changes), kid=kid)

    # ---- test helpers ----------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.activities.clear()
            self._failures.clear()
            self.clear_requests()

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        """The next `times` conversation calls answer `status` (with `Retry-After` when given) and change nothing."""
        with self._lock:
            self._failures.extend([(status, retry_after)] * times)

    def wait_for(self, predicate: Callable[[list[SentActivity]], bool], timeout: float = 10.0) -> list[SentActivity]:
        """Block until `predicate(activities)` holds; return a snapshot. Raises TimeoutError with what was seen."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self.activities)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(a.verb, a.conversation_id, a.activity_id) for a in self.activities]
                    raise TimeoutError(f"Bot Connector stand-in: condition not met in {timeout}s; sent: {seen}")
                self._lock.wait(remaining)
            return list(self.activities)

    # ---- the service -----------------------------------------------------------------------------------------
    def answer(self, request: StandInRequest) -> Reply:
        if request.method == "GET" and request.path == METADATA_PATH:
            return json_reply(200, self._metadata())
        if request.method == "GET" and request.path == KEYS_PATH:
            return json_reply(200, {"keys": [self.key.jwk()]})
        posted, put = _POST.match(request.path), _PUT.match(request.path)
        if request.method == "POST" and posted:
            return self._conversation_call(request, unquote(posted["conversation"]), None)
        if request.method == "PUT" and put:
            return self._conversation_call(request, unquote(put["conversation"]), unquote(put["activity"]))
        return self.error_reply(404, "NotFound", f"No such resource: {request.method} {request.path}")

    def _metadata(self) -> dict[str, Any]:
        return {
            "issuer": BOT_FRAMEWORK_ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.origin + KEYS_PATH,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def _conversation_call(self, request: StandInRequest, conversation: str, activity_id: str | None) -> Reply:
        if self.token is not None and request.bearer != self.token:
            return self.error_reply(401, "Unauthorized", "Authorization has been denied for this request.")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, retry_after = failure
            told = {"error": {"code": "Failure", "message": f"The stand-in was told to answer {status}."}}
            return json_reply(status, told, {"Retry-After": retry_after} if retry_after else None)
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return self.error_reply(400, "BadArgument", "The activity must be a JSON object with a type.")
        base = conversation.split(";", 1)[0]
        with self._lock:
            if activity_id is None:
                activity_id = str(next(self._ids))
            elif not any(a.activity_id == activity_id and _base(a) == base for a in self.activities):
                return self.error_reply(404, "NotFound", f"Activity {activity_id} not found.")
            sent = SentActivity(
                "post" if request.method == "POST" else "put", conversation, activity_id, body, request.bearer
            )
            self.activities.append(sent)
            self._lock.notify_all()
        if self.on_activity is not None:
            self.on_activity(sent)
        return json_reply(201 if sent.verb == "post" else 200, {"id": activity_id})

    # ---- control endpoints -----------------------------------------------------------------------------------
    def controls(self) -> Mapping[tuple[str, str], Control]:
        return {
            ("GET", "activities"): self._activities_json,
            ("POST", "reset"): self._reset,
            ("POST", "tokens"): self._mint,
        }

    def _activities_json(self, data: Any) -> Reply:
        with self._lock:
            return json_reply(200, {"activities": [a.to_json() for a in self.activities]})

    def _reset(self, data: Any) -> Reply:
        self.reset()
        return json_reply(200, {"ok": True})

    def _mint(self, data: Any) -> Reply:
        """`{"audience", "serviceUrl"?}` -> `{"token"}`: a valid activity token, for a client in another process."""
        if not isinstance(data, dict) or not isinstance(data.get("audience"), str):
            raise ValueError('The body must be {"audience": "<app ID>", "serviceUrl": "<optional>"}')
        service_url = data.get("serviceUrl")
        return json_reply(200, {"token": self.sign(data["audience"], service_url=service_url)})


def _base(activity: SentActivity) -> str:
    """The conversation without its `;messageid=` thread suffix: a thread's activities belong to the channel."""
    return activity.conversation_id.split(";", 1)[0]
