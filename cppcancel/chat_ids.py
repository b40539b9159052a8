"""What the IDs of people and places look like in each chat, and so which chat a policy value belongs to (pure).

The policy names people and places by ID, and the two chats' IDs cannot be mistaken for each other: Slack's are
upper-case letters and digits behind a one-letter kind (`U…` a user, `S…` a user group, `C…` a channel, `T…` a
workspace, `E…` an Enterprise Grid org); Microsoft Teams names people and tenants and Entra groups by Entra object
ID (a GUID, `from.aadObjectId` for a person), and channels and teams by their thread ID (`19:…@thread.tacv2`). That is
what lets `cppcancel.policy` tell a Slack rule from a Teams rule by its values alone, and refuse a rule that mixes
them. Checking the shape also catches the common mistake of writing a name ("alice", "#releases") where an ID is
needed - such a rule would never match anyone.
"""

from __future__ import annotations

import re
from typing import Literal

Chat = Literal["slack", "teams"]
SLACK: Chat = "slack"
TEAMS: Chat = "teams"

SLACK_USER_RE = re.compile(r"[UW][A-Z0-9]{2,30}\Z")
SLACK_GROUP_RE = re.compile(r"S[A-Z0-9]{2,30}\Z")
SLACK_CHANNEL_RE = re.compile(r"[CGD][A-Z0-9]{2,30}\Z")
SLACK_TEAM_RE = re.compile(r"[TE][A-Z0-9]{2,30}\Z")
SLACK_ENTERPRISE_RE = re.compile(r"E[A-Z0-9]{2,30}\Z")
# Entra object IDs (users, groups) and tenant IDs; compared in lower case.
GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# A Teams channel's or team's ID (`channelData.channel.id`, `channelData.team.id`): `19:<id>@thread.<kind>`.
TEAMS_THREAD_RE = re.compile(r"19:[A-Za-z0-9._\-]{1,200}@thread\.[A-Za-z0-9]{1,20}\Z")

USER_OR_GUID_RE = re.compile(f"(?:{SLACK_USER_RE.pattern})|(?:{GUID_RE.pattern})")
CHANNEL_RE = re.compile(f"(?:{SLACK_CHANNEL_RE.pattern})|(?:{TEAMS_THREAD_RE.pattern})")


def is_guid(value: str) -> bool:
    return GUID_RE.match(value) is not None


def user_key(chat: str, user_id: str) -> str:
    """A person's ID as compared: Entra object IDs (Teams) in lower case, Slack IDs as Slack writes them."""
    return user_id.lower() if chat == TEAMS else user_id


def chat_of_user(value: str) -> Chat:
    """A rule's `users` entry: a Slack user ID or an Entra object ID (validated shapes only)."""
    return TEAMS if is_guid(value) else SLACK


def chat_of_channel(value: str) -> Chat:
    """A rule's `channels` entry: a Slack channel ID or a Teams channel ID (validated shapes only)."""
    return TEAMS if TEAMS_THREAD_RE.match(value) else SLACK
