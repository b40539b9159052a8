"""The submission API's bearer token: a provider of its own, built from backends.http.tokens.

SUBMISSION_API_ACCESS_TOKEN when set (local runs and tests only: a fixed token, logged as a warning, never
refreshed); otherwise the configured identity (IDENTITY_MODE) for SUBMISSION_API_TOKEN_SCOPE
(`https://api.partner.microsoft.com/.default`), sharing the one credential every other audience uses. Never the
CPP's or the Product Ingestion API's provider: each caches a token for one audience, and only this client gets it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from backends.http.tokens import StaticTokenProvider, TokenProvider, azure_token_provider

if TYPE_CHECKING:
    from cppcancel.settings import Settings

ACCESS_TOKEN_SETTING = "SUBMISSION_API_ACCESS_TOKEN"  # noqa: S105 - a setting's name


@functools.cache
def submission_token_provider_from_settings(settings: Settings) -> TokenProvider:
    own = settings.submission_api
    if own.access_token:
        return StaticTokenProvider(own.access_token, ACCESS_TOKEN_SETTING)
    return azure_token_provider(settings, own.token_scope)
