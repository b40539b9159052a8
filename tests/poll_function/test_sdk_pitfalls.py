"""Why the watcher keeps one stop-event task per generation: azure-functions-durable 1.x loses events otherwise.

The natural loop - a fresh `wait_for_external_event` raced against each timer - leaves every earlier wait task
registered in the SDK. An event that arrives while the orchestrator is not racing (an activity runs) completes one
of those stale tasks, whose race is long over, and the current wait never sees it. This test pins that SDK
behaviour, so that an SDK upgrade that fixes it (or changes it) is noticed.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest

from devhost.durable.replay import OrchestratorFn
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _build() -> dict[str, OrchestratorFn]:
    app = df.DFApp()

    @app.orchestration_trigger(context_name="context")
    def fresh_wait_per_turn(context: Any) -> Generator[Any, Any, Any]:
        turns = 0
        while True:
            yield context.call_activity("work", turns)
            timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=10))
            stop = context.wait_for_external_event("stop")
            if (yield context.task_any([timer, stop])) is stop:
                timer.cancel()
                return "stopped"
            turns += 1

    @app.orchestration_trigger(context_name="context")
    def one_wait_per_generation(context: Any) -> Generator[Any, Any, Any]:
        stop = context.wait_for_external_event("stop")
        turns = 0
        while True:
            yield context.call_activity("work", turns)
            timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=10))
            if (yield context.task_any([timer, stop])) is stop:
                timer.cancel()
                return "stopped"
            turns += 1

    @app.activity_trigger(input_name="n")
    def work(n: int) -> int:
        return n

    return {fn.get_function_name(): fn.get_user_function() for fn in app.get_functions()}


@pytest.fixture(scope="module")
def orchestrators() -> dict[str, OrchestratorFn]:
    return _build()


def _stop_during_the_second_activity(fn: OrchestratorFn, name: str) -> Stepper:
    s = Stepper(fn, name, None, T0)
    s.complete(json.dumps(0), "work")
    s.fire()
    s.raise_event("stop", {"by": "U0BOB"})  # while the second activity runs
    s.complete(json.dumps(1), "work")
    return s


def test_a_fresh_wait_per_turn_loses_a_stop_raised_during_an_activity(orchestrators: dict[str, OrchestratorFn]) -> None:
    s = _stop_during_the_second_activity(orchestrators["fresh_wait_per_turn"], "fresh_wait_per_turn")
    assert not s.turn.done and s.timer() == 10  # still waiting: the stop went to a stale task


def test_one_wait_per_generation_sees_it(orchestrators: dict[str, OrchestratorFn]) -> None:
    s = _stop_during_the_second_activity(orchestrators["one_wait_per_generation"], "one_wait_per_generation")
    assert s.turn.done and s.turn.output == "stopped"
