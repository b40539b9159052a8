"""`watch_operation` through the real SDK replay: "Stop watching" - the timer it cancels, a stop raised while a poll
runs, and the payload shapes a handler may send."""

from __future__ import annotations

from typing import Any

import pytest

from cppcancel.contracts import STOP_WATCH_EVENT, Requester
from devhost.durable.replay import CREATE_TIMER, OrchestratorFn
from poll_function.names import POLL_OPERATION
from tests.conftest import BOB
from tests.poll_function.stepper import flat_actions
from tests.poll_function.watch_script import (
    SLACK_OK,
    STEP1,
    ok,
    slack_input,
    start,
)


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
