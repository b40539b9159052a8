"""Who may act on which offer: the CANCEL_POLICY, parsed strictly, evaluated deny-by-default.

A policy is a list of rules; a request is allowed when one rule matches all of: the publisher and offer (`*` and
fnmatch-style globs, case-insensitive), the caller (a listed Slack user ID, membership of a listed user group, or a
listed webhook caller name), and - only where the rule names them - the channel, the workspace (team) and the
Enterprise Grid organization. On Grid a payload names both the workspace (`T…`) and the org (`E…`): `teams` matches
either, so one rule can cover a whole org, and `enterprises` narrows to orgs alone.

Parsing is strict on purpose: an unknown key is an error rather than ignored, because a typo such as `"chanels"` would
otherwise silently widen a rule to every channel. Anything wrong with the policy refuses every request (the caller
logs why); nothing here ever falls back to "allow".

Verdicts say *which* permission is missing (publisher/offer, caller, workspace, channel) so a person knows whom to
ask, but never what the policy contains. Group membership comes from a callable so this module stays pure: the Slack
adapter looks groups up (and caches them); tests pass a dict.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cppcancel import refusals
from cppcancel.refusals import Missing

__all__ = [
    "Membership",
    "Missing",
    "Policy",
    "PolicyError",
    "Rule",
    "Subject",
    "Verdict",
    "authorize",
    "load_policy",
    "parse_policy",
]

# Slack IDs are upper-case letters and digits with a one-letter kind prefix. Checking the shape catches the common
# mistake of writing a name ("alice", "#releases") where an ID is needed - such a rule would never match anyone.
_USER_RE = re.compile(r"[UW][A-Z0-9]{2,30}\Z")
_GROUP_RE = re.compile(r"S[A-Z0-9]{2,30}\Z")
_CHANNEL_RE = re.compile(r"[CGD][A-Z0-9]{2,30}\Z")
_TEAM_RE = re.compile(r"[TE][A-Z0-9]{2,30}\Z")
_ENTERPRISE_RE = re.compile(r"E[A-Z0-9]{2,30}\Z")
# Publisher/offer patterns: the identifier alphabet plus glob characters.
_PATTERN_RE = re.compile(r"[A-Za-z0-9._\-*?\[\]!]{1,100}\Z")
_CALLER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:/\-]{0,99}\Z")

_REQUIRED = ("publishers", "offers", "users")
_OPTIONAL = ("usergroups", "channels", "teams", "enterprises", "callers", "unregisteredJobs", "description")
_TOP_LEVEL = ("rules", "description")


_log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Policy:
    """A parsed policy. `Policy(())` (no rules) refuses everything, and is what an invalid policy becomes."""

    rules: tuple[Rule, ...]

    @property
    def names_usergroups(self) -> bool:
        """Whether any rule needs group lookups at all (none are made otherwise)."""
        return any(rule.usergroups for rule in self.rules)


# How far a rule got before failing; the deepest failure over all rules is the one reported.
_DEPTH = {Missing.OFFER: 0, Missing.CALLER: 1, Missing.WORKSPACE: 2, Missing.CHANNEL: 3, Missing.UNREGISTERED_JOB: 4}


@dataclass(frozen=True)
class Subject:
    """Who asks and from where. Slack requests set `user_id` (and team/channel, and on Enterprise Grid the org's
    `enterprise_id`); webhook requests set `caller`."""

    user_id: str | None = None
    team_id: str | None = None
    channel_id: str | None = None
    caller: str | None = None
    enterprise_id: str | None = None


# `(usergroup_id, user_id) -> True/False`, or None when membership could not be determined (treated as "no").
Membership = Callable[[str, str], bool | None]


@dataclass(frozen=True)
class Verdict:
    """What `authorize` found. Safe to show: it names a missing permission, never a rule.

    Not to be confused with `audit.Decision`, the one word (`allowed`/`refused`/`none`) an audit record keeps of it.
    """

    allowed: bool
    missing: Missing | None = None
    membership_unknown: bool = False

    def explain(self, publisher_id: str, offer_id: str, *, webhook_caller: str | None = None) -> str:
        """One or two sentences for the one refused (`cppcancel.refusals`): a person in Slack, or - with
        `webhook_caller` - a pipeline."""
        if self.allowed:
            return f"Allowed for {publisher_id}/{offer_id}."
        return refusals.explain(
            self.missing, publisher_id, offer_id, webhook_caller=webhook_caller, unknown=self.membership_unknown
        )


# ---- parsing --------------------------------------------------------------------------------------------------


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


def _rule(rule_no: int, data: object) -> Rule:
    if not isinstance(data, Mapping):
        raise PolicyError(f"rule {rule_no} must be a JSON object")
    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise PolicyError(f"rule {rule_no} has unknown keys {unknown}; allowed: {list(_REQUIRED + _OPTIONAL)}")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise PolicyError(f"rule {rule_no} is missing required keys {missing}")
    if "description" in data and not isinstance(data["description"], str):
        raise PolicyError(f"rule {rule_no}: 'description' must be a string")
    ids = "a publisher/offer ID or pattern"
    users = _strings(rule_no, "users", data["users"], _USER_RE, allow_empty=True, what="a Slack user ID (U...)")
    rule = Rule(
        publishers=_strings(rule_no, "publishers", data["publishers"], _PATTERN_RE, allow_empty=False, what=ids),
        offers=_strings(rule_no, "offers", data["offers"], _PATTERN_RE, allow_empty=False, what=ids),
        users=users,
        usergroups=_strings(
            rule_no,
            "usergroups",
            data.get("usergroups", []),
            _GROUP_RE,
            allow_empty=True,
            what="a user group ID (S...)",
        ),
        channels=None
        if "channels" not in data
        else _strings(
            rule_no, "channels", data["channels"], _CHANNEL_RE, allow_empty=False, what="a channel ID (C...)"
        ),
        teams=None
        if "teams" not in data
        else _strings(
            rule_no, "teams", data["teams"], _TEAM_RE, allow_empty=False, what="a workspace or org ID (T... or E...)"
        ),
        enterprises=None
        if "enterprises" not in data
        else _strings(
            rule_no,
            "enterprises",
            data["enterprises"],
            _ENTERPRISE_RE,
            allow_empty=False,
            what="an Enterprise Grid org ID (E...)",
        ),
        callers=_strings(
            rule_no, "callers", data.get("callers", []), _CALLER_RE, allow_empty=True, what="a webhook caller name"
        ),
    )
    if not (rule.users or rule.usergroups or rule.callers):
        raise PolicyError(f"rule {rule_no} grants nobody: name at least one of 'users', 'usergroups', 'callers'")
    trusted = data.get("unregisteredJobs", False)
    if not isinstance(trusted, bool):
        raise PolicyError(f"rule {rule_no}: 'unregisteredJobs' must be true or false")
    return replace(rule, unregistered_jobs=trusted)


def parse_policy(data: object) -> Policy:
    """Validate a decoded policy document; raise PolicyError naming the first problem."""
    if not isinstance(data, Mapping):
        raise PolicyError('the policy must be a JSON object such as {"rules": [...]}')
    unknown = sorted(set(data) - set(_TOP_LEVEL))
    if unknown:
        raise PolicyError(f"the policy has unknown keys {unknown}; allowed: {list(_TOP_LEVEL)}")
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise PolicyError("the policy needs a 'rules' list")
    return Policy(tuple(_rule(number, rule) for number, rule in enumerate(rules, start=1)))


def load_policy(source: str | None) -> Policy:
    """CANCEL_POLICY's value: inline JSON (starts with `{`) or the path of a JSON file. Raises PolicyError."""
    if source is None or not source.strip():
        raise PolicyError("CANCEL_POLICY is not set, so every request is refused")
    text = source.strip()
    if not text.startswith("{"):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"CANCEL_POLICY names a file that cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"CANCEL_POLICY is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    try:
        return parse_policy(data)
    except PolicyError as exc:
        raise PolicyError(f"CANCEL_POLICY is invalid: {exc}") from None


@functools.lru_cache(maxsize=4)
def load_policy_logged(source: str | None) -> Policy | None:
    """The policy, or None (refuse everything) with one clear error line when it is missing or invalid.

    Cached per setting value: the host restarts the worker when app settings change.
    """
    try:
        return load_policy(source)
    except PolicyError as exc:
        _log.error("%s. Every request will be refused until this is fixed.", exc)
        return None


# ---- evaluation -----------------------------------------------------------------------------------------------


def _matches(value: str, patterns: Sequence[str]) -> bool:
    folded = value.lower()
    return any(fnmatch.fnmatchcase(folded, pattern.lower()) for pattern in patterns)


class _Caller:
    """Evaluates "is this subject one of the rule's callers", looking each group up at most once per decision."""

    def __init__(self, subject: Subject, is_member: Membership | None) -> None:
        self.subject = subject
        self.is_member = is_member
        self.unknown = False
        self._seen: dict[str, bool] = {}

    def in_group(self, group: str) -> bool:
        user = self.subject.user_id
        if user is None or self.is_member is None:
            return False
        if group not in self._seen:
            answer = self.is_member(group, user)
            self.unknown = self.unknown or answer is None
            self._seen[group] = bool(answer)
        return self._seen[group]

    def matches(self, rule: Rule) -> bool:
        subject = self.subject
        if subject.caller is not None and subject.caller in rule.callers:
            return True
        if subject.user_id is None:
            return False
        return subject.user_id in rule.users or any(self.in_group(group) for group in rule.usergroups)


def _in_workspace(rule: Rule, subject: Subject) -> bool:
    """`teams` names workspaces or orgs (either of the payload's IDs may match); `enterprises` names orgs only."""
    where = {subject.team_id, subject.enterprise_id} - {None}
    if rule.teams is not None and not where.intersection(rule.teams):
        return False
    return rule.enterprises is None or subject.enterprise_id in rule.enterprises


def _failure(
    rule: Rule, subject: Subject, publisher_id: str, offer_id: str, caller: _Caller, unregistered_job: bool
) -> Missing | None:
    if not (_matches(publisher_id, rule.publishers) and _matches(offer_id, rule.offers)):
        return Missing.OFFER
    if not caller.matches(rule):
        return Missing.CALLER
    if not _in_workspace(rule, subject):
        return Missing.WORKSPACE
    if rule.channels is not None and subject.channel_id not in rule.channels:
        return Missing.CHANNEL
    if unregistered_job and not rule.unregistered_jobs:
        return Missing.UNREGISTERED_JOB
    return None


def authorize(
    policy: Policy | None,
    subject: Subject,
    publisher_id: str,
    offer_id: str,
    *,
    is_member: Membership | None = None,
    unregistered_job: bool = False,
) -> Verdict:
    """Allowed when one rule matches everything. `policy=None` (none loaded) refuses with `Missing.POLICY`.
    `unregistered_job`: the request names a configure job nobody registered, so the rule must also trust its
    callers to name the job's offer (`"unregisteredJobs": true`).

    Group lookups happen only for rules that already match the publisher and offer and do not list the user
    directly, so a request that needs no group costs no Slack API call.
    """
    if policy is None or not policy.rules:
        return Verdict(False, Missing.POLICY)
    caller = _Caller(subject, is_member)
    deepest: Missing = Missing.OFFER
    for rule in policy.rules:
        failure = _failure(rule, subject, publisher_id, offer_id, caller, unregistered_job)
        if failure is None:
            return Verdict(True)
        if _DEPTH[failure] > _DEPTH[deepest]:
            deepest = failure
    return Verdict(False, deepest, membership_unknown=caller.unknown and deepest is Missing.CALLER)
