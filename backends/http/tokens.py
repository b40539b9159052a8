"""Bearer tokens for the marketplace APIs: one provider per API (its own audience), never shared between them.

In Azure the token comes from the one credential `backends.http.credentials` builds for the identity path the
settings choose (the managed identity, or an app registration trusting it, or one with a certificate); locally and in
tests a fixed token (`CPP_ACCESS_TOKEN`, `INGESTION_ACCESS_TOKEN`) is used instead (`for_api`). A client only ever
sees the `TokenProvider` protocol, so it does not know or care which.

azure-identity is imported only when the first token is needed: it is a heavy import and most cold starts (Slack
acknowledging a command) never call the Partner Portal.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from backends.http.errors import TokenUnavailable

if TYPE_CHECKING:
    from cppcancel.settings import Settings

log = logging.getLogger(__name__)

#: A token is refreshed this long before it expires, so that a request never leaves with a token that dies in flight
#: (and a clock skew of a few minutes between us and Azure AD does not matter).
REFRESH_MARGIN_S = 300.0
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*")


class TokenProvider(Protocol):
    """Anything that returns a current bearer token (without the "Bearer " prefix) for one API."""

    def get_token(self) -> str: ...


class StaticTokenProvider:
    """A fixed token (CPP_ACCESS_TOKEN, ...): for the local emulators and tests only, since it is never refreshed."""

    def __init__(self, token: str, setting: str = "CPP_ACCESS_TOKEN") -> None:
        if not token or not token.strip():
            raise ValueError("StaticTokenProvider needs a non-empty token")
        self._token = token.strip()
        log.warning(
            "Using a fixed token from %s. This is meant for local runs and tests; "
            "in Azure leave it empty so the configured identity (IDENTITY_MODE) is used.",
            setting,
        )

    def get_token(self) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticTokenProvider(token=<redacted>)"


class _Credential(Protocol):
    """The slice of azure.core.credentials.TokenCredential used here (kept local so tests can pass a small fake)."""

    def get_token(self, *scopes: str) -> Any: ...


def _redacted(text: str, limit: int = 500) -> str:
    """An exception's text made safe to show: anything shaped like a JWT removed, and kept short."""
    text = _JWT.sub("<redacted>", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


class AzureIdentityTokenProvider:
    """Tokens from azure-identity, cached until REFRESH_MARGIN_S before they expire; safe to share between threads.

    The credential is `credentials.credential_from_settings(settings)`, built on the first token request and shared
    with every other provider of the same settings (whatever their scope); without settings, the process settings.
    `credential` is injectable for tests; `clock` (epoch seconds, like `expires_on`) too.
    """

    def __init__(
        self,
        scope: str,
        credential: object | None = None,
        *,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not scope:
            raise ValueError("AzureIdentityTokenProvider needs a scope such as https://cloudpartner.azure.com/.default")
        self._scope = scope
        self._credential = cast("_Credential | None", credential)
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_on = 0.0

    def __repr__(self) -> str:
        return f"AzureIdentityTokenProvider(scope={self._scope!r})"

    def _resolved_settings(self) -> Settings:
        if self._settings is None:
            from cppcancel.settings import get_settings

            self._settings = get_settings()
        return self._settings

    def _get_credential(self) -> _Credential:
        if self._credential is None:
            from backends.http.credentials import credential_from_settings  # azure-identity loads on first use

            self._credential = cast("_Credential", credential_from_settings(self._resolved_settings()))
        return self._credential

    def _fail(self, detail: str) -> TokenUnavailable:
        who = ""
        if self._settings is not None:
            from backends.http.credentials import describe_identity

            who = f" Identity in use (IDENTITY_MODE): {describe_identity(self._settings)}."
        return TokenUnavailable(
            f"Could not get an Azure AD token (scope {self._scope}): {detail}.{who} "
            "Check that the Function App's managed identity is enabled (AZURE_CLIENT_ID names a user-assigned one), "
            "that IDENTITY_MODE and the IDENTITY_APP_* settings name the application registered with the publisher "
            "(Partner Center > Account settings > User management > Microsoft Entra applications), "
            "and for local runs set CPP_ACCESS_TOKEN."
        )

    def get_token(self) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._expires_on - REFRESH_MARGIN_S:
                return self._token
            try:
                access = self._get_credential().get_token(self._scope)  # building it may fail too: same answer
            except Exception as exc:  # azure-identity raises several types; all mean "no token"
                raise self._fail(f"{type(exc).__name__}: {_redacted(str(exc))}") from None
            token = getattr(access, "token", None)
            expires_on = getattr(access, "expires_on", None)
            if not isinstance(token, str) or not token:
                raise self._fail("the credential returned no token")
            if not isinstance(expires_on, (int, float)) or isinstance(expires_on, bool):
                raise self._fail("the credential returned a token without an expiry")
            self._token, self._expires_on = token, float(expires_on)
            log.debug("Got a token for %s expiring in %.0f s", self._scope, self._expires_on - self._clock())
            return token


@functools.cache
def azure_token_provider(settings: Settings, scope: str) -> AzureIdentityTokenProvider:
    """The provider of one scope for these settings, e.g. Microsoft Graph's `https://graph.microsoft.com/.default`.

    One per (settings, scope) for the life of the worker; all of them share the settings' one credential
    (`credentials.credential_from_settings`), so a second audience costs no second managed-identity setup.
    """
    return AzureIdentityTokenProvider(scope, settings=settings)


def for_api(settings: Settings, static_token: str | None, setting: str, scope: str) -> TokenProvider:
    """One API's tokens: its fixed token when one is set (`setting` names it, for local runs), else the configured
    identity's for `scope`. Each backend keeps one per settings for the life of the worker (its own
    `token_provider_from_settings`, cached): the token is cached inside it, so every activity and request shares one
    token (and one credential); neither API's provider is ever handed to the other's client."""
    if static_token:
        return StaticTokenProvider(static_token, setting)
    return azure_token_provider(settings, scope)
