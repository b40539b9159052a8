"""One rule of the CANCEL_POLICY: its type, its strict parser, and which chat it belongs to (pure).

`cppcancel.policy` reads the document and evaluates the rules; this module turns one JSON object into a `Rule` or a
`PolicyError` naming what is wrong. Strict on purpose: an unknown key, a value of the wrong shape or an empty
narrowing list is an error, because a typo such as `"chanels"` would otherwise silently widen a rule.

**A rule belongs to one chat.** Its values say which (`cppcancel.chat_ids`): Slack user IDs, `usergroups`, Slack
channel IDs, `teams` and `enterprises` make a Slack rule; Entra object IDs (GUIDs) in `users`, `entraGroups`, Teams
channel IDs, `tenants` and `teamsTeams` make a Teams rule; a rule naming both is refused, so that one chat's list can
never be read as "not narrowed" in the other. A rule naming neither grants webhook `callers` only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from cppcancel import chat_ids
from cppcancel.chat_ids import SLACK, TEAMS, Chat

# The shapes of each chat's IDs (and so which chat a value belongs to) are in cppcancel.chat_ids.
# Publisher/offer patterns: the identifier alphabet plus glob characters.
_PATTERN_RE = re.compile(r"[A-Za-z0-9._\-*?\[\]!]{1,100}\Z")
_CALLER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:/\-]{0,99}\Z")

REQUIRED = ("publishers", "offers", "users")
OPTIONAL = (
    "usergroups",
    "channels",
    "teams",
    "enterprises",
    "callers",
    "unregisteredJobs",
    "description",
    "tenants",
    "teamsTeams",
    "entraGroups",
    "approvals",
)

# `"approvals": N`: how many different permitted people must approve a cancel under the rule (the first is whoever
# confirms it). 1, the default, is one person's Confirm, as it always was. A larger number than any team needs is
# almost certainly a typo, so it is refused like any other bad value.
MAX_APPROVALS = 5

_Ids = tuple[str, ...] | None


class PolicyError(ValueError):
    """The policy is missing or unusable; the message names the setting and the first problems found."""


@dataclass(frozen=True)
class Rule:
    """One grant. `channels`/`teams`/`enterprises` set to None mean "not narrowed"; an empty tuple is never produced."""

    publishers: tuple[str, ...]
    offers: tuple[str, ...]
    users: tuple[str, ...] = ()
    usergroups: tuple[str, ...] = ()
    channels: tuple[str, ...] | None = None
    teams: tuple[str, ...] | None = None
    callers: tuple[str, ...] = ()
    enterprises: tuple[str, ...] | None = None
    # `"unregisteredJobs": true` trusts the rule's callers to name the offer of a configure job nobody registered
    # (the Product Ingestion API cannot tie a running job to its offer): off, such a job is never cancelled.
    unregistered_jobs: bool = False
    # Microsoft Teams: Entra tenant IDs and Teams team IDs narrow like `teams`/`enterprises`; Entra groups grant.
    tenants: tuple[str, ...] | None = None
    teams_teams: tuple[str, ...] | None = None
    entra_groups: tuple[str, ...] = ()
    approvals: int = 1

    @property
    def digest(self) -> str:
        """A short fingerprint of everything the rule says: an approval names the rule its requester passed, and an
        approver must pass that very rule (found again by this digest; a rule changed since is not found)."""
        return hashlib.sha256(repr(self).encode("utf-8")).hexdigest()[:16]

    @property
    def chat(self) -> Chat | None:
        """Which chat's people and places the rule names (None: webhook callers only). Parsing refuses a mix."""
        return _chats(self)[0] if _chats(self) else None


def _strings(
    rule_no: int, key: str, value: object, pattern: re.Pattern[str], *, allow_empty: bool, what: str
) -> tuple[str, ...]:
    where = f"rule {rule_no}: {key!r}"
    if not isinstance(value, list):
        raise PolicyError(f"{where} must be a list, each item {what}")
    if not value and not allow_empty:
        raise PolicyError(f"{where} must not be empty (leave the key out to not narrow by it)")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not pattern.match(item):
            shown = repr(item)[:60]
            raise PolicyError(f"{where} holds {shown}, which is not {what}")
        items.append(item)
    return tuple(dict.fromkeys(items))


def _optional(rule_no: int, data: Mapping[str, object], key: str, pattern: re.Pattern[str], what: str) -> _Ids:
    """A narrowing key: absent is None ("not narrowed"); present, it must name at least one ID."""
    return None if key not in data else _strings(rule_no, key, data[key], pattern, allow_empty=False, what=what)


def _lowered(values: _Ids) -> _Ids:
    """GUIDs are compared in lower case (Entra spells them either way); Slack IDs stay as they are."""
    return None if values is None else tuple(dict.fromkeys(v.lower() if chat_ids.is_guid(v) else v for v in values))


class _People(NamedTuple):
    users: tuple[str, ...]
    usergroups: tuple[str, ...]
    entra_groups: tuple[str, ...]
    callers: tuple[str, ...]


def _people(rule_no: int, data: Mapping[str, object]) -> _People:
    """Who a rule grants: Slack users and user groups, Entra users and groups, webhook callers."""
    users = _strings(
        rule_no,
        "users",
        data["users"],
        chat_ids.USER_OR_GUID_RE,
        allow_empty=True,
        what="a Slack user ID (U...) or an Entra object ID (a GUID)",
    )
    groups = data.get("usergroups", [])
    entra = data.get("entraGroups", [])
    return _People(
        users=_lowered(users) or (),
        usergroups=_strings(
            rule_no, "usergroups", groups, chat_ids.SLACK_GROUP_RE, allow_empty=True, what="a user group ID (S...)"
        ),
        entra_groups=_lowered(
            _strings(rule_no, "entraGroups", entra, chat_ids.GUID_RE, allow_empty=True, what="an Entra group ID (GUID)")
        )
        or (),
        callers=_strings(
            rule_no, "callers", data.get("callers", []), _CALLER_RE, allow_empty=True, what="a webhook caller name"
        ),
    )


def parse_rule(rule_no: int, data: object) -> Rule:
    """The rule numbered `rule_no` (from 1, for messages); raises PolicyError."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"rule {rule_no} must be a JSON object")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise PolicyError(f"rule {rule_no} has unknown keys {unknown}; allowed: {list(REQUIRED + OPTIONAL)}")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise PolicyError(f"rule {rule_no} is missing required keys {missing}")
    if "description" in data and not isinstance(data["description"], str):
        raise PolicyError(f"rule {rule_no}: 'description' must be a string")
    ids = "a publisher/offer ID or pattern"
    channel = "a channel ID (C... in Slack, 19:...@thread... in Teams)"
    people = _people(rule_no, data)
    rule = Rule(
        publishers=_strings(rule_no, "publishers", data["publishers"], _PATTERN_RE, allow_empty=False, what=ids),
        offers=_strings(rule_no, "offers", data["offers"], _PATTERN_RE, allow_empty=False, what=ids),
        channels=_optional(rule_no, data, "channels", chat_ids.CHANNEL_RE, channel),
        teams=_optional(rule_no, data, "teams", chat_ids.SLACK_TEAM_RE, "a workspace or org ID (T... or E...)"),
        enterprises=_optional(
            rule_no, data, "enterprises", chat_ids.SLACK_ENTERPRISE_RE, "an Enterprise Grid org ID (E...)"
        ),
        tenants=_lowered(_optional(rule_no, data, "tenants", chat_ids.GUID_RE, "an Entra tenant ID (a GUID)")),
        teams_teams=_optional(
            rule_no, data, "teamsTeams", chat_ids.TEAMS_THREAD_RE, "a Teams team ID (19:...@thread...)"
        ),
        users=people.users,
        usergroups=people.usergroups,
        entra_groups=people.entra_groups,
        callers=people.callers,
    )
    if not (rule.users or rule.usergroups or rule.callers or rule.entra_groups):
        raise PolicyError(
            f"rule {rule_no} grants nobody: name at least one of 'users', 'usergroups', 'entraGroups', 'callers'"
        )
    if data.get("approvals", 1) != 1 and not (rule.users or rule.usergroups or rule.entra_groups):
        raise PolicyError(
            f"rule {rule_no} asks for 'approvals' but grants no person who could approve "
            "(name 'users', 'usergroups' or 'entraGroups' beside its 'callers')"
        )
    if len(_chats(rule)) > 1:
        raise PolicyError(
            f"rule {rule_no} names both Slack and Microsoft Teams people or places ({_mix(rule)}); "
            "write one rule per chat"
        )
    trusted = data.get("unregisteredJobs", False)
    if not isinstance(trusted, bool):
        raise PolicyError(f"rule {rule_no}: 'unregisteredJobs' must be true or false")
    return replace(rule, unregistered_jobs=trusted, approvals=_approvals(rule_no, data))


def _approvals(rule_no: int, data: Mapping[str, object]) -> int:
    """`"approvals"`: a whole number from 1 to MAX_APPROVALS (absent: 1, one person's Confirm)."""
    value = data.get("approvals", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_APPROVALS:
        raise PolicyError(
            f"rule {rule_no}: 'approvals' must be a whole number from 1 to {MAX_APPROVALS} "
            f"(how many different permitted people must approve), not {str(value)[:20]!r}"
        )
    return value


def _keys_by_chat(rule: Rule) -> dict[Chat, list[str]]:
    """The policy keys of a rule that name one chat's people or places, by chat."""
    found: dict[Chat, list[str]] = {SLACK: [], TEAMS: []}
    for user in rule.users:
        found[chat_ids.chat_of_user(user)].append("users")
    for channel in rule.channels or ():
        found[chat_ids.chat_of_channel(channel)].append("channels")
    named = (
        (SLACK, "usergroups", bool(rule.usergroups)),
        (SLACK, "teams", rule.teams is not None),
        (SLACK, "enterprises", rule.enterprises is not None),
        (TEAMS, "entraGroups", bool(rule.entra_groups)),
        (TEAMS, "tenants", rule.tenants is not None),
        (TEAMS, "teamsTeams", rule.teams_teams is not None),
    )
    for chat, key, present in named:
        if present:
            found[chat].append(key)
    return {chat: list(dict.fromkeys(keys)) for chat, keys in found.items() if keys}


def _chats(rule: Rule) -> tuple[Chat, ...]:
    return tuple(_keys_by_chat(rule))


def _mix(rule: Rule) -> str:
    by_chat = _keys_by_chat(rule)
    return f"Slack: {', '.join(by_chat[SLACK])}; Teams: {', '.join(by_chat[TEAMS])}"
