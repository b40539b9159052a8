"""The replay driver against the real azure-functions-durable SDK: what it schedules is what the SDK asked for."""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest

from devhost.durable.replay import Orchestration, OrchestratorFn

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _build_app() -> dict[str, OrchestratorFn]:
    app = df.DFApp()

    @app.orchestration_trigger(context_name="context")
    def probe(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
        generation = context.get_input() or 0
        try:
            value = yield context.call_activity_with_retry("work", df.RetryOptions(1000, 2), generation)
        except Exception:
            value = "gave up"
        context.set_custom_status({"value": value, "generation": generation})
        timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=5))
        stop = context.wait_for_external_event("stop")
        winner = yield context.task_any([timer, stop])
        if winner == stop:
            timer.cancel()
            return {"stopped_by": stop.result, "value": value}
        if generation == 0:
            context.continue_as_new(generation + 1)
            return None
        return {"value": value}

    @app.activity_trigger(input_name="n")
    def work(n: int) -> int:
        return n

    return {fn.get_function_name(): fn.get_user_function() for fn in app.get_functions()}


@pytest.fixture(scope="module")
def probe() -> OrchestratorFn:
    return _build_app()["probe"]


def test_first_turn_schedules_the_activity_with_its_retry_options(probe: OrchestratorFn) -> None:
    turn = Orchestration("i", "probe", "0").run(probe, T0)
    assert not turn.done
    [call] = turn.activities
    assert (call.task_id, call.name, call.input_json, call.max_attempts) == (0, "work", "0", 2)


def test_retry_timer_then_second_attempt_then_success(probe: OrchestratorFn) -> None:
    orch = Orchestration("i", "probe", "0")
    orch.run(probe, T0)
    orch.fail_activity(0, "boom", "details", T0)
    turn = orch.run(probe, T0)
    [timer] = turn.timers
    assert timer.fire_at == T0 + timedelta(seconds=1) and not turn.activities
    orch.fire_timer(timer.task_id, T0 + timedelta(seconds=1))
    turn = orch.run(probe, T0 + timedelta(seconds=1))
    [again] = turn.activities
    assert (again.task_id, again.attempt) == (2, 2)
    orch.complete_activity(again.task_id, json.dumps(41), T0 + timedelta(seconds=1))
    turn = orch.run(probe, T0 + timedelta(seconds=1))
    assert turn.custom_status == {"value": 41, "generation": 0}
    assert turn.waiting_for == ["stop"] and len(turn.timers) == 1


def test_exhausted_retries_surface_as_an_exception_in_the_orchestrator(probe: OrchestratorFn) -> None:
    orch = Orchestration("i", "probe", "0")
    orch.run(probe, T0)
    for _ in range(2):
        orch.fail_activity(next(iter(orch.pending_activities)), "boom", "d", T0)
        turn = orch.run(probe, T0)
        orch.fire_timer(turn.timers[0].task_id, T0)
        turn = orch.run(probe, T0)
    assert turn.custom_status == {"value": "gave up", "generation": 0}


def _to_the_race(probe: OrchestratorFn) -> Orchestration:
    orch = Orchestration("i", "probe", "0")
    orch.run(probe, T0)
    orch.complete_activity(0, "7", T0)
    orch.run(probe, T0)
    return orch


def test_stop_event_wins_and_the_losing_timer_is_cancelled(probe: OrchestratorFn) -> None:
    orch = _to_the_race(probe)
    orch.raise_event("stop", json.dumps("U0ALICE"), T0 + timedelta(seconds=1))
    turn = orch.run(probe, T0 + timedelta(seconds=1))
    assert turn.done and turn.output == {"stopped_by": "U0ALICE", "value": 7}
    assert not orch.pending_timers


def test_continue_as_new_starts_a_fresh_generation(probe: OrchestratorFn) -> None:
    orch = _to_the_race(probe)
    [timer] = orch.pending_timers.values()
    orch.fire_timer(timer.task_id, timer.fire_at)
    turn = orch.run(probe, timer.fire_at)
    assert turn.continue_as_new and turn.new_input_json == "1" and not turn.done
    assert orch.history == [] and orch.generation == 1
    turn = orch.run(probe, timer.fire_at)
    assert [a.input_json for a in turn.activities] == ["1"]
    assert len(orch.history) == 4  # started, execution started, scheduled, completed-turn marker


def test_persisted_state_replays_to_the_same_actions(probe: OrchestratorFn) -> None:
    orch = _to_the_race(probe)
    saved = json.loads(json.dumps(orch.to_json()))
    restored = Orchestration.from_json(saved)
    assert restored.to_json() == orch.to_json()
    first = orch.run(probe, T0 + timedelta(seconds=2)).raw
    second = restored.run(probe, T0 + timedelta(seconds=2)).raw
    assert first == second
