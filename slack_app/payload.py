"""Who is calling and what they sent, read once from a slash-command or block_actions body (pure).

Identity always comes from the signed payload (`user_id` of a command, `user.id` of a click), never from a button's
value. Everything here is tolerant of shapes Slack does not send: a missing or odd field is None (or, for the
caller, `InvalidValue`), never an exception the listener did not expect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cppcancel import policy
from cppcancel.contracts import Requester
from slack_app.actions import InvalidValue

DEFAULT_COMMAND = "/cpp"
_COMMAND_NAME = re.compile(r"/[A-Za-z0-9_.-]{1,31}\Z")


def text_field(value: object) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def object_field(value: object) -> Mapping[str, Any]:
    """A JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class Caller:
    """Who is asking and from where, as the signed payload says."""

    user_id: str
    display: str
    team_id: str | None
    channel_id: str | None
    enterprise_id: str | None = None

    @property
    def subject(self) -> policy.Subject:
        return policy.Subject(
            user_id=self.user_id, team_id=self.team_id, channel_id=self.channel_id, enterprise_id=self.enterprise_id
        )

    def requester(self) -> Requester:
        return Requester(
            display=self.display, user_id=self.user_id, team_id=self.team_id, enterprise_id=self.enterprise_id
        )

    @classmethod
    def from_command(cls, body: Mapping[str, Any]) -> Caller:
        user_id = text_field(body.get("user_id"))
        if user_id is None:
            raise InvalidValue("the command payload names no user")
        return cls(
            user_id=user_id,
            display=text_field(body.get("user_name")) or user_id,
            team_id=text_field(body.get("team_id")),
            channel_id=text_field(body.get("channel_id")),
            enterprise_id=enterprise_of(body),
        )

    @classmethod
    def from_action(cls, body: Mapping[str, Any]) -> Caller:
        user, team = object_field(body.get("user")), object_field(body.get("team"))
        channel, container = object_field(body.get("channel")), object_field(body.get("container"))
        user_id = text_field(user.get("id"))
        if user_id is None:
            raise InvalidValue("the click payload names no user")
        return cls(
            user_id=user_id,
            display=text_field(user.get("username")) or text_field(user.get("name")) or user_id,
            team_id=text_field(team.get("id")) or text_field(user.get("team_id")),
            channel_id=text_field(channel.get("id")) or text_field(container.get("channel_id")),
            enterprise_id=enterprise_of(body),
        )


def enterprise_of(body: Mapping[str, Any]) -> str | None:
    """The Enterprise Grid org a request comes from, or None outside Grid.

    Where Slack puts it, in the order Bolt's own `extract_enterprise_id` reads it: a click's `enterprise` object
    (or ID), a command's `enterprise_id` field, then `team.enterprise_id`.
    """
    org = body.get("enterprise")
    if isinstance(org, Mapping):
        return text_field(org.get("id"))
    return (
        text_field(org)
        or text_field(body.get("enterprise_id"))
        or text_field(object_field(body.get("team")).get("enterprise_id"))
    )


def first_action(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The clicked element (`actions[0]`), or an empty object."""
    actions = body.get("actions")
    return object_field(actions[0]) if isinstance(actions, list) and actions else {}


def action_value(body: Mapping[str, Any]) -> object:
    """The clicked button's `value`, unparsed: `slack_app.actions` validates it."""
    return first_action(body).get("value")


def response_url(body: Mapping[str, Any]) -> str | None:
    return text_field(body.get("response_url"))


def command_name(body: Mapping[str, Any]) -> str:
    """The slash command as typed (`/cpp`, or whatever the workspace named it), for usage lines."""
    name = body.get("command")
    return name if isinstance(name, str) and _COMMAND_NAME.match(name) else DEFAULT_COMMAND


def command_text(body: Mapping[str, Any]) -> str:
    text = body.get("text")
    return text if isinstance(text, str) else ""
