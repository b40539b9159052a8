"""Play Teams' side of the conversation: activities as the Bot Connector sends them to a bot, signed, over real HTTP.

A message in a channel reaches the bot only when it @mentions it (`<at>cpp</at> help`, with a `mention` entity); in
a personal chat it comes as typed. A click on an Adaptive Card's `Action.Execute` is an `invoke` named
`adaptiveCard/action` whose `value.action` carries the verb and data, and whose answer is the HTTP response itself.
Who and where come as Teams puts them: `from.aadObjectId` (the person's Entra object ID), `conversation.tenantId`,
and in a channel `channelData.team.id` and `channelData.channel.id` (../shared/reference/teams.md).

`BotConnectorClient` builds such activities, has the stand-in sign them (`BotConnectorStandIn.sign`: the token's
`serviceurl` is the activity's `serviceUrl` unless a test says otherwise) and posts them to the app's
`/api/messages`. Every part is overridable so a test can send what the Bot Connector never would.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devhost.standins.teams.server import BotConnectorStandIn

HTTP_TIMEOUT_S = 30.0
BOT_NAME = "cpp"
LOCAL_TENANT = "00000000-0000-4000-8000-00000000a11c"
LOCAL_TEAM = "19:local-release-team@thread.tacv2"
LOCAL_CHANNEL = "19:local-releases@thread.tacv2"


@dataclass(frozen=True)
class Person:
    """A Teams user: `aad_object_id` is what the policy names; `teams_id` (`29:…`) is Teams' own ID."""

    aad_object_id: str
    name: str = "Local User"
    teams_id: str = field(default_factory=lambda: "29:" + secrets.token_urlsafe(16))

    def account(self) -> dict[str, Any]:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad_object_id}


@dataclass(frozen=True)
class Place:
    """Where an activity comes from: a channel of a team, or (no team and channel) a personal chat."""

    tenant_id: str = LOCAL_TENANT
    team_id: str | None = LOCAL_TEAM
    channel_id: str | None = LOCAL_CHANNEL
    conversation_id: str | None = None  # default: the channel, or a personal chat's `a:` ID

    @property
    def in_channel(self) -> bool:
        return self.channel_id is not None

    def conversation(self, message_id: str) -> dict[str, Any]:
        """In a channel, a new post's conversation is its own thread (`;messageid=`, as Teams sends it)."""
        if self.in_channel:
            return {
                "id": self.conversation_id or f"{self.channel_id};messageid={message_id}",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": self.tenant_id,
            }
        return {"id": self.conversation_id or "a:1" + secrets.token_urlsafe(20), "conversationType": "personal"} | {
            "tenantId": self.tenant_id
        }

    def channel_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tenant": {"id": self.tenant_id}}
        if self.team_id is not None:
            data["team"] = {"id": self.team_id}
        if self.channel_id is not None:
            data["channel"] = {"id": self.channel_id}
        return data


PERSONAL_CHAT = Place(team_id=None, channel_id=None)


@dataclass(frozen=True)
class TeamsReply:
    """What the app answered in the HTTP response (an invoke's answer is its body)."""

    status: int
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw.strip() else None


class BotConnectorClient:
    """Sends signed activities from `connector` to the app at `app_url` (its `/api/messages`) for bot `app_id`."""

    def __init__(self, connector: BotConnectorStandIn, app_url: str, app_id: str) -> None:
        self.connector = connector
        self.app_url = app_url
        self.app_id = app_id

    # ---- activities ------------------------------------------------------------------------------------------
    def _base(self, kind: str, who: Person, where: Place) -> dict[str, Any]:
        now = datetime.now(UTC)
        message_id = str(int(now.timestamp() * 1000))
        return {
            "type": kind,
            "id": message_id,
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": who.account(),
            "conversation": where.conversation(message_id),
            "recipient": {"id": f"28:{self.app_id}", "name": BOT_NAME},
            "channelData": where.channel_data(),
            "locale": "en-US",
        }

    def message_activity(self, text: str, who: Person, where: Place) -> dict[str, Any]:
        """A message as the bot receives it: in a channel with the @mention Teams adds, in a personal chat as is."""
        activity = self._base("message", who, where) | {"textFormat": "plain", "text": text}
        if where.in_channel:
            mention = f"<at>{BOT_NAME}</at>"
            activity["text"] = f"{mention} {text}"
            activity["entities"] = [
                {"type": "mention", "text": mention, "mentioned": {"id": f"28:{self.app_id}", "name": BOT_NAME}}
            ]
        return activity

    def execute_activity(
        self, verb: str, data: dict[str, Any], who: Person, where: Place, *, reply_to_id: str | None = None
    ) -> dict[str, Any]:
        """A click on an `Action.Execute` of the card `reply_to_id`: an `adaptiveCard/action` invoke."""
        activity = self._base("invoke", who, where) | {
            "name": "adaptiveCard/action",
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
        }
        if reply_to_id is not None:
            activity["replyToId"] = reply_to_id
        return activity

    # ---- sending ---------------------------------------------------------------------------------------------
    def token(self, **changes: Any) -> str:
        """A token for this bot as the Bot Connector signs it; `changes` as `BotConnectorStandIn.sign` takes them."""
        audience = changes.pop("audience", self.app_id)
        return self.connector.sign(audience, **changes)

    def post(
        self, activity: dict[str, Any], *, token: str | None = None, authorization: str | None = None
    ) -> TeamsReply:
        """POST `activity`, with `Authorization: Bearer <token>` (a valid one by default), or `authorization`
        verbatim (`""`: no header at all)."""
        headers = {"Content-Type": "application/json"}
        header = authorization if authorization is not None else f"Bearer {token or self.token()}"
        if header:
            headers["Authorization"] = header
        body = json.dumps(activity).encode("utf-8")
        request = urllib.request.Request(self.app_url, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
                return TeamsReply(response.status, response.read())
        except urllib.error.HTTPError as error:
            return TeamsReply(error.code, error.read())

    def message(self, text: str, who: Person, where: Place = Place(), **token: Any) -> TeamsReply:
        return self.post(self.message_activity(text, who, where), token=self.token(**token) if token else None)

    def execute(self, verb: str, data: dict[str, Any], who: Person, where: Place = Place(), **kw: Any) -> TeamsReply:
        return self.post(self.execute_activity(verb, data, who, where, reply_to_id=kw.pop("reply_to_id", None)))
