"""The Slack stand-in speaks the Web API wire format that the real slack_sdk client uses."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devhost.standins.slack import SlackFault, SlackStandIn, describe
from tests.conftest import BOT_TOKEN


def _client(standin: SlackStandIn, token: str = BOT_TOKEN) -> WebClient:
    return WebClient(token=token, base_url=standin.base_url)


def test_post_then_update_then_thread_reply(slack_standin: SlackStandIn) -> None:
    client = _client(slack_standin)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Cancel* under way"}}]
    posted = client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)
    client.chat_update(channel="C1", ts=posted["ts"], text="done")
    client.chat_postMessage(channel="C1", thread_ts=posted["ts"], text="status: completed")
    methods = [(m.method, m.ts == posted["ts"] or m.thread_ts == posted["ts"]) for m in slack_standin.messages]
    assert methods == [("chat.postMessage", True), ("chat.update", True), ("chat.postMessage", True)]
    assert "*Cancel* under way" in describe(slack_standin.messages[0])


def test_wrong_token_is_invalid_auth(slack_standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        _client(slack_standin, token="xoxb-wrong").chat_postMessage(channel="C1", text="x")
    assert slack_standin.messages == []


def test_ratelimited_fault_carries_retry_after(slack_standin: SlackStandIn) -> None:
    slack_standin.add_fault(SlackFault(method="chat.update", times=1, retry_after_s=3))
    with pytest.raises(SlackApiError) as caught:
        _client(slack_standin).chat_update(channel="C1", ts="1.1", text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers.get("Retry-After") == "3"
    assert _client(slack_standin).chat_update(channel="C1", ts="1.1", text="x")["ok"]


def test_usergroup_members(slack_standin: SlackStandIn) -> None:
    assert _client(slack_standin).usergroups_users_list(usergroup="S0RELEASE")["users"] == ["U0BOB"]


def _post_json(url: str, payload: dict[str, object]) -> None:
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_response_url_posts_are_recorded(slack_standin: SlackStandIn) -> None:
    _post_json(slack_standin.response_url("k1"), {"text": "Done", "replace_original": True})
    [message] = slack_standin.wait_for(lambda ms: len(ms) == 1, timeout=2)
    assert (message.method, message.response_key, message.replace_original) == ("response_url", "k1", True)
    assert message.replaced, "a click's response_url replaces the message that carried the button"
    assert "(replaces the original)" in describe(message)


def test_a_slash_commands_response_url_cannot_replace_its_ephemeral_ack(slack_standin: SlackStandIn) -> None:
    """Slack (slackapi/bolt-js#2287, bolt-python#1268): replace_original does nothing on a slash command's
    response_url; the post arrives as a second ephemeral message. The stand-in is no kinder."""
    url = slack_standin.command_response_url("c1")
    assert url != slack_standin.response_url("c1")
    _post_json(url, {"text": "The answer", "response_type": "ephemeral", "replace_original": True})
    _post_json(url, {"text": "Gone?", "delete_original": True})
    first, second = slack_standin.wait_for(lambda ms: len(ms) == 2, timeout=2)
    assert (first.method, first.response_key, first.response_kind) == ("response_url", "c1", "command")
    assert first.replace_original, "what the app asked for is recorded"
    assert not first.replaced and not second.deleted, "what Slack did: neither replaced nor deleted the ack"
    assert "replaces the original" not in describe(first) and "deletes the original" not in describe(second)
    assert "second message" in describe(first)


def test_a_latency_fault_holds_the_call_then_fails_it_or_lets_it_through(slack_standin: SlackStandIn) -> None:
    slack_standin.add_fault(SlackFault(method="chat.update", latency_s=0.3, status=503, error="service_unavailable"))
    slack_standin.add_fault(SlackFault(method="chat.update", latency_s=0.3, proceed=True))
    client = _client(slack_standin)
    started = time.monotonic()
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel="C1", ts="1.1", text="held, then refused")
    assert caught.value.response.status_code == 503 and slack_standin.messages == []
    assert client.chat_update(channel="C1", ts="1.1", text="held, then done")["ok"]
    assert time.monotonic() - started >= 0.6
    assert [m.text for m in slack_standin.messages] == ["held, then done"]
    assert [name for name, _ in slack_standin.calls] == ["chat.update", "chat.update"]  # recorded on arrival


def test_a_contains_fault_holds_only_the_message_it_names(slack_standin: SlackStandIn) -> None:
    fault = SlackFault(method="chat.postMessage", contains="pointer", status=503, error="service_unavailable")
    slack_standin.add_fault(fault)
    client = _client(slack_standin)
    assert client.chat_postMessage(channel="C1", text="the announcement")["ok"]
    assert fault.times == 1 and fault.landed == 0  # not the call it is about
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "section", "text": {"text": "a pointer"}}])
    slack_standin.wait_landed(fault, timeout=5)  # counted once the stand-in has finished with the call
    assert fault.times == 0
    assert [m.text for m in slack_standin.messages] == ["the announcement"]


def test_wait_landed_returns_once_a_held_call_has_reached_slack(slack_standin: SlackStandIn) -> None:
    held = SlackFault(method="response_url", latency_s=0.3, proceed=True)
    slack_standin.add_fault(held)
    with pytest.raises(TimeoutError, match="landed 0 of 1"):
        slack_standin.wait_landed(held, timeout=0.01)
    body = json.dumps({"text": "held"}).encode()
    request = urllib.request.Request(
        slack_standin.response_url("k1"), data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    slack_standin.wait_landed(held, timeout=5)
    assert [m.text for m in slack_standin.messages] == ["held"]
