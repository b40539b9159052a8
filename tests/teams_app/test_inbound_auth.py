"""POST /api/messages over loopback HTTP with activities the Bot Connector stand-in signed - or did not: every token
the Bot Connector would not send is 401 and nothing is sent anywhere; a valid activity is answered.

The app runs the real SDK (its JWT validation against the stand-in's metadata and keys), behind the real Functions
request/response objects; the conversation API that receives the bot's answers is the stand-in's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
import pytest

from devhost.standins.teams import PERSONAL_CHAT, BotConnectorClient, BotConnectorStandIn, Place, SigningKey
from teams_app.cards import readable
from tests.teams_app.conftest import AMY


def nothing_sent(*connectors: BotConnectorStandIn) -> bool:
    """No conversation call reached any of them (key and metadata reads are not sends)."""
    return all(not any(r.method in ("POST", "PUT") for r in c.requests) for c in connectors)


def refused(reply: Any) -> bool:
    return reply.status == 401 and reply.json["error"]["code"] == "unauthorized"


def test_a_valid_message_gets_its_card_sent_with_the_bots_token(
    teams: BotConnectorClient, connector: BotConnectorStandIn, elsewhere: BotConnectorStandIn
) -> None:
    activity = teams.message_activity("help", AMY, Place())
    reply = teams.post(activity)
    assert reply.status == 200
    (sent,) = connector.activities
    assert sent.verb == "post" and sent.conversation_id == activity["conversation"]["id"]
    card = sent.body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "@cpp ops" in readable(card["content"])
    posts = [r for r in connector.requests if r.method == "POST"]
    assert [(r.auth, r.token) for r in posts] == [("<bearer: valid>", connector.token)]
    assert nothing_sent(elsewhere)


def test_a_personal_chat_message_is_answered_in_that_chat(
    teams: BotConnectorClient, connector: BotConnectorStandIn
) -> None:
    activity = teams.message_activity("help", AMY, PERSONAL_CHAT)
    assert teams.post(activity).status == 200
    (sent,) = connector.activities
    assert sent.conversation_id == activity["conversation"]["id"] and sent.conversation_id.startswith("a:")


def test_a_card_click_is_answered_inline_and_sends_nothing(
    teams: BotConnectorClient, connector: BotConnectorStandIn
) -> None:
    reply = teams.execute("confirmCancel", {"value": "t1"}, AMY, Place(), reply_to_id="1700000000000")
    assert reply.status == 200
    assert reply.json["statusCode"] == 200
    assert reply.json["type"] == "application/vnd.microsoft.card.adaptive"
    assert "no longer valid" in readable(reply.json["value"])
    assert nothing_sent(connector)


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key=None, algorithm="none")


SDK, APP = "the SDK refused the token", "not issued by the Bot Framework"


@pytest.mark.parametrize(
    ("case", "token", "by"),
    [
        ("a wrong audience", lambda c: c.token(audience="9d5a8f6e-0000-4000-8000-000000000000"), SDK),
        ("the audience of another API", lambda c: c.token(audience="https://api.botframework.com"), SDK),
        ("a wrong issuer", lambda c: c.token(issuer="https://api.botframework.example"), APP),
        (
            "an Entra issuer",
            lambda c: c.token(issuer="https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"),
            APP,
        ),
        ("an expired token (beyond the 300 s leeway)", lambda c: c.token(lifetime_s=-400), SDK),
        ("a token not valid yet", lambda c: c.token(not_before_s=400), SDK),
        ("a key the JWKS does not publish", lambda c: c.token(kid="rotated-away"), SDK),
        ("another key claiming the published kid", lambda c: SigningKey(c.connector.key.kid).sign(_claims(c)), SDK),
        ("an unsigned token", lambda c: _unsigned(_claims(c)), SDK),
        ("no serviceurl claim", lambda c: c.token(service_url=""), SDK),
        ("not a JWT at all", lambda c: "not-a-jwt", APP),
    ],
)
def test_a_token_the_bot_connector_would_not_send_is_401(
    teams: BotConnectorClient,
    connector: BotConnectorStandIn,
    caplog: pytest.LogCaptureFixture,
    case: str,
    token: Any,
    by: str,
) -> None:
    caplog.set_level(logging.WARNING, logger="teams_app")
    reply = teams.post(teams.message_activity("help", AMY, Place()), token=token(teams))
    assert refused(reply), (case, reply.status, reply.raw)
    assert nothing_sent(connector), case
    assert any(by in record.getMessage() for record in caplog.records), f"{case}: refused by {by!r}"


def _claims(client: BotConnectorClient) -> dict[str, Any]:
    from devhost.standins.teams.keys import claims

    return claims(audience=client.app_id, service_url=client.connector.service_url)


@pytest.mark.parametrize("authorization", ["", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer ", "bearer x"])
def test_no_bearer_token_is_401(teams: BotConnectorClient, connector: BotConnectorStandIn, authorization: str) -> None:
    reply = teams.post(teams.message_activity("help", AMY, Place()), authorization=authorization)
    assert refused(reply)
    assert nothing_sent(connector)


def test_a_service_url_other_than_the_tokens_claim_is_401_and_gets_nothing(
    teams: BotConnectorClient, connector: BotConnectorStandIn, elsewhere: BotConnectorStandIn
) -> None:
    activity = teams.message_activity("help", AMY, Place()) | {"serviceUrl": elsewhere.service_url}
    assert refused(teams.post(activity))  # the token's serviceurl is the trusted connector's
    assert nothing_sent(connector, elsewhere)
    assert elsewhere.requests == [], "not even a connection carrying the bot's token"


@pytest.mark.parametrize("service_url", [None, "", 42, "ftp://127.0.0.1/teams/", "http://smba.example/teams/"])
def test_an_activity_without_a_usable_service_url_is_401(
    teams: BotConnectorClient, connector: BotConnectorStandIn, service_url: Any
) -> None:
    activity = teams.message_activity("help", AMY, Place())
    if service_url is None:
        del activity["serviceUrl"]
    else:
        activity["serviceUrl"] = service_url
    assert refused(teams.post(activity))
    assert nothing_sent(connector)


def test_without_teams_app_id_every_request_is_401(
    teams: BotConnectorClient, connector: BotConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cppcancel.settings import reset_settings_cache

    monkeypatch.delenv("TEAMS_APP_ID")
    reset_settings_cache()
    assert refused(teams.post(teams.message_activity("help", AMY, Place())))
    assert nothing_sent(connector)


def test_bad_bodies_get_a_clear_error(teams: BotConnectorClient, connector: BotConnectorStandIn) -> None:
    too_big = teams.message_activity("x" * 300_000, AMY, Place())
    reply = teams.post(too_big)
    assert (reply.status, reply.json["error"]["code"]) == (413, "body_too_large")
    from devhost.standins.teams.activities import TeamsReply

    raw = teams_post_raw(teams, b"[1, 2]")
    assert isinstance(raw, TeamsReply)
    assert (raw.status, raw.json["error"]["code"]) == (400, "invalid_body")
    assert nothing_sent(connector)


def teams_post_raw(client: BotConnectorClient, body: bytes) -> Any:
    import urllib.error
    import urllib.request

    from devhost.standins.teams.activities import TeamsReply

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {client.token()}"}
    request = urllib.request.Request(client.app_url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return TeamsReply(response.status, response.read())
    except urllib.error.HTTPError as error:
        return TeamsReply(error.code, error.read())


def test_the_refusal_says_nothing_about_what_was_checked(teams: BotConnectorClient) -> None:
    reply = teams.post(teams.message_activity("help", AMY, Place()), token=teams.token(lifetime_s=-400))
    assert json.loads(reply.raw) == {
        "error": {"code": "unauthorized", "message": "The request is not from the Bot Connector, or not for this bot."}
    }
