"""The Partner Center submission API's settings: documented defaults, its own origin, and the publishers it serves
(none unless listed)."""

from __future__ import annotations

import pytest

from cppcancel.settings import Settings, SettingsError, load_settings


def _timeout(settings: Settings) -> tuple[float, float]:
    return (settings.submission_api.connect_timeout_s, settings.submission_api.read_timeout_s)


def test_the_defaults_are_the_documented_ones_and_serve_no_publisher() -> None:
    settings = load_settings({})
    assert settings.submission_api.base_url == "https://api.partner.microsoft.com/v1.0/ingestion"
    assert settings.submission_api.token_scope == "https://api.partner.microsoft.com/.default"
    assert settings.submission_api.access_token is None
    assert settings.submission_api.publishers == ()
    assert _timeout(settings) == (5.0, 30.0) and settings.submission_api.max_retries == 4


def test_its_transport_settings_are_its_own() -> None:
    env = {
        "SUBMISSION_API_CONNECT_TIMEOUT_S": "2",
        "SUBMISSION_API_READ_TIMEOUT_S": "45",
        "SUBMISSION_API_MAX_RETRIES": "0",
    }
    settings = load_settings(env)
    assert (_timeout(settings), settings.submission_api.max_retries) == ((2.0, 45.0), 0)
    assert (settings.cpp_limits.timeout, settings.cpp_max_retries) == ((5.0, 30.0), 4)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUBMISSION_API_CONNECT_TIMEOUT_S", "0"),
        ("SUBMISSION_API_READ_TIMEOUT_S", "soon"),
        ("SUBMISSION_API_MAX_RETRIES", "-1"),
    ],
)
def test_bad_transport_values_are_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_the_static_token_is_kept_out_of_repr() -> None:
    settings = load_settings({"SUBMISSION_API_ACCESS_TOKEN": "secret-submission-token"})
    assert settings.submission_api.access_token == "secret-submission-token"
    assert "secret-submission-token" not in repr(settings)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("contoso", ("contoso",)),
        ("Contoso, fabrikam  contoso,,", ("contoso", "fabrikam")),
        ("contoso\tfabrikam.eu", ("contoso", "fabrikam.eu")),
    ],
)
def test_publishers_are_a_list_lowercased_once_each(raw: str, expected: tuple[str, ...]) -> None:
    assert load_settings({"SUBMISSION_API_PUBLISHERS": raw}).submission_api.publishers == expected


@pytest.mark.parametrize("raw", ["*", "contoso,*", "con/toso", "-contoso"])
def test_a_wildcard_or_a_bad_publisher_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="SUBMISSION_API_PUBLISHERS") as refused:
        load_settings({"SUBMISSION_API_PUBLISHERS": raw})
    assert ("no wildcard" in str(refused.value)) == ("*" in raw)


@pytest.mark.parametrize(
    ("other", "other_url", "submission_url"),
    [
        ("CPP_BASE_URL", "https://cloudpartner.azure.com", "https://cloudpartner.azure.com/v1.0/ingestion"),
        ("CPP_BASE_URL", "http://127.0.0.1:8081", "http://127.0.0.1:8081/v1.0/ingestion"),
        (
            "INGESTION_BASE_URL",
            "https://graph.microsoft.com/rp/product-ingestion",
            "https://GRAPH.microsoft.com:443/v1",
        ),
        (
            "INGESTION_BASE_URL",
            "https://api.partner.microsoft.com/rp",
            "https://api.partner.microsoft.com/v1.0/ingestion",
        ),
        (
            "TEAMS_GRAPH_BASE_URL",
            "https://api.partner.microsoft.com",
            "https://api.partner.microsoft.com/v1.0/ingestion",
        ),
    ],
)
def test_an_origin_shared_with_another_api_is_refused(other: str, other_url: str, submission_url: str) -> None:
    with pytest.raises(SettingsError, match=f"SUBMISSION_API_BASE_URL and {other} must be on different origins"):
        load_settings({other: other_url, "SUBMISSION_API_BASE_URL": submission_url})


def test_other_ports_on_loopback_are_other_origins() -> None:
    env = {
        "CPP_BASE_URL": "http://127.0.0.1:8081",
        "INGESTION_BASE_URL": "http://127.0.0.1:8082/rp/product-ingestion",
        "SUBMISSION_API_BASE_URL": "http://127.0.0.1:8083/v1.0/ingestion/",
    }
    assert load_settings(env).submission_api.base_url == "http://127.0.0.1:8083/v1.0/ingestion"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://api.partner.example/v1.0/ingestion", "may use plain http"),
        ("https://user@api.partner.microsoft.com/v1.0/ingestion", "user-info"),
        ("https://api.partner.microsoft.com/v1.0/ingestion?x=1", "query or fragment"),
        ("api.partner.microsoft.com/v1.0/ingestion", "absolute https"),
    ],
)
def test_an_unsafe_base_url_is_refused(url: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=f"SUBMISSION_API_BASE_URL .*{problem}"):
        load_settings({"SUBMISSION_API_BASE_URL": url})
