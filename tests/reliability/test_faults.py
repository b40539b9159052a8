"""The Partner Portal and Slack misbehave under the real flow: the right retry, a clear message, nothing done twice.

Driven through the webhook (its HTTP answer is what a pipeline reads) with a Slack channel named, so the channel
message a person reads is checked too. The CPP client's own retry policy is tested request by request in
tests/backends/cpp/test_client_transport.py and the watcher's decisions through the SDK replay in
tests/poll_function/test_watch_*.py; here the pieces run together on real sockets.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.standins.cpp import Fault
from devhost.standins.slack import SlackFault, describe
from tests.reliability.conftest import Rig, assert_taken_but_not_followed, mentions

UNKNOWN_OUTCOME = "The outcome is unknown: the cancel may or may not have been taken. Check `/cpp ops` before trying"


def channel_text(rig: Rig) -> str:
    return "\n".join(describe(m) for m in rig.channel_messages())


def assert_followed_to_the_end(rig: Rig, answer: Any, phase: str = "completed") -> dict[str, Any]:
    """The cancel was accepted, one watcher followed it to `phase`, and the final reply arrived once."""
    assert answer.status == 202, answer.body
    watch_id = answer.json()["instanceId"]
    output = rig.output(watch_id, timeout=30)
    assert output["phase"] == phase, output
    rig.wait_for_channel(lambda ms: any(m.thread_ts for m in ms))
    [reply] = rig.thread_replies()
    [announcement] = rig.announcements()
    assert reply.thread_ts == announcement.ts
    assert rig.cancel_posts() == 1 and len(rig.watchers()) == 1
    return output


# -- the cancel POST: never retried once it may have been sent ---------------------------------------------------------

POST_FAULTS = [
    pytest.param(
        Fault(method="POST", path="/cancel", status=429, retry_after="7"),
        503,
        "cpp_throttled",
        "The Partner Portal is busy: try again in 7 s.",
        id="429-retry-after",
    ),
    pytest.param(
        Fault(method="POST", path="/cancel", status=503, times=3), 502, "cpp_server_error", UNKNOWN_OUTCOME, id="5xx"
    ),
    pytest.param(
        Fault(method="POST", path="/cancel", latency_s=1.5), 504, "cpp_timeout", UNKNOWN_OUTCOME, id="read-timeout"
    ),
    pytest.param(
        Fault(method="POST", path="/cancel", reset=True),
        502,
        "cpp_connection_error",
        UNKNOWN_OUTCOME,
        id="connection-reset",
    ),
]


@pytest.mark.parametrize(("fault", "status", "code", "advice"), POST_FAULTS)
def test_a_failed_cancel_post_is_sent_once_and_says_what_to_do(
    rig: Rig, fault: Fault, status: int, code: str, advice: str
) -> None:
    rig.emulator.add_fault(fault)
    answer = rig.webhook(rig.webhook_body())
    assert answer.status == status, answer.body
    assert answer.json()["error"]["code"] == code
    if fault.retry_after:
        assert answer.headers["retry-after"] == fault.retry_after
    rig.wait_for_channel(lambda ms: bool(ms))
    [report] = rig.announcements()
    assert (report.text or "").startswith("❌ Cancel of contoso/contoso-vm-offer failed"), describe(report)
    assert f"*What to do:* {advice}" in describe(report), describe(report)
    assert rig.cancel_posts() == 1, "a cancel POST is never sent twice"
    assert rig.watchers() == []


def test_a_202_without_an_operation_location_is_accepted_not_failed(rig: Rig) -> None:
    """Regression: reported as "❌ failed" (and 502 to the webhook), which invites a second cancel of one taken."""
    rig.emulator.add_fault(Fault(method="POST", path="/cancel", status=202))
    report = assert_taken_but_not_followed(rig, "cpp_invalid_response", "gave no operation to follow")
    assert "do not send it again" in describe(report)
    assert rig.cancel_posts() == 1 and rig.watchers() == []


def test_malformed_json_in_the_cancel_answer_changes_nothing(rig: Rig) -> None:
    """The 202's status line and Operation-Location say it all; its body is never parsed."""
    rig.emulator.add_fault(Fault(method="POST", path="/cancel", malformed_json=True))
    assert_followed_to_the_end(rig, rig.webhook(rig.webhook_body()))


# -- the watch: reads are retried, on durable timers, until the operation ends -----------------------------------------

READ_FAULTS = [
    pytest.param(Fault(method="GET", path="/operations/", status=429, retry_after="1", times=2), id="429-retry-after"),
    pytest.param(Fault(method="GET", path="/operations/", status=503, times=4), id="5xx-burst"),
    pytest.param(Fault(method="GET", path="/operations/", latency_s=1.3, times=2), id="read-timeouts"),
    pytest.param(Fault(method="GET", path="/operations/", reset=True, times=3), id="connection-resets"),
    pytest.param(Fault(method="GET", path="/operations/", malformed_json=True, times=2), id="malformed-json"),
]


@pytest.mark.parametrize("fault", READ_FAULTS)
def test_the_watch_rides_out_failing_operation_reads(rig: Rig, fault: Fault) -> None:
    """Regression (malformed-json): one unreadable body ended the watch at once ("lost track of the operation").

    The idle offer has no publish in flight, so every operation read is the watcher's own.
    """
    rig.emulator.add_fault(fault)
    output = assert_followed_to_the_end(rig, rig.webhook(rig.webhook_body("contoso-idle-offer")))
    reads = sum(1 for r in rig.emulator.requests if r.method == "GET" and "/operations/" in r.path)
    assert reads > (fault.times or 0), "the faulty reads happened and were followed by good ones"
    assert output["polls"] >= 2
    assert mentions(rig.last_edit(), "cancel completed")


def test_an_operation_that_never_ends_is_watched_until_the_time_limit(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCH_TIMEOUT_S", "1.5")
    reset_settings_cache()
    try:
        rig.emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
        output = assert_followed_to_the_end(rig, rig.webhook(rig.webhook_body()), phase="timed_out")
    finally:
        monkeypatch.undo()
        reset_settings_cache()
    assert output["polls"] >= 2
    assert mentions(rig.last_edit(), "no longer watched (time limit)")
    [reply] = rig.thread_replies()
    assert "/cpp ops" in (reply.text or ""), reply.text


# -- Slack: rate limits waited out, transient failures retried, nothing posted twice ----------------------------------


def test_slack_rate_limits_on_the_progress_message_are_waited_out(rig: Rig) -> None:
    # One 429 is waited out by slack_sdk inside the activity, the next one on a durable timer (Retry-After).
    rig.standin.add_fault(SlackFault(method="chat.update", times=2, status=429, retry_after_s=1))
    assert_followed_to_the_end(rig, rig.webhook(rig.webhook_body()))
    assert mentions(rig.last_edit(), "cancel completed")
    refused = [n for n, _ in rig.standin.calls if n == "chat.update"]
    assert len(refused) >= 3, "the rate-limited calls were made, and then the edits went through"


def test_a_slack_5xx_on_the_final_reply_is_retried_without_a_second_reply(rig: Rig) -> None:
    answer = rig.webhook(rig.webhook_body())
    rig.wait_for_channel(lambda ms: bool(ms))  # the announcement is out: the next chat.postMessage is the final reply
    rig.standin.add_fault(SlackFault(method="chat.postMessage", status=503, error="service_unavailable"))
    assert_followed_to_the_end(rig, answer)
    replies = [p for n, p in rig.standin.calls if n == "chat.postMessage" and p.get("thread_ts")]
    assert len(replies) == 2, "the refused reply was sent again, once"


def test_a_rate_limited_channel_report_is_posted_once(rig: Rig) -> None:
    rig.standin.add_fault(SlackFault(method="chat.postMessage", times=2, status=429, retry_after_s=1))
    assert_followed_to_the_end(rig, rig.webhook(rig.webhook_body()))
    assert len(rig.announcements()) == 1


def test_the_webhook_status_url_tells_the_story_without_slack(rig: Rig) -> None:
    """With Slack refusing for good (bot removed from the channel), the watch still ends and says so over HTTP."""
    rig.standin.add_fault(SlackFault(method="chat.update", times=100, status=200, error="channel_not_found"))
    answer = rig.webhook(rig.webhook_body())
    output = rig.output(answer.json()["instanceId"], timeout=30)
    assert (output["phase"], output["slackError"]) == ("completed", "channel_not_found")
    status = json.loads(rig.finished(answer.json()["instanceId"]).custom_status_json or "{}")
    assert status["phase"] == "completed" and status["progress"] == 100
    assert rig.cancel_posts() == 1
