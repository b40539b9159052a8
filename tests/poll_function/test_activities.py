"""The watcher's registered activities, called as the worker calls them, against the CPP emulator and the Slack
stand-in.

Everything goes over loopback sockets: the app's CppClient talks to the emulator, its slack_sdk WebClient and
WebhookClient talk to the stand-in. `app_env` points the settings at both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.standins.cpp.faults import Fault
from devhost.standins.slack import SlackFault, SlackStandIn, blocks_to_text
from slack_app.web import SlackTransientError
from tests.cancel_function.conftest import cancel_request
from tests.conftest import CHANNEL

pytestmark = pytest.mark.usefixtures("app_env")

Activity = Callable[[str], Callable[..., Any]]


def _operation_url(activity: Activity) -> str:
    """A real operation to poll: the one a cancel sent through the `send_cancel` activity started."""
    url: str = activity("send_cancel")(payload=cancel_request("contoso-vm-offer").to_json())["result"]["operationUrl"]
    return url


# -- poll_operation and load_watch_params ----------------------------------------------------------------------------


def test_poll_operation_follows_the_steps_to_the_end(activity: Activity, cpp_emulator: Any) -> None:
    url = _operation_url(activity)
    poll = activity("poll_operation")
    first = poll(payload={"operationUrl": url})
    assert first["ok"] is True and first["operation"]["status"] == "running"
    assert [s["stepName"] for s in first["operation"]["steps"]][:1] == ["Cancel requested"]
    deadline = time.monotonic() + 10
    while (last := poll(payload={"operationUrl": url}))["operation"]["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert last["operation"]["status"] == "completed"
    assert {s["status"] for s in last["operation"]["steps"]} == {"complete"}


def test_poll_operation_reports_transient_errors_with_retry_after(
    activity: Activity, cpp_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _operation_url(activity)
    monkeypatch.setenv("CPP_MAX_RETRIES", "0")  # else the client itself waits out the Retry-After first
    reset_settings_cache()
    cpp_emulator.add_fault(Fault(method="GET", path="/operations/", status=503, retry_after="7", times=None))
    result = activity("poll_operation")(payload={"operationUrl": url})
    assert result["ok"] is False and result["error"]["transient"] is True
    assert result["retryAfterS"] == 7


def test_poll_operation_refuses_a_url_the_token_must_not_go_to(activity: Activity) -> None:
    result = activity("poll_operation")(payload={"operationUrl": "https://evil.example/api/publishers/x/offers/y"})
    assert result["ok"] is False and result["error"]["code"] == "unsafe_url" and result["error"]["transient"] is False


def test_load_watch_params_reads_the_settings(activity: Activity, app_env: dict[str, str]) -> None:
    assert activity("load_watch_params")(payload=None) == {
        "initialS": 0.2,
        "capS": 1.0,
        "timeoutS": 86400.0,
        "pollsPerGeneration": 40,
    }


# -- update_slack -----------------------------------------------------------------------------------------------------


def _update(activity: Activity, ts: str | None = "1.000001", thread: str | None = None) -> dict[str, Any]:
    payload = {
        "channel": CHANNEL,
        "ts": ts,
        "text": "⏳ progress",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "progress"}}],
        "threadText": thread,
    }
    result: dict[str, Any] = activity("update_slack")(payload=payload)
    return result


def test_update_slack_updates_in_place_and_replies_in_the_thread(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    assert _update(activity, thread="🔄 Status is now running") == {
        "ok": True,
        "ts": "1.000001",
        "retryAfterS": None,
        "error": None,
    }
    update, reply = slack_standin.messages
    assert (update.method, update.channel, update.ts) == ("chat.update", CHANNEL, "1.000001")
    assert blocks_to_text(update.blocks) == ["progress"] and update.text == "⏳ progress"
    assert (reply.method, reply.thread_ts, reply.text) == ("chat.postMessage", "1.000001", "🔄 Status is now running")


def test_update_slack_posts_a_message_when_there_is_none_or_it_is_gone(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    first = _update(activity, ts=None)
    assert first["ok"] and slack_standin.messages[-1].method == "chat.postMessage"
    slack_standin.add_fault(SlackFault(method="chat.update", status=200, error="message_not_found"))
    second = _update(activity, ts="9.999")
    assert second["ok"] and second["ts"] == slack_standin.messages[-1].ts != "9.999"


def test_update_slack_returns_a_persistent_rate_limit_as_retry_after(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    slack_standin.add_fault(SlackFault(method="chat.update", times=2, status=429, retry_after_s=0))
    result = _update(activity)  # slack_sdk waited out the first 429 itself; the second comes back to us
    assert result == {"ok": False, "ts": None, "retryAfterS": 1.0, "error": "ratelimited"}
    assert [name for name, _ in slack_standin.calls] == ["chat.update", "chat.update"]


def test_update_slack_raises_transient_failures_for_the_activity_retry(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    slack_standin.add_fault(SlackFault(method="chat.update", status=500, error="internal_error"))
    with pytest.raises(SlackTransientError, match="internal_error"):
        _update(activity)


def test_update_slack_returns_permanent_refusals(activity: Activity, slack_standin: SlackStandIn) -> None:
    slack_standin.add_fault(SlackFault(method="chat.update", status=200, error="channel_not_found"))
    assert _update(activity)["error"] == "channel_not_found"


def test_a_refused_thread_reply_does_not_switch_slack_off(activity: Activity, slack_standin: SlackStandIn) -> None:
    slack_standin.add_fault(SlackFault(method="chat.postMessage", status=200, error="msg_too_long"))
    result = _update(activity, thread="reply")
    assert result["ok"] is True and result["error"] == "msg_too_long"


def test_a_new_main_message_and_its_thread_reply_are_two_runs(activity: Activity, slack_standin: SlackStandIn) -> None:
    """One post per run: a re-run (or a retried reply) can never post a second copy of the message just posted."""
    first = _update(activity, ts=None, thread="🔄 Status is now running")
    [posted] = slack_standin.messages
    assert posted.method == "chat.postMessage" and not posted.thread_ts
    assert first == {"ok": True, "ts": posted.ts, "retryAfterS": None, "error": None, "threadPending": True}
    second = _update(activity, ts=posted.ts, thread="🔄 Status is now running")
    assert second == {"ok": True, "ts": posted.ts, "retryAfterS": None, "error": None}
    edit, reply = slack_standin.messages[1:]
    assert (edit.method, edit.ts) == ("chat.update", posted.ts)
    assert (reply.method, reply.thread_ts) == ("chat.postMessage", posted.ts)
