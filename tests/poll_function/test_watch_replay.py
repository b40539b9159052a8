"""`watch_operation` through the real SDK replay: histories in, actions out, across a whole watch - its course,
its schedule, its deadline, continue_as_new and restarts.

Every turn is also replayed twice from the full history by the stepper, which fails on any difference: these tests
prove determinism as a side effect of every step. The Slack side, failed reads and stops have files of their own
(test_watch_slack_turns.py, test_watch_failures.py, test_watch_stop.py); the turns' script is watch_script.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from cppcancel.contracts import WatchRequest
from cppcancel.schedule import ScheduleParams
from devhost.durable.replay import CREATE_TIMER, OrchestratorFn
from poll_function.names import LOAD_WATCH_PARAMS, POLL_OPERATION, UPDATE_SLACK
from tests.conftest import CHANNEL
from tests.poll_function.conftest import MESSAGE_TS, watch_request
from tests.poll_function.operations import OPERATION_URL
from tests.poll_function.stepper import Stepper, flat_actions, replay_raw
from tests.poll_function.watch_script import (
    DONE,
    NOT_STARTED,
    SLACK_OK,
    STEP1,
    STEP2,
    T0,
    every,
    ok,
    slack_input,
    start,
)


def assert_one_reply_per_status_change(s: Stepper) -> None:
    """The whole watch's calls, in order: a Slack update only when something changed, one thread reply per status."""
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
    assert_one_reply_per_status_change(s)


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


def test_retry_after_on_a_successful_poll_is_honoured(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1, retry_after=120), POLL_OPERATION)
    s.complete(SLACK_OK)
    assert s.timer() == 120


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


def test_time_only_from_the_history(watch_fn: OrchestratorFn) -> None:
    """Timers are set from the history's clock (T0, a fixed date), never from the machine's."""
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    fire_at = [a for a in flat_actions(s.turn) if a["actionType"] == CREATE_TIMER][-1]["fireAt"]
    assert fire_at.startswith((T0 + timedelta(seconds=15)).strftime("%Y-%m-%dT%H:%M:%S"))
