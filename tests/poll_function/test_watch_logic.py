"""The watcher's pure decisions and the activity payloads, without the SDK."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cppcancel.contracts import Requester
from cppcancel.schedule import ScheduleParams
from poll_function.payloads import PollResult, SlackResult, SlackUpdate, load
from poll_function.watch_logic import after_poll, after_slack, stopper, view_for
from poll_function.watch_slack import plan_slack
from poll_function.watch_state import WatchState
from tests.poll_function.conftest import watch_request
from tests.poll_function.operations import cancel_operation, operation

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STATE = WatchState(params=ScheduleParams(), deadline="2026-11-26T10:00:00Z")
STEP1 = operation(cancel_operation("running", ("inProgress", 10)))


def test_a_running_step_is_timed_from_when_it_was_first_seen() -> None:
    request = watch_request()
    first = after_poll(request, STATE, PollResult(True, STEP1), T0, T0)
    assert (first.state.step_key, first.state.step_since) == ("cancelrequested", "2026-11-25T10:00:00Z")
    later = T0 + timedelta(minutes=14)
    again = after_poll(request, first.state, PollResult(True, STEP1), T0, later)
    assert again.state.step_since == "2026-11-25T10:00:00Z"
    assert again.delay_s == 30  # "< 15 min", 14 minutes in: a minute left, sqrt(15 s x 60 s) (the age says 112 s)
    assert again.state.unchanged == 1


def test_a_new_step_restarts_its_clock() -> None:
    request = watch_request()
    first = after_poll(request, STATE, PollResult(True, STEP1), T0, T0)
    step2 = operation(cancel_operation("running", ("complete", 100), ("inProgress", 0)))
    later = T0 + timedelta(minutes=5)
    second = after_poll(request, first.state, PollResult(True, step2), T0, later)
    assert second.state.step_key == "stoppublish" and second.state.step_since == "2026-11-25T10:05:00Z"


def test_nothing_is_sent_to_slack_before_anything_was_read() -> None:
    request = watch_request()
    decision = after_poll(request, STATE, PollResult(False, error={"transient": True, "message": "503"}), T0, T0)
    assert not decision.view.is_final and plan_slack(request, decision.state, decision.view) is None


def test_slack_plans_baseline_then_replies_on_change_then_nothing_when_unchanged() -> None:
    request = watch_request()
    view = view_for(request, STATE, T0, T0, "watching", operation=STEP1)
    plan = plan_slack(request, STATE, view)
    assert plan is not None and plan.update.thread_text is None and plan.status_key == "operation:running"
    posted = after_slack(STATE, plan, SlackResult(True, "1.2"))
    assert plan_slack(request, posted, view) is None
    assert posted.message_ts == "1.2" and posted.announced_raw == "running"
    done = operation(cancel_operation("completed", ("complete", 100), ("complete", 100), ("complete", 100)))
    final = plan_slack(request, posted, view_for(request, posted, T0, T0, "completed", operation=done))
    assert final is not None and final.update.thread_text is not None and final.update.ts == "1.2"


def test_a_permanent_slack_refusal_switches_slack_off() -> None:
    request = watch_request()
    view = view_for(request, STATE, T0, T0, "watching", operation=STEP1)
    plan = plan_slack(request, STATE, view)
    assert plan is not None
    refused = after_slack(STATE, plan, SlackResult(False, error="account_inactive"))
    assert refused.slack_error == "account_inactive" and plan_slack(request, refused, view) is None


@pytest.mark.parametrize(
    ("event", "mention"),
    [
        ({"userId": "U0BOB", "display": "bob"}, "<@U0BOB>"),
        ({"requester": {"userId": "U0BOB", "display": "bob"}}, "<@U0BOB>"),
        ({"by": {"caller": "release-pipeline", "display": "release-pipeline"}}, "release-pipeline"),
        ({"user": {"id": "U0BOB", "name": "bob"}}, "<@U0BOB>"),
        ('{"userId": "U0BOB", "display": "bob"}', "<@U0BOB>"),
        ("bob from the release team", "bob from the release team"),
        (None, "someone"),
        (42, "someone"),
    ],
)
def test_who_stopped_the_watch_is_read_tolerantly(event: Any, mention: str) -> None:
    assert stopper(event).mention == mention


def test_state_round_trips_through_json() -> None:
    every_field_set: dict[str, Any] = {
        "polls": 7, "generation": 2, "seen_digest": "a", "posted_digest": "b", "announced_status": "operation:running",
        "step_key": "s", "step_since": "2026-11-25T10:00:00Z", "message_ts": "1.2", "last_operation": STEP1.to_json(),
    }  # fmt: skip
    state = replace(STATE, **every_field_set)
    assert WatchState.from_json(state.to_json()) == state
    assert WatchState.from_json(None) == WatchState()
    assert WatchState.from_json({"polls": "x", "params": 3}) == WatchState()


def test_payloads_parse_tolerantly() -> None:
    assert load('{"a": 1}') == {"a": 1} and load({"a": 1}) == {"a": 1}
    with pytest.raises(ValueError, match="JSON object"):
        load("[1]")
    assert PollResult.from_json(None).ok is False
    assert PollResult.from_json({"ok": True, "operation": []}).error.code == "invalid_response"
    failed = PollResult.from_json({"ok": False, "error": {"transient": True, "retryAfterS": 3}})
    assert failed.transient and failed.retry_after_s == 3
    assert PollResult.from_json(PollResult(True, STEP1, 5.0).to_json()) == PollResult(True, STEP1, 5.0)
    assert SlackResult.from_json("nope") == SlackResult(False, error="invalid_result")
    assert SlackResult(False, retry_after_s=2).rate_limited
    update = SlackUpdate("C1", None, "t", [], "reply")
    assert SlackUpdate.from_json(update.to_json()) == update
    assert Requester.from_json({}).display == "someone"
