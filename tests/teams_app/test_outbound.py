"""The bot's token goes only under a validated serviceUrl: the fence as a pure rule, then as the SDK's own HTTP
client middleware sending (or not) to loopback stand-ins; and the tokens it may carry at all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from microsoft_teams.api import TokenProtocol
from microsoft_teams.common import Client, ClientOptions

from cppcancel.teams_settings import TeamsSettings
from devhost.standins.teams import BotConnectorStandIn
from teams_app.outbound import OutboundRefused, ServiceUrlFence, allowed, towards
from teams_app.tokens import (
    BOT_SCOPE,
    GRAPH_SCOPE,
    BearerToken,
    BotTokenProvider,
    IdentityTokens,
    TokenRefused,
    identity_tokens,
)
from tests.teams_app.conftest import APP_ID

SERVICE = "https://smba.trafficmanager.net/emea/"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://smba.trafficmanager.net/emea/v3/conversations/19:a@thread.tacv2/activities", True),
        ("https://SMBA.trafficmanager.net:443/emea/v3/conversations/a:1/activities/17", True),
        ("https://smba.trafficmanager.net/amer/v3/conversations/a/activities", False),  # another region's path
        ("https://smba.trafficmanager.net/emea-evil/v3/conversations/a/activities", False),
        ("https://smba.trafficmanager.net/emea/v3/../../amer/v3/conversations/a/activities", False),
        ("https://smba.trafficmanager.net/emea/", False),  # not an API call
        ("http://smba.trafficmanager.net/emea/v3/conversations/a/activities", False),
        ("https://smba.trafficmanager.net:8443/emea/v3/conversations/a/activities", False),
        ("https://evil.example/emea/v3/conversations/a/activities", False),
        ("https://user:pw@smba.trafficmanager.net/emea/v3/conversations/a/activities", False),
    ],
)
def test_only_the_service_urls_own_api_is_allowed(url: str, ok: bool) -> None:
    assert allowed(url, SERVICE) is ok


@pytest.fixture
def two_connectors() -> Iterator[tuple[BotConnectorStandIn, BotConnectorStandIn]]:
    with BotConnectorStandIn() as validated, BotConnectorStandIn() as other:
        yield validated, other


def _post(client: Client, url: str) -> int:
    async def send() -> int:
        response = await client.post(url, json={"type": "message", "text": "hi"})
        return response.status_code

    return asyncio.run(send())


def test_the_sdks_client_sends_only_inside_towards_and_only_there(
    two_connectors: tuple[BotConnectorStandIn, BotConnectorStandIn],
) -> None:
    validated, other = two_connectors
    client = Client(ClientOptions(token=str(validated.token)))
    client.use(ServiceUrlFence())
    target = f"{validated.service_url}v3/conversations/a:1/activities"
    with pytest.raises(OutboundRefused):
        _post(client, target)  # outside any turn: nothing is sent
    with towards(validated.service_url):
        assert _post(client, target) == 201
        with pytest.raises(OutboundRefused):
            _post(client, f"{other.service_url}v3/conversations/a:1/activities")
    assert [r.method for r in validated.requests] == ["POST"]
    assert other.requests == [], "the other host never saw a connection"


def test_static_tokens_serve_their_scope_and_no_other() -> None:
    tokens = IdentityTokens(TeamsSettings(app_id=APP_ID, access_token="bot-token", graph_access_token="graph-token"))
    assert (str(tokens.get(BOT_SCOPE)), str(tokens.get(GRAPH_SCOPE))) == ("bot-token", "graph-token")
    with pytest.raises(TokenRefused):
        tokens.get("https://cloudpartner.azure.com/.default")


def test_the_sdk_gets_the_bot_connectors_token_only() -> None:
    provider = BotTokenProvider(IdentityTokens(TeamsSettings(app_id=APP_ID, access_token="bot-token")))
    token = asyncio.run(_await(provider(BOT_SCOPE, "botframework.com")))
    assert isinstance(token, TokenProtocol) and str(token) == "bot-token" and not token.is_expired()
    assert "bot-token" not in repr(token)
    with pytest.raises(TokenRefused):
        provider(GRAPH_SCOPE, None)  # e.g. the SDK's ctx.app_graph: not through this identity


async def _await(value: object) -> BearerToken:
    result = await value  # type: ignore[misc]
    assert isinstance(result, BearerToken)
    return result


def test_an_identity_needs_the_bots_app_id() -> None:
    with pytest.raises(ValueError, match="TEAMS_APP_ID"):
        IdentityTokens(TeamsSettings())


def test_one_identity_per_worker_serves_every_call(caplog: pytest.LogCaptureFixture) -> None:
    """The chat port, Graph and the SDK share one identity per settings: its credential's token cache then serves
    the watcher's many calls (a new identity per call would ask the identity endpoint every time)."""
    teams = TeamsSettings(app_id="5b1f0e6a-0000-4000-8000-0000000000aa", access_token="bot-token")
    with caplog.at_level(logging.WARNING, logger="teams_app.tokens"):
        first, second = identity_tokens(teams), identity_tokens(teams)
        assert str(first.get(BOT_SCOPE)) == str(second.get(BOT_SCOPE)) == "bot-token"
    assert first is second
    assert len([r for r in caplog.records if "static token" in r.getMessage()]) == 1
