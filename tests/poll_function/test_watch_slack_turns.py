"""`watch_operation` through the real SDK replay: how the watcher calls Slack - retries, rate limits, a message
posted anew, a refusal for good, and no Slack at all."""

from __future__ import annotations

from devhost.durable.replay import CALL_ACTIVITY_WITH_RETRY, OrchestratorFn
from poll_function.names import POLL_OPERATION, UPDATE_SLACK
from tests.poll_function.conftest import MESSAGE_TS, watch_request
from tests.poll_function.stepper import flat_actions
from tests.poll_function.watch_script import (
    DONE,
    SLACK_OK,
    STEP1,
    ok,
    slack_input,
    start,
)


def test_the_update_slack_activity_is_retried_with_retry_options(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    call, _ = s.activity(UPDATE_SLACK)
    assert call.max_attempts == 3 and call.first_retry_ms == 2000
    [action] = [a for a in flat_actions(s.turn) if a.get("functionName") == UPDATE_SLACK]
    assert action["actionType"] == CALL_ACTIVITY_WITH_RETRY
    s.fail("Slack internal_error")
    assert s.timer() == 2
    s.fire()
    again, _ = s.activity(UPDATE_SLACK)
    assert again.attempt == 2
    s.complete(SLACK_OK)
    assert s.timer() == 13  # the poll cadence counts from the poll: Slack trouble does not slow it down


def test_slack_exhausted_retries_are_tried_again_at_the_next_poll(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    for _ in range(3):
        s.fail("Slack internal_error")
        s.fire()
    assert s.timer() == 9  # gave up on this update (after 3 x 2 s), the watch goes on
    s.fire()
    s.complete(ok(STEP1), POLL_OPERATION)
    s.activity(UPDATE_SLACK)  # same news, never delivered: tried again


def test_slack_rate_limit_is_waited_out_on_a_durable_timer(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete({"ok": False, "retryAfterS": 7, "error": "ratelimited"}, UPDATE_SLACK)
    assert s.timer() == 7
    s.fire()
    s.complete(SLACK_OK, UPDATE_SLACK)
    assert s.timer() == 8  # 15 s after the poll
    assert s.trace[-3:] == ["update_slack", "timer 7s", "update_slack"]


def test_a_newly_posted_message_gets_its_thread_reply_in_a_call_of_its_own(watch_fn: OrchestratorFn) -> None:
    """update_slack posts at most once per run: when it had to post a new main message it leaves the reply
    pending, and the watcher asks again - with the new ts in the history, so no re-run can post the message twice."""
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK, UPDATE_SLACK)  # the silent baseline
    s.fire()
    s.complete(ok(DONE), POLL_OPERATION)
    final = slack_input(s)
    assert final["ts"] == MESSAGE_TS and final["threadText"].startswith("✅")
    s.complete({"ok": True, "ts": "1800.9", "threadPending": True}, UPDATE_SLACK)  # that message was gone
    again = slack_input(s)
    assert again == {**final, "ts": "1800.9"}  # the same update, now of the new message, with its reply
    s.complete({"ok": True, "ts": "1800.9"}, UPDATE_SLACK)
    s.end()
    assert s.trace.count(UPDATE_SLACK) == 3


def test_a_permanent_slack_refusal_switches_slack_off_but_not_the_watch(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete({"ok": False, "error": "channel_not_found"}, UPDATE_SLACK)
    s.fire()
    s.complete(ok(DONE), POLL_OPERATION)
    s.end()
    assert s.turn.done and s.turn.output["phase"] == "completed"
    assert s.turn.output["slackError"] == "channel_not_found"
    assert s.turn.custom_status["phase"] == "completed"


def test_without_a_slack_target_only_the_custom_status_reports(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, watch_request(slack=False))
    s.complete(ok(STEP1), POLL_OPERATION)
    assert s.timer() == 15
    s.fire()
    s.complete(ok(DONE), POLL_OPERATION)
    s.end()
    assert s.turn.done and s.turn.custom_status["phase"] == "completed"
    assert UPDATE_SLACK not in s.trace
