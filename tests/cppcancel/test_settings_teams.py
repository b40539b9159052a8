"""The Teams settings: documented defaults, GUID-shaped IDs, the metadata URL the SDK can derive its keys from, and
Graph's token kept off the CPP's origin."""

from __future__ import annotations

import pytest

from cppcancel.settings import SettingsError, load_settings

APP_ID = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"


def test_the_defaults_are_the_documented_ones() -> None:
    teams = load_settings({}).teams
    assert teams.app_id is None, "no app ID: every Teams request is refused"
    assert teams.tenant_id is None
    assert teams.openid_metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    assert teams.access_token is None
    assert teams.graph_base_url == "https://graph.microsoft.com"
    assert teams.graph_access_token is None


def test_ids_are_read_as_lower_case_guids() -> None:
    teams = load_settings({"TEAMS_APP_ID": APP_ID.upper(), "TEAMS_TENANT_ID": " " + APP_ID + " "}).teams
    assert (teams.app_id, teams.tenant_id) == (APP_ID, APP_ID)


@pytest.mark.parametrize("name", ["TEAMS_APP_ID", "TEAMS_TENANT_ID"])
def test_an_id_that_is_not_a_guid_is_refused(name: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be .* a GUID"):
        load_settings({name: "my-bot"})


def test_the_tokens_are_kept_out_of_repr() -> None:
    settings = load_settings({"TEAMS_ACCESS_TOKEN": "bot-secret-token", "TEAMS_GRAPH_ACCESS_TOKEN": "graph-secret"})
    assert settings.teams.access_token == "bot-secret-token"
    assert settings.teams.graph_access_token == "graph-secret"
    assert "bot-secret-token" not in repr(settings) and "graph-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://login.example/v1/.well-known/keys", "must end in /openidconfiguration"),
        ("http://login.example/v1/.well-known/openidconfiguration", "plain http:// only for a loopback"),
        ("https://login.example/openidconfiguration?x=1", "query or fragment"),
    ],
)
def test_a_metadata_url_the_sdk_cannot_use_is_refused(url: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        load_settings({"TEAMS_OPENID_METADATA_URL": url})


def test_a_loopback_stand_in_may_use_plain_http() -> None:
    url = "http://127.0.0.1:8090/v1/.well-known/openidconfiguration"
    assert load_settings({"TEAMS_OPENID_METADATA_URL": url}).teams.openid_metadata_url == url


@pytest.mark.parametrize(
    ("graph", "problem"),
    [
        ("https://graph.microsoft.com/v1.0", "an origin only"),
        ("https://cloudpartner.azure.com", "TEAMS_GRAPH_BASE_URL and CPP_BASE_URL must be on different origins"),
    ],
)
def test_graph_is_an_origin_of_its_own(graph: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        load_settings({"TEAMS_GRAPH_BASE_URL": graph})
