"""The Teams SDK's own environment names - CLIENT_ID, CLIENT_SECRET, TENANT_ID, MANAGED_IDENTITY_CLIENT_ID,
SERVICE_URL, CLOUD, OAUTH_URL, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS, and a `.env` it loads when imported -
change nothing: the app passes every option explicitly (teams_app/sdk_app.py).

Outbound HTTP of the processes here goes through a proxy address where nothing listens (loopback excepted), so a
regression that let CLIENT_SECRET pick the SDK's secret-based credential would fail, not reach the internet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest

from cppcancel.settings import reset_settings_cache
from devhost.functions.loader import REPO_ROOT
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, Place
from devhost.standins.teams.keys import claims
from tests.teams_app.conftest import AMY, APP_ID, teams_settings

NOWHERE = "http://127.0.0.1:9"  # discard port: nothing answers
SDK_NAMES = {
    "CLIENT_ID": "11111111-1111-4111-8111-111111111111",
    "CLIENT_SECRET": "an-unrelated-secret",
    "TENANT_ID": "22222222-2222-4222-8222-222222222222",
    "MANAGED_IDENTITY_CLIENT_ID": "33333333-3333-4333-8333-333333333333",
    "SERVICE_URL": "https://attacker.example/teams",
    "CLOUD": "USGov",
    "OAUTH_URL": "https://attacker.example/oauth",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
    "HTTPS_PROXY": NOWHERE,
    "HTTP_PROXY": NOWHERE,
    "NO_PROXY": "127.0.0.1,localhost",
}

REPORT = """
import json, os
from cppcancel.settings import load_settings
from teams_app.functions_adapter import FunctionsAdapter
from teams_app.sdk_app import build_app
from teams_app.tokens import BotTokenProvider, IdentityTokens

teams = load_settings(os.environ).teams
app = build_app(teams, BotTokenProvider(IdentityTokens(teams)), FunctionsAdapter())
print(json.dumps({
    "credentials": type(app.credentials).__name__,
    "client_id": app.credentials.client_id,
    "tenant_id": app.credentials.tenant_id,
    "token_is_the_apps": isinstance(app.credentials.token, BotTokenProvider),
    "openid_metadata_url": app.cloud.openid_metadata_url,
    "token_issuer": app.cloud.token_issuer,
    "bot_scope": app.cloud.bot_scope,
    "service_url": app.api.service_url,
    "oauth_url": app.api._api_client_settings.oauth_url,
    "unauthenticated_allowed": app.options.dangerously_allow_unauthenticated_requests,
    "dotenv_was_loaded": os.environ.get("FROM_DOTENV"),
}))
"""


def _report(cwd: Path, environ: dict[str, str]) -> dict[str, Any]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), **environ}
    done = subprocess.run([sys.executable, "-c", REPORT], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_sdks_environment_names_and_a_dotenv_change_nothing(tmp_path: Path) -> None:
    metadata = "http://127.0.0.1:8090/v1/.well-known/openidconfiguration"
    ours = {"TEAMS_APP_ID": APP_ID, "TEAMS_OPENID_METADATA_URL": metadata, "TEAMS_ACCESS_TOKEN": "t"}
    clean_dir, dotenv_dir = tmp_path / "clean", tmp_path / "with-dotenv"
    clean_dir.mkdir()
    dotenv_dir.mkdir()
    (dotenv_dir / ".env").write_text(
        "FROM_DOTENV=yes\nCLIENT_SECRET=from-dotenv\nCLOUD=China\nDANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=1\n",
        encoding="utf-8",
    )
    baseline = _report(clean_dir, ours)
    assert baseline == {
        "credentials": "TokenCredentials",
        "client_id": APP_ID,
        "tenant_id": None,
        "token_is_the_apps": True,
        "openid_metadata_url": metadata,
        "token_issuer": "https://api.botframework.com",
        "bot_scope": "https://api.botframework.com/.default",
        "service_url": "https://smba.trafficmanager.net/teams",
        "oauth_url": "https://token.botframework.com",
        "unauthenticated_allowed": False,
        "dotenv_was_loaded": None,
    }
    meddled = _report(dotenv_dir, {**ours, **SDK_NAMES})
    assert meddled == baseline | {"dotenv_was_loaded": "yes"}, "the .env was read, and changed nothing"


def test_requests_are_judged_the_same_with_the_sdks_names_set(
    teams: BotConnectorClient, connector: BotConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SDK_NAMES.items():
        monkeypatch.setenv(name, value)
    # Other Teams settings than the other tests' (a tenant of its own): this worker builds a new App, now.
    for key, value in teams_settings(connector, TEAMS_TENANT_ID="44444444-4444-4444-8444-444444444444").items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()
    unsigned = teams.post(teams.message_activity("help", AMY, Place()), authorization="")
    assert unsigned.status == 401, "unauthenticated requests stay refused"
    # Tokens the app's own first look lets through and only the SDK refuses: its names must not have loosened it.
    other_bot = teams.token(audience="9d5a8f6e-0000-4000-8000-000000000000")
    assert teams.post(teams.message_activity("help", AMY, Place()), token=other_bot).status == 401
    alg_none = jwt.encode(claims(audience=teams.app_id, service_url=connector.service_url), key=None, algorithm="none")
    assert teams.post(teams.message_activity("help", AMY, Place()), token=alg_none).status == 401
    assert teams.post(teams.message_activity("help", AMY, Place())).status == 200
    posts = [r for r in connector.requests if r.method == "POST"]
    assert [r.token for r in posts] == [connector.token], "the bot's token is still the app's, to the activity's URL"
