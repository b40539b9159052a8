"""User-group membership for the policy, from Slack's `usergroups.users.list`, cached for a few minutes.

Only consulted when a rule that already matches the publisher and offer names user groups and does not list the
user directly (see `cppcancel.policy.authorize`), so most requests make no call at all. The method is Tier 2 (about
20 calls a minute), so answers are cached per group; a failed lookup (rate limit, missing `usergroups:read` scope,
unknown group, network) is logged and answers "unknown", which the policy treats as "not a member" - deny by
default - and is remembered only briefly so that a short outage does not lock people out for long.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger("slack_app.usergroups")

DEFAULT_TTL_S = 300.0
ERROR_TTL_S = 15.0


class UsergroupDirectory:
    """`is_member(group_id, user_id)` with a TTL cache; thread-safe (Bolt listeners run on worker threads)."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        error_ttl_s: float = ERROR_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._error_ttl_s = error_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, frozenset[str] | None]] = {}
        self.lookups = 0  # Web API calls made; lets tests prove the cache works

    def members(self, group_id: str) -> frozenset[str] | None:
        """The group's user IDs, or None when Slack could not say."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group_id)
            if cached is not None and cached[0] > now:
                return cached[1]
        members = self._lookup(group_id)
        ttl = self._ttl_s if members is not None else self._error_ttl_s
        with self._lock:
            self._cache[group_id] = (self._clock() + ttl, members)
        return members

    def is_member(self, group_id: str, user_id: str) -> bool | None:
        members = self.members(group_id)
        return None if members is None else user_id in members

    def _lookup(self, group_id: str) -> frozenset[str] | None:
        self.lookups += 1
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            log.warning("usergroups.users.list for %s failed (%s); treating as not a member", group_id, error)
            return None
        except (SlackClientError, OSError) as exc:
            log.warning(
                "usergroups.users.list for %s failed (%s); treating as not a member", group_id, type(exc).__name__
            )
            return None
        users = response.get("users")
        if not isinstance(users, list):
            log.warning("usergroups.users.list for %s answered without a user list; treating as not a member", group_id)
            return None
        return frozenset(str(user) for user in users)
