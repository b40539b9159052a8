"""Fixtures of the Teams tests: the Bot Connector stand-in (signing keys, conversation API), the function app's
routes on a loopback host pointed at it, and a client that posts signed activities to `/api/messages`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, Person
from tests.cancel_function.conftest import audit_log
from tests.cancel_function.local_host import LocalFunctions, ParkedOrchestrators

__all__ = ["audit_log"]  # the audit log fixture, shared

APP_ID = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AMY = Person("0f8fad5b-d9cb-469f-a165-70867728950e", "Amy")
BEN = Person("7c9e6679-7425-40de-944b-e07fc1f90ae7", "Ben")
MALLORY = Person("16fd2706-8baf-433b-82eb-8c7fada847da", "Mallory")
# Amy and Ben may cancel contoso's offers from Teams; Mallory may not.
TEAMS_POLICY: dict[str, Any] = {
    "rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [AMY.aad_object_id, BEN.aad_object_id]}]
}


@pytest.fixture(scope="session")
def connector() -> Iterator[BotConnectorStandIn]:
    """The Bot Connector the app trusts (session-wide: the app's one SDK App per worker keeps its settings)."""
    with BotConnectorStandIn() as standin:
        yield standin


@pytest.fixture(scope="session")
def elsewhere() -> Iterator[BotConnectorStandIn]:
    """A second conversation API nobody vouched for: the app must never send it anything."""
    with BotConnectorStandIn() as standin:
        yield standin


@pytest.fixture(scope="session")
def teams_host(app_functions: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFunctions]:
    host = LocalFunctions(app_functions, ParkedOrchestrators(), tmp_path_factory.mktemp("durable")).start()
    try:
        yield host
    finally:
        host.stop()


def teams_settings(connector: BotConnectorStandIn, **overrides: str) -> dict[str, str]:
    return {
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_TENANT_ID": TENANT,
        "TEAMS_OPENID_METADATA_URL": connector.metadata_url,
        "TEAMS_ACCESS_TOKEN": str(connector.token),
        "CANCEL_POLICY": '{"rules": []}',
        **overrides,
    }


@pytest.fixture
def teams_env(monkeypatch: pytest.MonkeyPatch, connector: BotConnectorStandIn, tmp_path: Path) -> Iterator[None]:
    for key, value in teams_settings(connector, RECORD_STORE_SQLITE=str(tmp_path / "records.sqlite3")).items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.fixture
def teams(
    teams_host: LocalFunctions, connector: BotConnectorStandIn, elsewhere: BotConnectorStandIn, teams_env: None
) -> BotConnectorClient:
    """Posts signed activities to the app's /api/messages; both conversation APIs start each test empty."""
    connector.reset()
    elsewhere.reset()
    return BotConnectorClient(connector, teams_host.url("messages"), APP_ID)


@pytest.fixture
def teams_cpp(teams: BotConnectorClient, cpp_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> BotConnectorClient:
    """`teams`, with the app pointed at the CPP emulator and a policy that lets Amy and Ben cancel contoso's."""
    monkeypatch.setenv("CPP_BASE_URL", cpp_emulator.base_url)
    monkeypatch.setenv("CPP_ACCESS_TOKEN", cpp_emulator.token)
    monkeypatch.setenv("CANCEL_POLICY", json.dumps(TEAMS_POLICY))
    reset_settings_cache()
    return teams
