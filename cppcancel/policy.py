"""Who may act on which offer: the CANCEL_POLICY, parsed strictly, evaluated deny-by-default.

A policy is a list of rules; a request is allowed when one rule matches all of: the publisher and offer (`*` and
fnmatch-style globs, case-insensitive), the caller (a listed Slack user ID, membership of a listed user group, or a
listed webhook caller name), and - only where the rule names them - the channel, the workspace (team) and the
Enterprise Grid organization. On Grid a payload names both the workspace (`T…`) and the org (`E…`): `teams` matches
either, so one rule can cover a whole org, and `enterprises` narrows to orgs alone.

Microsoft Teams people are named by Entra object ID (`users` takes GUIDs, from `from.aadObjectId`) or by Entra group
(`entraGroups`, asked of Microsoft Graph `checkMemberGroups`, transitive); `tenants` (Entra tenant IDs) and
`teamsTeams` (Teams team IDs, `19:…@thread…`) narrow like `teams`/`enterprises`, and `channels` takes Teams channel
IDs too. A rule belongs to one chat (`cppcancel.policy_rules`, which parses a rule): its people match only a person
of that chat (`Subject.chat`), its webhook `callers` whatever the chat.

Parsing is strict on purpose: an unknown key is an error rather than ignored, because a typo such as `"chanels"` would
otherwise silently widen a rule to every channel. Anything wrong with the policy refuses every request (the caller
logs why); nothing here ever falls back to "allow".

Verdicts say *which* permission is missing (publisher/offer, caller, workspace, channel) so a person knows whom to
ask, but never what the policy contains. Group membership comes from a callable so this module stays pure: the Slack
adapter looks user groups up (and caches them), the Teams adapter asks Graph about Entra groups; tests pass a dict.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cppcancel import refusals
from cppcancel.chat_ids import SLACK, TEAMS, Chat, user_key
from cppcancel.policy_rules import PolicyError, Rule, parse_rule
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
    "authorize_under",
    "load_policy",
    "parse_policy",
]

_TOP_LEVEL = ("rules", "description")


_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    """A parsed policy. `Policy(())` (no rules) refuses everything, and is what an invalid policy becomes."""

    rules: tuple[Rule, ...]

    @property
    def names_usergroups(self) -> bool:
        """Whether any rule needs group lookups at all (none are made otherwise)."""
        return any(rule.usergroups for rule in self.rules)

    @property
    def asks_approvals(self) -> bool:
        """Whether any rule needs more than one person (`"approvals"`): only then are all rules evaluated."""
        return any(rule.approvals > 1 for rule in self.rules)

    def rule_by_digest(self, digest: str) -> Rule | None:
        """The rule with this fingerprint (`Rule.digest`), if the policy still holds it unchanged."""
        return next((rule for rule in self.rules if rule.digest == digest), None)

    @property
    def entra_groups(self) -> tuple[str, ...]:
        """Every Entra group any rule names: what one Graph `checkMemberGroups` call asks about (none: no call)."""
        return tuple(dict.fromkeys(group for rule in self.rules for group in rule.entra_groups))


# How far a rule got before failing; the deepest failure over all rules is the one reported.
_DEPTH = {Missing.OFFER: 0, Missing.CALLER: 1, Missing.WORKSPACE: 2, Missing.CHANNEL: 3, Missing.UNREGISTERED_JOB: 4}


@dataclass(frozen=True)
class Subject:
    """Who asks and from where. Slack requests set `user_id` (and team/channel, and on Enterprise Grid the org's
    `enterprise_id`); webhook requests set `caller`. Teams requests set `chat="teams"`, `user_id` to the person's
    Entra object ID, `tenant_id`, and in a channel `teams_team_id` and `channel_id`."""

    user_id: str | None = None
    team_id: str | None = None
    channel_id: str | None = None
    caller: str | None = None
    enterprise_id: str | None = None
    chat: Chat = SLACK
    tenant_id: str | None = None
    teams_team_id: str | None = None


# `(group_id, user_id) -> True/False`, or None when membership could not be determined (treated as "no"): a Slack user
# group and a Slack user ID (`is_member`), or an Entra group and object ID (`is_entra_member`).
Membership = Callable[[str, str], bool | None]


@dataclass(frozen=True)
class Verdict:
    """What `authorize` found. Safe to show: it names a missing permission, never a rule.

    Not to be confused with `audit.Decision`, the one word (`allowed`/`refused`/`none`) an audit record keeps of it.
    """

    allowed: bool
    missing: Missing | None = None
    membership_unknown: bool = False
    # Allowed: how many different people must approve (`"approvals"`; 1: this request alone suffices), and the
    # fingerprint of the rule that asks it (`Rule.digest`), which every approver must pass too.
    approvals: int = 1
    rule: str | None = None

    def explain(self, publisher_id: str, offer_id: str, *, webhook_caller: str | None = None) -> str:
        """One or two sentences for the one refused (`cppcancel.refusals`): a person in Slack, or - with
        `webhook_caller` - a pipeline."""
        if self.allowed:
            return f"Allowed for {publisher_id}/{offer_id}."
        return refusals.explain(
            self.missing, publisher_id, offer_id, webhook_caller=webhook_caller, unknown=self.membership_unknown
        )


# ---- parsing --------------------------------------------------------------------------------------------------


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
    return Policy(tuple(parse_rule(number, rule) for number, rule in enumerate(rules, start=1)))


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
    """Evaluates "is this subject one of the rule's callers", looking each group up at most once per decision.

    A person matches only the rules of their own chat; Entra IDs are compared in lower case (as parsed)."""

    def __init__(self, subject: Subject, is_member: Membership | None, is_entra_member: Membership | None) -> None:
        self.subject = subject
        user = subject.user_id
        self.user = user_key(subject.chat, user) if user is not None else None
        self.lookups = {SLACK: is_member, TEAMS: is_entra_member}
        self.unknown = False
        self._seen: dict[str, bool] = {}

    def in_group(self, group: str) -> bool:
        lookup = self.lookups[self.subject.chat]
        if self.user is None or lookup is None:
            return False
        if group not in self._seen:
            answer = lookup(group, self.user)
            self.unknown = self.unknown or answer is None
            self._seen[group] = bool(answer)
        return self._seen[group]

    def matches(self, rule: Rule) -> bool:
        subject = self.subject
        if subject.caller is not None and subject.caller in rule.callers:
            return True
        if self.user is None or rule.chat != subject.chat:
            return False
        groups = rule.entra_groups if subject.chat == TEAMS else rule.usergroups
        return self.user in rule.users or any(self.in_group(group) for group in groups)


def _in_workspace(rule: Rule, subject: Subject) -> bool:
    """`teams` names workspaces or orgs (either of the payload's IDs may match); `enterprises` names orgs only;
    `tenants` names Entra tenants and `teamsTeams` Teams teams. A request that carries none of them never matches a
    rule narrowed by it."""
    where = {subject.team_id, subject.enterprise_id} - {None}
    if rule.teams is not None and not where.intersection(rule.teams):
        return False
    if rule.enterprises is not None and subject.enterprise_id not in rule.enterprises:
        return False
    tenant = subject.tenant_id.lower() if subject.tenant_id else None
    if rule.tenants is not None and tenant not in rule.tenants:
        return False
    return rule.teams_teams is None or subject.teams_team_id in rule.teams_teams


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
    is_entra_member: Membership | None = None,
    unregistered_job: bool = False,
) -> Verdict:
    """Allowed when one rule matches everything. `policy=None` (none loaded) refuses with `Missing.POLICY`.
    `unregistered_job`: the request names a configure job nobody registered, so the rule must also trust its
    callers to name the job's offer (`"unregisteredJobs": true`).

    Group lookups happen only for rules of the subject's chat that already match the publisher and offer and do not
    list the user directly, so a request that needs no group costs no Slack or Graph call.
    """
    if policy is None or not policy.rules:
        return Verdict(False, Missing.POLICY)
    caller = _Caller(subject, is_member, is_entra_member)
    deepest: Missing = Missing.OFFER
    granted: Rule | None = None
    for rule in policy.rules:
        failure = _failure(rule, subject, publisher_id, offer_id, caller, unregistered_job)
        if failure is None:
            if not policy.asks_approvals:
                return Verdict(True)
            # The strictest rule that allows the request decides how many must approve: a two-person rule cannot
            # be side-stepped by a looser rule that happens to cover the same person and offer.
            if granted is None or rule.approvals > granted.approvals:
                granted = rule
        elif _DEPTH[failure] > _DEPTH[deepest]:
            deepest = failure
    if granted is not None:
        return Verdict(True, approvals=granted.approvals, rule=granted.digest if granted.approvals > 1 else None)
    return Verdict(False, deepest, membership_unknown=caller.unknown and deepest is Missing.CALLER)


def authorize_under(
    policy: Policy | None,
    rule_digest: str,
    subject: Subject,
    publisher_id: str,
    offer_id: str,
    *,
    is_member: Membership | None = None,
    is_entra_member: Membership | None = None,
    unregistered_job: bool = False,
) -> Verdict:
    """An approver's check: allowed only by the very rule (`Rule.digest`) the request was granted under. A policy
    that no longer holds that rule unchanged refuses (`Missing.POLICY`): the request's terms are gone."""
    rule = policy.rule_by_digest(rule_digest) if policy is not None else None
    if rule is None:
        return Verdict(False, Missing.POLICY)
    caller = _Caller(subject, is_member, is_entra_member)
    failure = _failure(rule, subject, publisher_id, offer_id, caller, unregistered_job)
    if failure is None:
        return Verdict(True, approvals=rule.approvals, rule=rule_digest)
    return Verdict(False, failure, membership_unknown=caller.unknown and failure is Missing.CALLER)
