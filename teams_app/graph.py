"""Entra group membership for the policy's `entraGroups`: Microsoft Graph `checkMemberGroups`, and nothing else.

`POST {TEAMS_GRAPH_BASE_URL}/v1.0/users/{objectId}/checkMemberGroups` with `{"groupIds": [...]}` answers which of
those groups the user is in, transitively (nested groups count), at most 20 groups a call (Microsoft Graph
reference; ../shared/reference/teams.md). The app's identity needs the Graph application permissions
`GroupMember.Read.All` and `User.Read.All` (or `Directory.Read.All`), admin-consented.

`GraphGroups.membership(policy)` is the `is_entra_member` of one decision (`cppcancel.policy.authorize`): the first
question asks Graph about every group the policy names, in batches of 20, and the answers serve the rest of that
decision; a policy that names no group never calls it. Graph not answering (401/403, 429, 5xx, a timeout) is
"unknown" - a refusal that says membership could not be confirmed, never an allow; a user Graph does not know (404)
is in no group.

The token (scope `https://graph.microsoft.com/.default`) goes only to that one path on the configured origin: the
URL is built here from an object ID that must be a GUID, redirects are not followed, and environment proxies are
ignored (as for the CPP).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import requests

from cppcancel.chat_ids import is_guid
from cppcancel.policy import Membership, Policy
from cppcancel.teams_settings import TeamsSettings

log = logging.getLogger("teams_app.graph")

MAX_GROUPS_PER_CALL = 20
CHECK_PATH = "/v1.0/users/{user}/checkMemberGroups"
TIMEOUT_S = (5.0, 10.0)


class GraphGroups:
    """`checkMemberGroups` against one Graph origin, with a token callable (blocking: call it off any event loop)."""

    def __init__(self, base_url: str, token: Callable[[], str], *, timeout: tuple[float, float] = TIMEOUT_S) -> None:
        parts = urlsplit(base_url)
        if not parts.scheme or not parts.netloc or parts.path.strip("/"):
            raise ValueError(f"Graph's base URL must be an origin, got {base_url!r}")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._token = token
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # no environment proxies, no .netrc credentials

    @classmethod
    def from_settings(cls, teams: TeamsSettings) -> GraphGroups:
        from teams_app.tokens import GRAPH_SCOPE, identity_tokens

        tokens = identity_tokens(teams)
        return cls(teams.graph_base_url, lambda: str(tokens.get(GRAPH_SCOPE)))

    def member_of(self, user_id: str, group_ids: Sequence[str]) -> set[str] | None:
        """Which of `group_ids` (lower case) the user is a transitive member of; None when Graph could not say."""
        if not is_guid(user_id):
            log.warning("not asking Graph about a user ID that is not an Entra object ID")
            return None
        found: set[str] = set()
        asked = list(dict.fromkeys(group.lower() for group in group_ids))
        for start in range(0, len(asked), MAX_GROUPS_PER_CALL):
            batch = self._check(user_id.lower(), asked[start : start + MAX_GROUPS_PER_CALL])
            if batch is None:
                return None
            found |= batch
        return found

    def _check(self, user_id: str, groups: list[str]) -> set[str] | None:
        url = self._origin + CHECK_PATH.format(user=user_id)
        try:
            response = self._session.post(
                url,
                json={"groupIds": groups},
                headers={"Authorization": f"Bearer {self._token()}"},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except (requests.RequestException, RuntimeError) as exc:
            log.warning("Graph checkMemberGroups failed: %s", type(exc).__name__)
            return None
        if response.status_code == 404:
            return set()  # Graph knows no such user: in no group
        if response.status_code != 200:
            log.warning("Graph checkMemberGroups answered %s", response.status_code)
            return None
        try:
            value = response.json().get("value")
        except (ValueError, AttributeError):
            value = None
        if not isinstance(value, list):
            log.warning("Graph checkMemberGroups answered without a value list")
            return None
        return {item.lower() for item in value if isinstance(item, str)} & set(groups)

    def membership(self, policy: Policy) -> Membership:
        """The `is_entra_member` for one decision under `policy` (asks Graph once per user, about all its groups)."""
        groups = policy.entra_groups
        answers: dict[str, set[str] | None] = {}

        def is_member(group: str, user_id: str) -> bool | None:
            if user_id not in answers:
                answers[user_id] = self.member_of(user_id, groups) if groups else set()
            found = answers[user_id]
            return None if found is None else group.lower() in found

        return is_member
