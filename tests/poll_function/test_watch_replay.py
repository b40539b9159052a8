"""`watch_operation` through the real SDK replay: histories in, actions out, across a whole watch.

Every turn is also replayed twice from the full history by the stepper, which fails on any difference: these tests
prove determinism as a side effect of every step.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cppcancel.contracts import STOP_WATCH_EVENT, Requester, WatchRequest
from cppcancel.schedule import ScheduleParams
from devhost.durable.replay import CALL_ACTIVITY_WITH_RETRY, CREATE_TIMER, OrchestratorFn
from poll_function.names import LOAD_WATCH_PARAMS, POLL_OPERATION, UPDATE_SLACK
from poll_function.watch_logic import MAX_CONSECUTIVE_ERRORS
from tests.conftest import BOB, CHANNEL
from tests.poll_function.conftest import MESSAGE_TS, watch_request
from tests.poll_function.operations import OPERATION_URL, cancel_operation
from tests.poll_function.stepper import Stepper, flat_actions, replay_raw

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PARAMS = ScheduleParams(initial_s=15, cap_s=300, timeout_s=86400, polls_per_generation=40)

NOT_STARTED = cancel_operation("notStarted")
STEP1 = cancel_operation("running", ("inProgress", 50))
STEP2 = cancel_operation("running", ("complete", 100), ("inProgress", 10))
DONE = cancel_operation("completed", ("complete", 100), ("complete", 100), ("complete", 100))


def ok(operation: dict[str, Any], retry_after: float | None = None) -> dict[str, Any]:
    return {"ok": True, "operation": operation, "retryAfterS": retry_after}


def err(code: str, transient: bool, retry_after: float | None = None, status: int | None = None) -> dict[str, Any]:
    error = {"code": code, "message": f"{code} happened (HTTP {status})", "statusCode": status, "transient": transient}
    return {"ok": False, "error": {**error, "retryAfterS": retry_after}}


SLACK_OK = {"ok": True, "ts": MESSAGE_TS}


def start(fn: OrchestratorFn, request: WatchRequest | None = None, params: ScheduleParams = PARAMS) -> Stepper:
    """A watcher that has loaded its parameters and is about to poll for the first time."""
    request = request or watch_request()
    stepper = Stepper(fn, "watch_operation", request.to_json(), T0, request.instance_id)
    stepper.complete(params.to_json(), LOAD_WATCH_PARAMS)
    return stepper


def slack_input(stepper: Stepper) -> dict[str, Any]:
    _, payload = stepper.activity(UPDATE_SLACK)
    assert isinstance(payload, dict)
    return payload


def every(age_s: float) -> float:
    """The default schedule's interval at a watch age, when no estimate or progress says more (15 s floor)."""
    return max(15.0, math.sqrt(15.0 * age_s))


def test_a_whole_operation_from_202_to_completed(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    _, poll_input = s.activity(POLL_OPERATION)
    assert poll_input == {"operationUrl": OPERATION_URL}

    s.complete(ok(NOT_STARTED))
    first = slack_input(s)
    assert (first["channel"], first["ts"], first["threadText"]) == (CHANNEL, MESSAGE_TS, None)  # silent baseline
    s.complete(SLACK_OK)
    assert s.timer() == 15  # starts at the floor
    s.fire()

    s.complete(ok(NOT_STARTED), POLL_OPERATION)
    assert s.timer() == 15  # nothing changed: Slack is not called; 15 s into the watch, sqrt(15 x 15)
    s.fire()

    s.complete(ok(STEP1), POLL_OPERATION)
    assert slack_input(s)["threadText"] == (
        "🔄 Status is now *running* (was notStarted) — step 1 of 3: Cancel requested."
    )
    s.complete(SLACK_OK)
    assert s.timer() == pytest.approx(every(30))  # the interval grows with the square root of the watch's age
    s.fire()

    s.complete(ok(STEP2), POLL_OPERATION)
    assert slack_input(s)["threadText"] is None  # a new step, same status: the message changes, no reply
    s.complete(SLACK_OK)
    age = (s.now - T0).total_seconds()
    assert s.timer() == pytest.approx(every(age))
    s.fire()

    s.complete(ok(STEP2), POLL_OPERATION)
    age = (s.now - T0).total_seconds()
    assert s.timer() == pytest.approx(every(age))  # step 2 at 10 % projects an end further away than the age
    s.fire()

    s.complete(ok(DONE), POLL_OPERATION)
    final = slack_input(s)
    assert final["threadText"] == "✅ The cancel operation completed after 1 min."
    assert "✅ contoso/contoso-vm-offer: cancel completed" in final["text"]
    assert not any(b["type"] == "actions" for b in final["blocks"])  # no Stop button any more
    s.complete(SLACK_OK)

    s.end()

    assert s.turn.done
    assert s.turn.output == {
        "phase": "completed",
        "watchInstanceId": watch_request().instance_id,
        "operationUrl": OPERATION_URL,
        "operationStatus": "completed",
        "polls": 6,
        "stoppedBy": None,
        "error": None,
        "slackError": None,
    }
    timers = [step for step in s.trace if step.startswith("timer")]
    assert s.trace == [
        "load_watch_params",
        "poll_operation",
        "update_slack",
        timers[0],
        "poll_operation",
        timers[1],
        "poll_operation",
        "update_slack",
        timers[2],
        "poll_operation",
        "update_slack",
        timers[3],
        "poll_operation",
        timers[4],
        "poll_operation",
        "update_slack",
        "record_watch_end",
    ]
    replies = [
        json.loads(call.input_json or "{}").get("threadText")
        for turn in s.turns
        for call in turn.activities
        if call.name == UPDATE_SLACK
    ]
    assert len([r for r in dict.fromkeys(replies) if r]) == 2  # one per status change: running, completed


def test_custom_status_mirrors_progress_for_http_status_queries(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP2), POLL_OPERATION)
    status = s.turn.custom_status
    assert status["phase"] == "watching" and status["operationStatus"] == "running"
    assert status["currentStep"] == "Stopping the publish" and status["polls"] == 1
    s.complete(SLACK_OK)
    s.fire()
    s.complete(ok(STEP2), POLL_OPERATION)
    assert s.turn.custom_status["polls"] == 2 and s.turn.custom_status["elapsedS"] == 15


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


def test_retry_after_on_a_successful_poll_is_honoured(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1, retry_after=120), POLL_OPERATION)
    s.complete(SLACK_OK)
    assert s.timer() == 120


def test_a_crashed_poll_activity_is_backed_off_like_a_transient_error(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.fail("worker died", POLL_OPERATION)
    assert s.timer() == 15  # no Slack call: nothing was read yet
    assert s.turn.custom_status["error"].startswith("reading the operation failed (1 in a row)")
    s.fire()
    s.complete(ok(STEP1), POLL_OPERATION)
    s.activity(UPDATE_SLACK)


def test_transient_errors_back_off_then_the_watch_gives_up_with_a_clear_message(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    delays = []
    for _ in range(MAX_CONSECUTIVE_ERRORS - 1):
        s.complete(err("server_error", True, status=503), POLL_OPERATION)
        delays.append(s.timer())
        s.fire()
    assert delays == [15, 30, 60, 120, 240, 300, 300, 300, 300]
    s.complete(err("server_error", True, retry_after=5, status=503), POLL_OPERATION)
    final = slack_input(s)
    assert "⚠️ contoso/contoso-vm-offer: lost track of the operation" in final["text"]
    assert "could not be read 10 times in a row" in final["threadText"]
    assert "server_error happened (HTTP 503)" in final["threadText"]
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.done and s.turn.output["phase"] == "lost"


def test_a_transient_error_honours_its_retry_after(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(err("throttled", True, retry_after=90, status=429), POLL_OPERATION)
    assert s.timer() == 90


def test_a_permanent_error_ends_the_watch_at_once_with_the_error(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    s.complete(err("not_found", False, status=404), POLL_OPERATION)
    final = slack_input(s)
    assert "the operation can no longer be read. not_found happened (HTTP 404)" in final["threadText"]
    blocks = json.dumps(final["blocks"])
    assert "Stopping the publish" not in blocks or "Cancel requested" in blocks  # last known steps still shown
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["phase"] == "lost" and "HTTP 404" in s.turn.output["error"]


def test_a_failed_operation_ends_with_the_api_error_text(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    failed = cancel_operation("failed", ("complete", 100), ("failed", 100), error="The offer is already live.")
    s.complete(ok(failed), POLL_OPERATION)
    final = slack_input(s)
    assert final["threadText"].endswith("The Partner Portal said: The offer is already live.")
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["phase"] == "failed"


def test_stop_event_cancels_the_timer_and_says_who_stopped(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    assert s.turn.waiting_for == [STOP_WATCH_EVENT]
    bob = Requester(display="bob", user_id=BOB)
    s.raise_event(STOP_WATCH_EVENT, bob.to_json(), after_s=4)
    timers = [a for a in flat_actions(s.turn) if a["actionType"] == CREATE_TIMER]
    assert timers[-1]["isCanceled"] is True  # the loser of the race is cancelled...
    assert s.pending_timers == []  # ...so the instance does not wait for it
    final = slack_input(s)
    assert "<@U0BOB> stopped watching after 4 s" in final["threadText"]
    assert "*not* undone" in final["threadText"]
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.done
    assert s.turn.output["phase"] == "stopped"
    assert s.turn.output["stoppedBy"] == bob.to_json()
    assert s.turn.custom_status["stoppedBy"] == "bob"


def test_a_stop_raised_while_a_poll_runs_is_not_lost(watch_fn: OrchestratorFn) -> None:
    """The SDK hands such an event to a stale wait task unless one task serves the generation (see the docs)."""
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    s.activity(POLL_OPERATION)
    s.raise_event(STOP_WATCH_EVENT, {"requester": {"display": "bob", "userId": BOB}})
    s.activity(POLL_OPERATION)  # still polling: the event waits for the race
    s.complete(ok(STEP1))
    final = slack_input(s)  # no 30 s wait: the stop wins at once
    assert "<@U0BOB> stopped watching" in final["threadText"]
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["phase"] == "stopped"


def test_the_watch_times_out_at_its_deadline(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, params=ScheduleParams(initial_s=15, cap_s=300, timeout_s=50, polls_per_generation=40))
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    assert s.timer() == 15
    s.fire()
    s.complete(ok(STEP1), POLL_OPERATION)
    assert s.timer() == 15
    s.fire()
    s.complete(ok(STEP1), POLL_OPERATION)
    assert s.timer() == 20  # not sqrt(15 x 30) = 21.2: the last wait ends at the deadline
    s.fire()
    final = slack_input(s)
    assert "Stopped watching after 50 s, the watch's time limit" in final["threadText"]
    assert "still *running*" in final["threadText"]
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["phase"] == "timed_out" and s.turn.output["polls"] == 3


def test_continue_as_new_carries_the_state_and_keeps_history_bounded(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, params=ScheduleParams(initial_s=15, cap_s=300, timeout_s=86400, polls_per_generation=2))
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    s.complete(ok(STEP1), POLL_OPERATION)
    s.fire()
    assert s.turn.continue_as_new and not s.turn.done
    carried = WatchRequest.from_json(json.loads(s.turn.new_input_json or "{}"))
    assert carried.operation_url == OPERATION_URL and carried.started_at == "2026-11-25T10:00:00Z"
    state = carried.state
    assert (state["polls"], state["generation"], state["unchanged"]) == (2, 1, 1)
    assert state["params"]["pollsPerGeneration"] == 2 and state["deadline"] == "2026-11-26T10:00:00Z"
    assert state["announcedStatus"] == "operation:running" and state["postedDigest"] == state["seenDigest"]
    assert state["lastOperation"]["status"] == "running"
    assert len(s.orch.history) == 0 and s.orch.generation == 1

    # The next generation polls at once (no parameters to load) and remembers what Slack already shows.
    s.turn = s._run()
    s.activity(POLL_OPERATION)
    s.complete(ok(STEP1))
    assert s.timer() == pytest.approx(every(30))  # the watch's age carried over: 30 s in
    s.fire()
    s.complete(ok(DONE), POLL_OPERATION)
    assert slack_input(s)["threadText"].startswith("✅ The cancel operation completed after 51 s")
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["polls"] == 4


def test_a_replay_after_a_restart_continues_identically(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    restarted = Stepper.restored(s)  # the host's stored state, reloaded
    for stepper in (s, restarted):
        stepper.complete(ok(STEP2), POLL_OPERATION)
        stepper.complete(SLACK_OK)
        stepper.fire()
        stepper.complete(ok(DONE), POLL_OPERATION)
        stepper.complete(SLACK_OK)
    assert restarted.trace == s.trace
    assert [t.raw for t in restarted.turns] == [t.raw for t in s.turns]
    assert replay_raw(watch_fn, restarted.orch) == replay_raw(watch_fn, s.orch)


def test_without_a_slack_target_only_the_custom_status_reports(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, watch_request(slack=False))
    s.complete(ok(STEP1), POLL_OPERATION)
    assert s.timer() == 15
    s.fire()
    s.complete(ok(DONE), POLL_OPERATION)
    s.end()
    assert s.turn.done and s.turn.custom_status["phase"] == "completed"
    assert UPDATE_SLACK not in s.trace


def test_a_watch_without_a_start_time_measures_from_its_first_turn(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, watch_request(started_at=""))
    s.complete(ok(STEP1), POLL_OPERATION, took_s=5)
    assert s.turn.custom_status["elapsedS"] == 5


def test_unreadable_settings_fall_back_to_the_default_schedule(watch_fn: OrchestratorFn) -> None:
    request = watch_request()
    s = Stepper(watch_fn, "watch_operation", request.to_json(), T0, request.instance_id)
    s.fail("SettingsError: POLL_MAX_INTERVAL_S must be a number", LOAD_WATCH_PARAMS)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    assert s.timer() == ScheduleParams().initial_s


@pytest.mark.parametrize(
    "event",
    [
        Requester(display="bob", user_id=BOB).to_json(),
        {"requester": {"display": "bob", "userId": BOB}},
        {"user": {"id": BOB, "name": "bob"}},
    ],
)
def test_the_stop_event_payload_shapes_a_handler_may_send(watch_fn: OrchestratorFn, event: Any) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.raise_event(STOP_WATCH_EVENT, event, after_s=1)
    assert "<@U0BOB> stopped watching" in slack_input(s)["threadText"]


def test_time_only_from_the_history(watch_fn: OrchestratorFn) -> None:
    """Timers are set from the history's clock (T0, a fixed date), never from the machine's."""
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    fire_at = [a for a in flat_actions(s.turn) if a["actionType"] == CREATE_TIMER][-1]["fireAt"]
    assert fire_at.startswith((T0 + timedelta(seconds=15)).strftime("%Y-%m-%dT%H:%M:%S"))
