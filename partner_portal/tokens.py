"""Bearer tokens for the Partner Portal API.

In Azure the Function App's managed identity (or a service principal) gets tokens through azure-identity's
`DefaultAzureCredential`; locally and in tests a fixed `CPP_ACCESS_TOKEN` is used instead. The client only ever sees
the `TokenProvider` protocol, so it does not know or care which.

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

from partner_portal.errors import TokenUnavailable

if TYPE_CHECKING:
    from cppcancel.settings import Settings

log = logging.getLogger(__name__)

#: A token is refreshed this long before it expires, so that a request never leaves with a token that dies in flight
#: (and a clock skew of a few minutes between us and Azure AD does not matter).
REFRESH_MARGIN_S = 300.0
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*")


class TokenProvider(Protocol):
    """Anything that returns a current bearer token (without the "Bearer " prefix) for the Partner Portal."""

    def get_token(self) -> str: ...


class StaticTokenProvider:
    """A fixed token (CPP_ACCESS_TOKEN): for the local emulator and tests only, since it is never refreshed."""

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise ValueError("StaticTokenProvider needs a non-empty token")
        self._token = token.strip()
        log.warning(
            "Using a fixed Partner Portal token from CPP_ACCESS_TOKEN. This is meant for local runs and tests; "
            "in Azure leave it empty so the managed identity is used."
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

    `DefaultAzureCredential` picks the managed identity in Azure (a user-assigned one when AZURE_CLIENT_ID is set;
    azure-identity reads that variable itself), a service principal from AZURE_CLIENT_SECRET etc., or a developer's
    Azure CLI login. `credential` is injectable for tests; `clock` (epoch seconds, like `expires_on`) too.
    """

    def __init__(self, scope: str, credential: object | None = None, *, clock: Callable[[], float] = time.time) -> None:
        if not scope:
            raise ValueError("AzureIdentityTokenProvider needs a scope such as https://cloudpartner.azure.com/.default")
        self._scope = scope
        self._credential = cast("_Credential | None", credential)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_on = 0.0

    def __repr__(self) -> str:
        return f"AzureIdentityTokenProvider(scope={self._scope!r})"

    def _get_credential(self) -> _Credential:
        if self._credential is None:
            from azure.identity import DefaultAzureCredential  # heavy: imported on first use only

            self._credential = cast("_Credential", DefaultAzureCredential())
        return self._credential

    def _fail(self, detail: str) -> TokenUnavailable:
        return TokenUnavailable(
            f"Could not get an Azure AD token for the Partner Portal (scope {self._scope}): {detail}. "
            "Check that the Function App's managed identity is enabled (AZURE_CLIENT_ID names a user-assigned one) "
            "and that it is added to the publisher's account (Partner Center > Manage Azure AD applications); "
            "for local runs set CPP_ACCESS_TOKEN."
        )

    def get_token(self) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._expires_on - REFRESH_MARGIN_S:
                return self._token
            try:
                access = self._get_credential().get_token(self._scope)
            except Exception as exc:  # azure-identity raises several types; all mean "no token"
                raise self._fail(f"{type(exc).__name__}: {_redacted(str(exc))}") from None
            token = getattr(access, "token", None)
            expires_on = getattr(access, "expires_on", None)
            if not isinstance(token, str) or not token:
                raise self._fail("the credential returned no token")
            if not isinstance(expires_on, (int, float)) or isinstance(expires_on, bool):
                raise self._fail("the credential returned a token without an expiry")
            self._token, self._expires_on = token, float(expires_on)
            log.debug("Got a Partner Portal token expiring in %.0f s", self._expires_on - self._clock())
            return token


@functools.cache
def token_provider_from_settings(settings: Settings) -> TokenProvider:
    """CPP_ACCESS_TOKEN when set (local runs), the managed identity otherwise.

    One provider per settings object for the life of the worker: the managed-identity token is cached inside it,
    so every activity and request shares one token (and one credential) instead of fetching a new one per call.
    """
    if settings.cpp_access_token:
        return StaticTokenProvider(settings.cpp_access_token)
    return AzureIdentityTokenProvider(settings.cpp_token_scope)


@functools.cache
def ingestion_token_provider_from_settings(settings: Settings) -> TokenProvider:
    """The Product Ingestion API's token: INGESTION_ACCESS_TOKEN when set (local runs), else the managed identity
    for INGESTION_TOKEN_SCOPE (Microsoft Graph). A provider of its own, never the CPP's: each caches a token for
    one audience, and neither is ever handed to the other API's client."""
    if settings.ingestion_access_token:
        return StaticTokenProvider(settings.ingestion_access_token)
    return AzureIdentityTokenProvider(settings.ingestion_token_scope)
