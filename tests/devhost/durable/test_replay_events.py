"""The replay driver's event placement and failure handling, against the real SDK.

Results that arrive between turns must follow the next OrchestratorStarted (as in a DTFx history), or the SDK
counts them as replayed and `context.is_replaying` lies; an orchestrator that raises must end the turn as a failure
carrying the message (the SDK raises rather than returning an error state).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest

from devhost.durable.replay import EVENT_RAISED, EXECUTION_STARTED, ORCHESTRATOR_STARTED, Orchestration, OrchestratorFn

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
seen: list[tuple[str, bool]] = []


def _build() -> dict[str, OrchestratorFn]:
    app = df.DFApp()

    @app.orchestration_trigger(context_name="context")
    def two_steps(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
        first = yield context.call_activity("work", 1)
        seen.append(("first", context.is_replaying))
        second = yield context.call_activity("work", 2)
        seen.append(("second", context.is_replaying))
        return first + second

    @app.orchestration_trigger(context_name="context")
    def breaks(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
        context.set_custom_status("trying")
        yield context.call_activity("work", 1)
        raise ValueError("no good")

    @app.orchestration_trigger(context_name="context")
    def waits(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
        got = yield context.wait_for_external_event("go")
        return got

    @app.orchestration_trigger(context_name="context")
    def renews(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
        n = context.get_input()
        timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=60))
        work = context.call_activity("work", n)
        yield context.task_any([timer, work])
        context.continue_as_new(n + 1)
        return None

    @app.activity_trigger(input_name="n")
    def work(n: int) -> int:
        return n

    return {fn.get_function_name(): fn.get_user_function() for fn in app.get_functions()}


@pytest.fixture(scope="module")
def fns() -> dict[str, OrchestratorFn]:
    return _build()


def test_a_fresh_result_is_not_replaying_an_older_one_is(fns: dict[str, OrchestratorFn]) -> None:
    orch = Orchestration("i", "two_steps", None)
    orch.run(fns["two_steps"], T0)
    orch.complete_activity(0, "1", T0)
    seen.clear()
    orch.run(fns["two_steps"], T0 + timedelta(seconds=1))
    assert seen == [("first", False)]
    orch.complete_activity(1, "2", T0 + timedelta(seconds=1))
    seen.clear()
    turn = orch.run(fns["two_steps"], T0 + timedelta(seconds=2))
    assert seen == [("first", True), ("second", False)]
    assert turn.done and turn.output == 3


def test_new_events_follow_the_turns_orchestrator_started(fns: dict[str, OrchestratorFn]) -> None:
    orch = Orchestration("i", "two_steps", None)
    orch.run(fns["two_steps"], T0)
    orch.complete_activity(0, "1", T0)
    assert orch.has_work and orch.new_events[0]["TaskScheduledId"] == 0
    orch.run(fns["two_steps"], T0 + timedelta(seconds=1))
    started = max(i for i, e in enumerate(orch.history) if e["EventType"] == ORCHESTRATOR_STARTED)
    assert orch.history[started + 1]["EventType"] == 5  # TaskCompleted right after the turn's start
    assert all(e["IsPlayed"] for e in orch.history[:started])
    assert not orch.new_events and not orch.has_work


def test_an_event_before_the_first_turn_lands_after_execution_started(fns: dict[str, OrchestratorFn]) -> None:
    orch = Orchestration("i", "waits", None)
    orch.raise_event("go", json.dumps({"ok": True}), T0)
    assert orch.has_work
    turn = orch.run(fns["waits"], T0)
    assert [e["EventType"] for e in orch.history[:3]] == [ORCHESTRATOR_STARTED, EXECUTION_STARTED, EVENT_RAISED]
    assert turn.done and turn.output == {"ok": True}


def test_an_orchestrator_that_raises_fails_the_turn_with_its_message(fns: dict[str, OrchestratorFn]) -> None:
    orch = Orchestration("i", "breaks", None)
    orch.run(fns["breaks"], T0)
    orch.complete_activity(0, "1", T0)
    turn = orch.run(fns["breaks"], T0)
    assert (turn.done, turn.failed, turn.error) == (True, True, "no good")
    assert turn.custom_status == "trying"


def test_continue_as_new_abandons_the_old_generations_work(fns: dict[str, OrchestratorFn]) -> None:
    orch = Orchestration("i", "renews", "0")
    orch.run(fns["renews"], T0)
    assert len(orch.pending_activities) == 1 and len(orch.pending_timers) == 1
    orch.complete_activity(1, "0", T0)
    turn = orch.run(fns["renews"], T0)
    assert turn.continue_as_new and turn.new_input_json == "1"
    assert not orch.pending_timers and not orch.pending_activities  # the 60 s timer is not carried over
    assert orch.to_json()["pending_timers"] == []
