"""The bot's own tokens: for the Bot Connector (`https://api.botframework.com/.default`) and Microsoft Graph
(`https://graph.microsoft.com/.default`), and for nothing else.

An Azure Bot of type `UserAssignedMSI` *is* the user-assigned managed identity: its app ID (`TEAMS_APP_ID`) is the
identity's client ID, so its tokens are that identity's (azure-identity's `ManagedIdentityCredential`, which caches
them). A local run and the tests use static tokens instead (`TEAMS_ACCESS_TOKEN`, `TEAMS_GRAPH_ACCESS_TOKEN`, logged
as a warning once), which only the stand-ins accept.

The SDK is handed `BotTokenProvider` as its `token=` callable (the seam it documents for custom credentials): it
asks with a scope and a tenant, and gets a `TokenProtocol` object back; azure-identity is imported on the first ask.
A scope other than the Bot Connector's is refused: the SDK could ask for a Graph token of its own (`ctx.app_graph`),
and no token of this identity leaves through a path the app did not choose.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cppcancel.teams_settings import TeamsSettings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

log = logging.getLogger("teams_app.tokens")

BOT_SCOPE = "https://api.botframework.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_STATIC_LIFETIME_S = 3600


class TokenRefused(RuntimeError):
    """A token for a scope this app never sends anywhere."""


@dataclass(frozen=True)
class BearerToken:
    """An access token as the SDK's `TokenProtocol` wants it. The app never reads the claims of its own tokens."""

    value: str
    expires_on: float  # seconds since the epoch

    @property
    def app_id(self) -> str:
        return ""

    @property
    def app_display_name(self) -> str | None:
        return None

    @property
    def tenant_id(self) -> str | None:
        return None

    @property
    def service_url(self) -> str:
        return ""

    @property
    def from_(self) -> Literal["azure", "gov", "bot"]:
        return "azure"

    @property
    def from_id(self) -> str:
        return ""

    @property
    def expiration(self) -> int | None:
        return int(self.expires_on * 1000)

    def is_expired(self, buffer_ms: int = 5 * 60 * 1000) -> bool:
        return time.time() * 1000 + buffer_ms >= self.expires_on * 1000

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return "BearerToken(<redacted>)"


class IdentityTokens:
    """The identity's tokens for the two scopes the app uses: static where configured, else the managed identity."""

    def __init__(self, teams: TeamsSettings) -> None:
        if not teams.app_id:
            raise ValueError("the bot's identity needs TEAMS_APP_ID")
        self._client_id = teams.app_id
        self._static = {BOT_SCOPE: teams.access_token, GRAPH_SCOPE: teams.graph_access_token}
        self._lock = threading.Lock()
        self._credential: TokenCredential | None = None
        self._warned: set[str] = set()

    def get(self, scope: str) -> BearerToken:
        """A token for `scope` (blocking: the managed identity's endpoint may be asked)."""
        if scope not in self._static:
            raise TokenRefused(f"no token of the bot's identity is issued for {scope!r}")
        static = self._static[scope]
        if static:
            if scope not in self._warned:
                self._warned.add(scope)
                log.warning("using the static token for %s from the settings (local runs and tests only)", scope)
            return BearerToken(static, time.time() + _STATIC_LIFETIME_S)
        token = self._managed_identity().get_token(scope)
        return BearerToken(token.token, float(token.expires_on))

    def _managed_identity(self) -> TokenCredential:
        with self._lock:
            if self._credential is None:
                from azure.identity import ManagedIdentityCredential

                self._credential = ManagedIdentityCredential(client_id=self._client_id)
            return self._credential


@functools.lru_cache(maxsize=4)
def identity_tokens(teams: TeamsSettings) -> IdentityTokens:
    """The worker's one `IdentityTokens` per Teams settings: its managed-identity credential caches tokens, so the
    watcher's many posts and PUTs ask the identity endpoint once an hour, not once a call."""
    return IdentityTokens(teams)


class BotTokenProvider:
    """The SDK's `token=` callable: `(scope, tenant_id) -> awaitable token`, for the Bot Connector's scope only."""

    def __init__(self, tokens: IdentityTokens) -> None:
        self._tokens = tokens

    def __call__(self, scope: str | list[str], tenant_id: str | None) -> Awaitable[BearerToken]:
        wanted = scope if isinstance(scope, str) else " ".join(scope)
        if wanted != BOT_SCOPE:
            raise TokenRefused(f"the SDK asked for a token for {wanted!r}; only the Bot Connector's is given to it")
        return asyncio.to_thread(self._tokens.get, BOT_SCOPE)
