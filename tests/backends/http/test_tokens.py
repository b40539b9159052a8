"""Token providers: caching, thread safety, clear failures that never show a token."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from backends.cpp.client import token_provider_from_settings
from backends.http.errors import TokenUnavailable
from backends.http.tokens import REFRESH_MARGIN_S, AzureIdentityTokenProvider, StaticTokenProvider
from cppcancel.settings import load_settings

SCOPE = "https://cloudpartner.azure.com/.default"
JWT_LIKE = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeCredential:
    """The outside edge: azure-identity's credential, answering like it (AccessToken) without a network."""

    def __init__(self, clock: FakeClock, lifetime_s: float = 3600.0, delay_s: float = 0.0) -> None:
        self.clock = clock
        self.lifetime_s = lifetime_s
        self.delay_s = delay_s
        self.calls: list[tuple[str, ...]] = []
        self._lock = threading.Lock()

    def get_token(self, *scopes: str) -> AccessToken:
        with self._lock:
            self.calls.append(scopes)
            n = len(self.calls)
        time.sleep(self.delay_s)
        return AccessToken(f"token-{n}", int(self.clock() + self.lifetime_s))


class FailingCredential:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_token(self, *scopes: str) -> AccessToken:
        raise self.error


def test_caches_until_five_minutes_before_expiry() -> None:
    clock = FakeClock()
    credential = FakeCredential(clock, lifetime_s=3600)
    provider = AzureIdentityTokenProvider(SCOPE, credential, clock=clock)
    assert provider.get_token() == "token-1"
    assert credential.calls == [(SCOPE,)]
    clock.now += 3600 - REFRESH_MARGIN_S - 1
    assert provider.get_token() == "token-1"
    assert len(credential.calls) == 1
    clock.now += 1
    assert provider.get_token() == "token-2"
    assert len(credential.calls) == 2


def test_a_short_lived_token_is_used_but_not_cached() -> None:
    clock = FakeClock()
    credential = FakeCredential(clock, lifetime_s=60)
    provider = AzureIdentityTokenProvider(SCOPE, credential, clock=clock)
    assert provider.get_token() == "token-1"
    assert provider.get_token() == "token-2"


def test_thread_safe_one_credential_call_for_many_threads() -> None:
    clock = FakeClock()
    credential = FakeCredential(clock, delay_s=0.05)
    provider = AzureIdentityTokenProvider(SCOPE, credential, clock=clock)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(provider.get_token())) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["token-1"] * 16
    assert len(credential.calls) == 1


def test_credential_errors_become_token_unavailable_without_secrets() -> None:
    error = ClientAuthenticationError(message=f"ManagedIdentityCredential failed; got {JWT_LIKE} back")
    provider = AzureIdentityTokenProvider(SCOPE, FailingCredential(error))
    with pytest.raises(TokenUnavailable) as info:
        provider.get_token()
    text = info.value.describe()
    assert "ClientAuthenticationError" in text
    assert SCOPE in text
    assert "AZURE_CLIENT_ID" in text
    assert "CPP_ACCESS_TOKEN" in text
    assert JWT_LIKE not in text
    assert info.value.__cause__ is None  # the original (which might carry more) is not chained


@pytest.mark.parametrize("answer", [None, AccessToken("", 2_000_000_000), object()])
def test_a_credential_answer_without_a_token_is_refused(answer: object) -> None:
    class Odd:
        def get_token(self, *scopes: str) -> object:
            return answer

    with pytest.raises(TokenUnavailable, match="no token"):
        AzureIdentityTokenProvider(SCOPE, Odd()).get_token()


def test_a_token_without_expiry_is_refused() -> None:
    class NoExpiry:
        token = "abc"
        expires_on = "tomorrow"

    class Odd:
        def get_token(self, *scopes: str) -> object:
            return NoExpiry()

    with pytest.raises(TokenUnavailable, match="without an expiry"):
        AzureIdentityTokenProvider(SCOPE, Odd()).get_token()


def test_repr_shows_no_token() -> None:
    clock = FakeClock()
    provider = AzureIdentityTokenProvider(SCOPE, FakeCredential(clock), clock=clock)
    provider.get_token()
    assert "token-1" not in repr(provider)
    assert "secret-value" not in repr(StaticTokenProvider("secret-value"))


def test_static_provider_warns_when_created(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="backends.http.tokens"):
        provider = StaticTokenProvider("  local-token ")
        provider.get_token()
        provider.get_token()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "local runs and tests" in warnings[0].getMessage()
    assert "local-token" not in warnings[0].getMessage()
    assert provider.get_token() == "local-token"
    with pytest.raises(ValueError, match="non-empty"):
        StaticTokenProvider("  ")


def test_from_settings_picks_static_or_managed_identity() -> None:
    static = token_provider_from_settings(load_settings({"CPP_ACCESS_TOKEN": "abc"}))
    assert isinstance(static, StaticTokenProvider)
    assert static.get_token() == "abc"
    managed = token_provider_from_settings(load_settings({}))
    assert isinstance(managed, AzureIdentityTokenProvider)
    assert managed._credential is None  # the credential is built on first use only
    assert managed._scope == SCOPE


def test_one_provider_per_settings_so_the_token_cache_is_shared() -> None:
    settings = load_settings({"CPP_TOKEN_SCOPE": "https://example.invalid/.default"})
    first = token_provider_from_settings(settings)
    assert token_provider_from_settings(load_settings({"CPP_TOKEN_SCOPE": "https://example.invalid/.default"})) is first
    assert token_provider_from_settings(load_settings({"CPP_ACCESS_TOKEN": "other"})) is not first


def test_importing_the_client_does_not_import_azure_identity() -> None:
    """Cold start: azure.identity is loaded by the first token request, never by an import."""
    code = "import sys, backends.cpp.client, backends.http.tokens; print('azure.identity' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"
