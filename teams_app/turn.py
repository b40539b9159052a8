"""One Teams activity as the app's front end works on it: who asks and from where (`TeamsCaller`), the attempt
that leaves its audit record (`TeamsAttempt`, source `teams`), and the shared runtime (`TeamsRuntime`: the policy
checked for a Teams subject, Entra groups through Microsoft Graph).

They are the Slack front end's own types (`slack_app.payload.Caller`, `slack_app.attempt.Attempt`,
`slack_app.runtime.Runtime`) with what Teams changes, so the same listeners' logic - the grammar, the policy, the
confirmation tickets, the reads of every API, the history - serves both chats and says the same things. No SDK import
here: the turn is read from the SDK's activity by the handlers (`from_activity` takes the plain fields).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

from cppcancel import policy
from cppcancel.chat_ids import TEAMS
from cppcancel.contracts import Requester
from cppcancel.policy import Membership
from cppcancel.settings import Settings
from slack_app.attempt import Attempt
from slack_app.payload import Caller
from slack_app.runtime import Runtime, runtime
from teams_app.address import Address


@dataclass(frozen=True)
class TeamsCaller(Caller):
    """A Teams person: `user_id` is their Entra object ID (`from.aadObjectId`, what the policy names), `team_id`
    the tenant, `channel_id` the Teams channel (`channelData.channel.id`; None in a chat). `teams_user_id`
    (`29:…`) is Teams' own ID (what a card's `refresh.userIds` names); `address` where the turn answers."""

    tenant_id: str | None = None
    teams_team_id: str | None = None
    teams_user_id: str | None = None
    address: Address | None = None

    @property
    def subject(self) -> policy.Subject:
        return policy.Subject(
            chat=TEAMS,
            user_id=self.user_id,
            tenant_id=self.tenant_id,
            teams_team_id=self.teams_team_id,
            channel_id=self.channel_id,
        )

    def requester(self) -> Requester:
        return Requester(display=self.display, user_id=self.user_id, team_id=self.tenant_id)


def caller_of(
    *,
    aad_object_id: str | None,
    name: str | None,
    teams_user_id: str | None,
    tenant_id: str | None,
    team_id: str | None,
    channel_id: str | None,
    address: Address,
) -> TeamsCaller | None:
    """The caller of an activity, or None when it names no Entra user (a guest without one, a bot): such a
    request is refused, since no policy rule can name it."""
    if not aad_object_id:
        return None
    return TeamsCaller(
        user_id=aad_object_id.lower(),
        display=name or aad_object_id,
        team_id=tenant_id,
        channel_id=channel_id,
        tenant_id=tenant_id,
        teams_team_id=team_id,
        teams_user_id=teams_user_id,
        address=address,
    )


@dataclass
class TeamsAttempt(Attempt):
    """A Teams command or click: the Slack attempt's one audit record, with `source: teams`."""

    source: ClassVar[str] = "teams"

    @property
    def teams(self) -> TeamsCaller:
        caller = self.who
        assert isinstance(caller, TeamsCaller), "a Teams attempt's caller is a Teams person"
        return caller


@dataclass
class TeamsRuntime(Runtime):
    """The listeners' runtime, for Teams: attempts audited as Teams', the policy asked with Entra groups."""

    graph: object | None = None  # teams_app.graph.GraphGroups, made on the first policy that names a group

    def attempt(self, command: str) -> TeamsAttempt:
        return TeamsAttempt(self.audit, command)

    def group_lookups(self) -> tuple[Membership | None, Membership | None]:
        """Entra groups through Microsoft Graph, only when the policy names one (no Slack groups for Teams)."""
        pol = self.policy
        if pol is None or not pol.entra_groups:
            return None, None
        from teams_app.graph import GraphGroups

        if not isinstance(self.graph, GraphGroups):
            self.graph = GraphGroups.from_settings(self.settings.teams)
        return None, self.graph.membership(pol)


@functools.lru_cache(maxsize=4)
def teams_runtime(settings: Settings) -> TeamsRuntime:
    base = runtime(settings)
    return TeamsRuntime(base.settings, base.policy, base.directory, base.audit)
