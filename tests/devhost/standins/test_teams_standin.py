"""The Bot Connector stand-in and the Graph stand-in, checked with independent clients: PyJWT's own JWKS client for
the keys and tokens, plain HTTP for the conversation and Graph calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from devhost.standins.server import AUTH_ABSENT, AUTH_VALID
from devhost.standins.teams import PERSONAL_CHAT, BotConnectorClient, BotConnectorStandIn, Person, Place
from devhost.standins.teams.graph import DEFAULT_TOKEN as GRAPH_TOKEN
from devhost.standins.teams.graph import GraphStandIn

APP_ID = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
AMY = Person("0f8fad5b-d9cb-469f-a165-70867728950e", "Amy")
CONVERSATION = "19:local-releases@thread.tacv2"


@pytest.fixture
def connector() -> Iterator[BotConnectorStandIn]:
    with BotConnectorStandIn() as standin:
        yield standin


def _decode(connector: BotConnectorStandIn, token: str) -> dict[str, Any]:
    metadata = requests.get(connector.metadata_url, timeout=10).json()
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(token)
    decoded: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=APP_ID, issuer=metadata["issuer"]
    )
    return decoded


def _send(connector: BotConnectorStandIn, method: str, path: str, body: Any, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{connector.service_url}v3/conversations/{path}"
    return requests.request(method, url, json=body, headers=headers, timeout=10)


def test_its_tokens_verify_against_its_published_metadata_and_keys(connector: BotConnectorStandIn) -> None:
    metadata = requests.get(connector.metadata_url, timeout=10).json()
    assert metadata["issuer"] == "https://api.botframework.com"
    assert metadata["jwks_uri"] == connector.metadata_url.replace("/openidconfiguration", "/keys")
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = requests.get(metadata["jwks_uri"], timeout=10).json()["keys"]
    assert [(k["kty"], k["use"], k["kid"], k["endorsements"]) for k in keys] == [
        ("RSA", "sig", connector.key.kid, ["msteams"])
    ]
    claims = _decode(connector, connector.sign(APP_ID))
    assert claims["serviceurl"] == connector.service_url
    assert claims["nbf"] <= claims["exp"] - 3000
    assert jwt.get_unverified_header(connector.sign(APP_ID))["alg"] == "RS256"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"kid": "not-published"}, jwt.PyJWKClientError),
        ({"lifetime_s": -60}, jwt.ExpiredSignatureError),
        ({"issuer": "https://sts.example"}, jwt.InvalidIssuerError),
        ({"audience": "someone-else"}, jwt.InvalidAudienceError),
    ],
)
def test_it_can_mint_every_kind_of_bad_token(
    connector: BotConnectorStandIn, changes: dict[str, Any], error: type[Exception]
) -> None:
    audience = changes.pop("audience", APP_ID)
    with pytest.raises(error):
        _decode(connector, connector.sign(audience, **changes))


def test_a_claim_left_out_or_pointed_elsewhere(connector: BotConnectorStandIn) -> None:
    token = connector.sign(APP_ID, service_url="https://elsewhere.example/teams/")
    assert _decode(connector, token)["serviceurl"] == "https://elsewhere.example/teams/"


def test_a_post_answers_an_id_and_records_the_bearer_token(connector: BotConnectorStandIn) -> None:
    answer = _send(connector, "POST", f"{CONVERSATION}/activities", {"type": "message", "text": "hi"}, connector.token)
    assert answer.status_code == 201
    activity_id = answer.json()["id"]
    assert activity_id.isdigit(), "Teams message IDs are numeric"
    (sent,) = connector.activities
    assert (sent.verb, sent.conversation_id, sent.activity_id, sent.body["text"]) == (
        "post",
        CONVERSATION,
        activity_id,
        "hi",
    )
    (recorded,) = connector.requests
    assert (recorded.auth, recorded.token) == (AUTH_VALID, connector.token)


def test_a_put_replaces_an_activity_it_created_and_nothing_else(connector: BotConnectorStandIn) -> None:
    threaded = f"{CONVERSATION};messageid=1700000000000"
    created = _send(connector, "POST", f"{threaded}/activities", {"type": "message", "replyToId": "1"}, connector.token)
    activity_id = created.json()["id"]
    replaced = _send(connector, "PUT", f"{CONVERSATION}/activities/{activity_id}", {"type": "message"}, connector.token)
    assert (replaced.status_code, replaced.json()) == (200, {"id": activity_id})
    unknown = _send(connector, "PUT", f"{CONVERSATION}/activities/42", {"type": "message"}, connector.token)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "NotFound")
    assert [a.verb for a in connector.activities] == ["post", "put"]
    assert connector.activities[0].reply_to_id == "1"


@pytest.mark.parametrize("token", [None, "some-other-token"])
def test_the_conversation_api_needs_its_token(connector: BotConnectorStandIn, token: str | None) -> None:
    answer = _send(connector, "POST", f"{CONVERSATION}/activities", {"type": "message"}, token)
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "Unauthorized")
    assert connector.activities == []
    assert connector.requests[0].auth == (AUTH_ABSENT if token is None else "<bearer: invalid>")


def test_a_body_that_is_not_an_activity_is_refused(connector: BotConnectorStandIn) -> None:
    answer = _send(connector, "POST", f"{CONVERSATION}/activities", ["message"], connector.token)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "BadArgument")


def test_control_endpoints_mint_list_and_reset(connector: BotConnectorStandIn) -> None:
    minted = requests.post(f"{connector.origin}/_standin/tokens", json={"audience": APP_ID}, timeout=10).json()
    assert _decode(connector, minted["token"])["aud"] == APP_ID
    _send(connector, "POST", f"{CONVERSATION}/activities", {"type": "message"}, connector.token)
    listed = requests.get(f"{connector.origin}/_standin/activities", timeout=10).json()["activities"]
    assert [a["verb"] for a in listed] == ["post"]
    requests.post(f"{connector.origin}/_standin/reset", timeout=10)
    assert connector.activities == [] and connector.requests == []
    bad = requests.post(f"{connector.origin}/_standin/tokens", json={}, timeout=10)
    assert bad.status_code == 400


def test_activities_look_as_teams_sends_them(connector: BotConnectorStandIn) -> None:
    client = BotConnectorClient(connector, "http://127.0.0.1:9/api/messages", APP_ID)
    in_channel = client.message_activity("help", AMY, Place())
    assert in_channel["text"] == "<at>cpp</at> help" and in_channel["entities"][0]["type"] == "mention"
    assert in_channel["conversation"]["id"] == f"{Place().channel_id};messageid={in_channel['id']}"
    assert in_channel["channelData"]["team"]["id"] == Place().team_id
    assert in_channel["from"]["aadObjectId"] == AMY.aad_object_id
    assert in_channel["serviceUrl"] == connector.service_url
    personal = client.message_activity("help", AMY, PERSONAL_CHAT)
    assert personal["text"] == "help" and "entities" not in personal
    assert personal["conversation"]["conversationType"] == "personal" and "team" not in personal["channelData"]
    click = client.execute_activity("confirm", {"ticket": "t"}, AMY, Place(), reply_to_id="17")
    assert (click["type"], click["name"], click["replyToId"]) == ("invoke", "adaptiveCard/action", "17")
    assert click["value"]["action"] == {"type": "Action.Execute", "verb": "confirm", "data": {"ticket": "t"}}


# ---- Microsoft Graph: checkMemberGroups -----------------------------------------------------------------------------

GROUP, PARENT, OTHER = (
    "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "9a4f1c2e-0b7d-4e3a-8c51-6d2e7f8a9b0c",
    "11111111-2222-4333-8444-555555555555",
)


def _check(graph: GraphStandIn, user: str, groups: Any, token: str | None = GRAPH_TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{graph.base_url}/v1.0/users/{user}/checkMemberGroups"
    return requests.post(url, json={"groupIds": groups}, headers=headers, timeout=10)


def test_graph_answers_the_groups_asked_about_transitively() -> None:
    with GraphStandIn() as graph:
        graph.add_member(AMY.aad_object_id, GROUP)
        graph.nest(GROUP, PARENT)
        answer = _check(graph, AMY.aad_object_id.upper(), [PARENT, OTHER, GROUP])
        assert answer.status_code == 200
        assert answer.json()["value"] == [PARENT, GROUP], "nested groups count, and only those asked about"
        assert graph.requests[0].token == GRAPH_TOKEN


def test_graph_refuses_what_graph_refuses() -> None:
    with GraphStandIn() as graph:
        graph.add_member(AMY.aad_object_id, GROUP)
        assert _check(graph, "nobody", [GROUP]).json()["error"]["code"] == "Request_ResourceNotFound"
        too_many = _check(graph, AMY.aad_object_id, [GROUP] * 21)
        assert (too_many.status_code, too_many.json()["error"]["code"]) == (400, "Request_BadRequest")
        unsigned = _check(graph, AMY.aad_object_id, [GROUP], token=None)
        assert (unsigned.status_code, unsigned.json()["error"]["code"]) == (401, "InvalidAuthenticationToken")
        requests.post(f"{graph.origin}/_standin/members", json={"ben": [OTHER]}, timeout=10)
        assert _check(graph, "ben", [OTHER]).json()["value"] == [OTHER]
