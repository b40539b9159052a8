"""Settings are read once, validated, and never show secrets."""

from __future__ import annotations

import pytest

from cppcancel.settings import DEFAULT_CPP_BASE_URL, SettingsError, load_settings


def test_defaults_match_the_documented_api() -> None:
    settings = load_settings({})
    assert settings.cpp_base_url == DEFAULT_CPP_BASE_URL
    assert settings.cpp_api_version == "2017-10-31"
    assert settings.slack_api_base_url == "https://slack.com/api/"
    assert settings.watch_timeout_s == 86400
    assert (settings.poll_initial_interval_s, settings.poll_max_interval_s) == (15, 300)


def test_fractional_intervals_are_accepted_for_fast_demos() -> None:
    settings = load_settings({"POLL_INITIAL_INTERVAL_S": "0.25", "POLL_MAX_INTERVAL_S": "1.5", "WATCH_TIMEOUT_S": "30"})
    assert settings.poll_initial_interval_s == 0.25
    assert settings.poll_max_interval_s == 1.5
    assert settings.watch_timeout_s == 30


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"POLL_INITIAL_INTERVAL_S": "soon", "WATCH_TIMEOUT_S": "-1", "CPP_MAX_RETRIES": "x"})
    message = str(caught.value)
    assert "POLL_INITIAL_INTERVAL_S" in message
    assert "WATCH_TIMEOUT_S" in message
    assert "CPP_MAX_RETRIES" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://cloudpartner.azure.com",  # plain http off loopback would expose the token
        "ftp://127.0.0.1",
        "https://user:pw@cloudpartner.azure.com",
        "https://cloudpartner.azure.com/?x=1",
        "cloudpartner.azure.com",
    ],
)
def test_unsafe_cpp_base_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="CPP_BASE_URL"):
        load_settings({"CPP_BASE_URL": url})


def test_loopback_http_is_allowed_for_the_emulator() -> None:
    settings = load_settings({"CPP_BASE_URL": "http://127.0.0.1:8123/", "SLACK_API_BASE_URL": "http://localhost:9/api"})
    assert settings.cpp_base_url == "http://127.0.0.1:8123"
    assert settings.slack_api_base_url == "http://localhost:9/api/"


def test_poll_cap_below_initial_is_refused() -> None:
    with pytest.raises(SettingsError, match="POLL_MAX_INTERVAL_S"):
        load_settings({"POLL_INITIAL_INTERVAL_S": "10", "POLL_MAX_INTERVAL_S": "5"})


def test_secrets_never_appear_in_repr() -> None:
    settings = load_settings(
        {
            "CPP_ACCESS_TOKEN": "tok-secret-1",
            "SLACK_SIGNING_SECRET": "sign-secret-2",
            "SLACK_BOT_TOKEN": "xoxb-secret-3",
            "WEBHOOK_SECRET": "whsec_secret4",
            "CANCEL_POLICY": '{"rules": []}',
        }
    )
    shown = repr(settings)
    for secret in ("tok-secret-1", "sign-secret-2", "xoxb-secret-3", "whsec_secret4"):
        assert secret not in shown
    assert settings.slack_bot_token == "xoxb-secret-3"


def test_unresolved_key_vault_reference_counts_as_unset(caplog: pytest.LogCaptureFixture) -> None:
    reference = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/slack-signing-secret/)"
    settings = load_settings({"SLACK_SIGNING_SECRET": reference})
    assert settings.slack_signing_secret is None
    assert "SLACK_SIGNING_SECRET is an unresolved Key Vault reference" in caplog.text
