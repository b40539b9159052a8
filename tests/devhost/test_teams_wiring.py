"""The dev host stands in for Teams' Bot Connector when TEAMS_OPENID_METADATA_URL is unset, says so in its banner,
and serves /api/messages against it: a signed activity is answered through the stand-in, an unsigned one is 401."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.emulators import LOCAL_TEAMS_APP_ID, start_emulators
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, Person, Place
from devhost.standins.teams.server import DEFAULT_TOKEN
from tests.devhost.conftest import fetch, free_port
from tests.devhost.process import DevHostProcess

CONFIGURED_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"


def test_the_bot_connector_is_stood_in_for_only_when_not_configured(tmp_path: Path) -> None:
    environ = {"CPP_BASE_URL": "https://cpp.example", "SLACK_API_BASE_URL": "https://slack.example/api/"}
    environ |= {"INGESTION_BASE_URL": "https://graph.example/rp/product-ingestion"}
    environ["TEAMS_ACCESS_TOKEN"] = "a-real-token-that-must-not-reach-a-stand-in"
    emulation = start_emulators(environ, data_dir=tmp_path)
    try:
        assert emulation.teams is not None and emulation.teams_app_id_local
        assert environ["TEAMS_OPENID_METADATA_URL"] == emulation.teams.metadata_url
        assert (environ["TEAMS_APP_ID"], environ["TEAMS_ACCESS_TOKEN"]) == (LOCAL_TEAMS_APP_ID, DEFAULT_TOKEN)
    finally:
        emulation.stop()

    configured = {**environ, "TEAMS_OPENID_METADATA_URL": CONFIGURED_METADATA, "TEAMS_APP_ID": "my-bot"}
    configured["TEAMS_ACCESS_TOKEN"] = ""
    real = start_emulators(configured, data_dir=tmp_path)
    assert real.teams is None and not real.teams_app_id_local
    assert (configured["TEAMS_OPENID_METADATA_URL"], configured["TEAMS_APP_ID"]) == (CONFIGURED_METADATA, "my-bot")
    assert configured["TEAMS_ACCESS_TOKEN"] == ""


@pytest.fixture
def devhost(tmp_path: Path) -> Iterator[DevHostProcess]:
    process = DevHostProcess(
        app="function_app:app",
        port=free_port(),
        data_dir=tmp_path / "data",
        env={"CANCEL_POLICY": '{"rules": []}'},
        log_path=tmp_path / "devhost.log",
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.mark.e2e
def test_the_dev_host_serves_teams_against_its_stand_in(devhost: DevHostProcess) -> None:
    log = devhost.log()
    found = re.search(r"Teams Bot Connector: EMULATED by the stand-in at (http://127\.0\.0\.1:\d+)", log)
    assert found is not None, log[-3000:]
    assert f"{devhost.origin}/api/messages" in log and "Teams messaging endpoint" in log
    remote = found.group(1)
    minted = fetch("POST", f"{remote}/_standin/tokens", json.dumps({"audience": LOCAL_TEAMS_APP_ID}))
    token = json.loads(minted.body)["token"]
    with BotConnectorStandIn() as shapes:  # only to shape the activity; the dev host's own stand-in receives it
        client = BotConnectorClient(shapes, f"{devhost.origin}/api/messages", LOCAL_TEAMS_APP_ID)
        activity = client.message_activity("help", Person("0f8fad5b-d9cb-469f-a165-70867728950e"), Place())
        activity["serviceUrl"] = f"{remote}/teams/"
        assert client.post(activity, authorization="").status == 401
        assert client.post(activity, token=token).status == 200
    sent = json.loads(fetch("GET", f"{remote}/_standin/activities").body)["activities"]
    assert [(a["verb"], a["conversationId"]) for a in sent] == [("post", activity["conversation"]["id"])]
