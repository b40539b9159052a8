"""slack_app/manifest.yaml: valid, with the /cpp command, interactivity and scopes, at the routes the app registers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.infra.helpers import MANIFEST, MANIFEST_PLACEHOLDER

Trees = dict[str, dict[str, Any]]
API_PREFIX = MANIFEST_PLACEHOLDER + "/api/"
SCOPES = {"commands", "chat:write", "usergroups:read"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return loaded


def _command_url(manifest: dict[str, Any]) -> str:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/cpp"]
    url: str = commands[0]["url"]
    return url


def _interactivity_url(manifest: dict[str, Any]) -> str:
    url: str = manifest["settings"]["interactivity"]["request_url"]
    return url


def _routes(manifest: dict[str, Any]) -> list[str]:
    """The manifest's paths after /api/, i.e. the function routes Slack calls."""
    return [url.removeprefix(API_PREFIX) for url in (_command_url(manifest), _interactivity_url(manifest))]


def test_manifest_basics(manifest: dict[str, Any]) -> None:
    assert manifest["display_information"]["name"]
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"].get("socket_mode_enabled") is False  # Slack calls the request URLs over HTTPS


def test_slash_command(manifest: dict[str, Any]) -> None:
    url = _command_url(manifest)
    assert url.endswith("/api/slack/commands")
    assert url.startswith(API_PREFIX)
    assert "cancel" in manifest["features"]["slash_commands"][0]["usage_hint"]


def test_interactivity(manifest: dict[str, Any]) -> None:
    url = _interactivity_url(manifest)
    assert url.endswith("/api/slack/interactions")
    assert url.startswith(API_PREFIX)


def test_bot_scopes(manifest: dict[str, Any]) -> None:
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES


def test_manifest_urls_match_the_deployment_outputs(manifest: dict[str, Any], bicep_trees: Trees) -> None:
    """What the hook pastes in for the placeholder is the base of SLACK_COMMAND_URL and SLACK_INTERACTIVITY_URL."""
    outputs = bicep_trees["main.bicep"]["outputs"]
    base = "${api.outputs.baseUrl}"
    assert _command_url(manifest).replace(MANIFEST_PLACEHOLDER, base) == outputs["SLACK_COMMAND_URL"]["value"]
    assert (
        _interactivity_url(manifest).replace(MANIFEST_PLACEHOLDER, base) == outputs["SLACK_INTERACTIVITY_URL"]["value"]
    )


def test_manifest_routes_are_registered(manifest: dict[str, Any], http_triggers: dict[str, dict[str, Any]]) -> None:
    for route in _routes(manifest):
        assert route in http_triggers, f"Slack would call /api/{route}; registered: {sorted(http_triggers)}"
        methods = [m.upper() for m in http_triggers[route].get("methods") or ["POST"]]
        assert "POST" in methods, f"/api/{route} must accept POST (Slack posts forms), accepts {methods}"


def test_manifest_routes_need_no_function_key(
    manifest: dict[str, Any], http_triggers: dict[str, dict[str, Any]]
) -> None:
    """Slack's request URLs carry no function key: the routes must be anonymous (Slack's signature is the check)."""
    for route in _routes(manifest):
        assert str(http_triggers[route].get("authLevel", "")).upper() == "ANONYMOUS", route


def test_deployment_routes_are_registered(bicep_trees: Trees, http_triggers: dict[str, dict[str, Any]]) -> None:
    """Every URL output of main.bicep names a registered route; the webhook takes a function key."""
    prefix = "${api.outputs.baseUrl}/api/"
    outputs = bicep_trees["main.bicep"]["outputs"]
    urls = [o["value"] for o in outputs.values() if isinstance(o["value"], str) and o["value"].startswith(prefix)]
    assert len(urls) >= 4
    for url in urls:
        assert url.removeprefix(prefix) in http_triggers, f"{url}: registered {sorted(http_triggers)}"
    assert str(http_triggers["webhooks/cancel"].get("authLevel", "")).upper() == "FUNCTION"
