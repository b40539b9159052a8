"""The Slack stand-in speaks the Web API wire format that the real slack_sdk client uses."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devhost.slack_standin import SlackFault, SlackStandIn, describe
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


def test_response_url_posts_are_recorded(slack_standin: SlackStandIn) -> None:
    body = json.dumps({"text": "Done", "replace_original": True}).encode()
    request = urllib.request.Request(
        slack_standin.response_url("k1"), data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    [message] = slack_standin.wait_for(lambda ms: len(ms) == 1, timeout=2)
    assert (message.method, message.response_key, message.replace_original) == ("response_url", "k1", True)


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
