"""Histories recorded before a change replay after it: the same actions, output and custom status, turn by turn.

The fixtures (tests/fixtures/histories/) are real runs of the cancel and watch orchestrations on the dev host's
durable engine, recorded with the code named in each file (`recordedAt`), together with what that code answered to
every turn. An orchestration that was in flight during a deploy is replayed by the new code from exactly such a
history, so the new code must answer each of them exactly as the old code did - the same activity names and inputs,
timers, outputs and custom status - or the Durable extension would see a non-deterministic orchestration.

The exceptions are deliberate changes of what a new action carries (not of which actions there are):
- the Slack message an `update_slack` input holds. Each such change is listed in `WIRE_CHANGES` and applied to the
  recorded answer before comparing, so the test stays exact about everything else and says what changed, and when.
  Replaying is unaffected: the SDK matches scheduled activities by name and order, and an input already in the
  history is never sent again.
- when a timer fires, after a change of the watch schedule (`SCHEDULE_CHANGES`). Replaying is unaffected: the
  Python SDK skips TimerCreated events altogether (it completes a timer task from its TimerFired, by ID), and the
  Durable Task Framework behind the extension matches a TimerCreated event to the replayed CreateTimer action by its
  ID alone, never by `fireAt` (Azure/durabletask, src/DurableTask.Core/TaskOrchestrationContext.cs,
  `HandleTimerCreatedEvent`): a timer already created fires when it was recorded to fire, and only timers created
  after the deploy follow the new schedule. For a listed fixture the test compares every timer's place in the
  answer exactly, and checks that its `fireAt` lies after the turn's own clock, but not its value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cppcancel.times import parse_iso
from tests.fixtures.replaying import context_json, fixture_paths, load_fixture

#: (when, why, recorded text, text today) - applied in order to every string in a recorded answer.
WIRE_CHANGES: tuple[tuple[str, str, str, str], ...] = (
    (
        "2026-12-02",
        "Slack's confirmation dialog text is plain_text only (issue #15)",
        '"text": {"type": "mrkdwn", "text": "Only the updates here stop. The cancel itself is *not* undone: it carries '
        'on in the Partner Portal."}',
        '"text": {"type": "plain_text", "text": "Only the updates here stop. The cancel itself is not undone: it '
        'carries on in the Partner Portal."}',
    ),
)


#: (when, why, fixture) - fixtures whose timers follow a changed watch schedule: `fireAt` is not compared.
SCHEDULE_CHANGES: tuple[tuple[str, str, str], ...] = (
    (
        "2026-12-06",
        "the watch schedule reads every sqrt(floor x expected time to the next news) seconds (issue #27)",
        "watch_operation_completed.json",
    ),
)
CREATE_TIMER = 5  # the action type
TIMER_CREATED, ORCHESTRATOR_STARTED = 10, 12  # history event types
TIMER_CHANGED = "<fireAt: the schedule changed>"


def _fire_times(value: Any) -> list[str]:
    """Every CreateTimer action's fireAt in an answer, in order (timers sit inside WhenAny/WhenAll actions too)."""
    if isinstance(value, list):
        return [t for item in value for t in _fire_times(item)]
    if isinstance(value, dict):
        own = [value["fireAt"]] if value.get("actionType") == CREATE_TIMER else []
        return own + [t for item in value.values() for t in _fire_times(item)]
    return []


def _after(later: str, earlier: str) -> bool:
    a, b = parse_iso(later), parse_iso(earlier)
    return a is not None and b is not None and a > b


def _timers_blanked(value: Any) -> Any:
    if isinstance(value, list):
        return [_timers_blanked(item) for item in value]
    if isinstance(value, dict):
        blanked = {key: _timers_blanked(item) for key, item in value.items()}
        if value.get("actionType") == CREATE_TIMER:
            blanked["fireAt"] = TIMER_CHANGED
        return blanked
    return value


def _as_today(value: Any) -> Any:
    """A recorded answer with the listed wire changes applied."""
    if isinstance(value, str):
        for _when, _why, before, after in WIRE_CHANGES:
            value = value.replace(before, after)
        return value
    if isinstance(value, list):
        return [_as_today(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_today(item) for key, item in value.items()}
    return value


EXPECTED = {
    "cancel_orchestrator_202.json",  # Slack Confirm, CPP 202: report, pointer, watcher started
    "cancel_orchestrator_mid_flight.json",  # the same, cut after report_cancel's result: the rest is still to do
    "cancel_orchestrator_under_way.json",  # a cancel already under way: nothing sent, the live watcher joined
    "cancel_orchestrator_403.json",  # the CPP refuses: the error is reported, nothing is watched
    "watch_operation_completed.json",  # a watch over continue_as_new, to Completed
}


def _turns() -> list[Any]:
    cases = []
    for path in fixture_paths():
        data = load_fixture(path)
        for g, generation in enumerate(data["generations"]):
            for t, turn in enumerate(generation["turns"]):
                cases.append(pytest.param(path, g, t, id=f"{path.stem}-g{g}-t{t}-{turn['events']}events"))
    return cases


def test_the_recorded_scenarios_are_all_there() -> None:
    assert {p.name for p in fixture_paths()} == EXPECTED


@pytest.mark.parametrize(("path", "g", "t"), _turns())
def test_a_recorded_turn_replays_to_the_recorded_answer(
    app_functions: dict[str, Any], path: Path, g: int, t: int
) -> None:
    data = load_fixture(path)
    generation = data["generations"][g]
    turn = generation["turns"][t]
    orchestrator = app_functions[data["orchestrator"]].get_user_function()
    answer = json.loads(orchestrator(context_json(data["instanceId"], generation, turn["events"])))
    recorded = _as_today(turn["answer"])
    if path.name in {name for _when, _why, name in SCHEDULE_CHANGES}:
        given = generation["history"][: turn["events"]]
        clock = max(str(e["Timestamp"]) for e in given if e["EventType"] == ORCHESTRATOR_STARTED)
        created = sum(e["EventType"] == TIMER_CREATED for e in given)
        new_timers = [_after(fire_at, clock) for fire_at in _fire_times(answer)[created:]]
        assert all(new_timers), "a timer created in this turn fires after the turn's clock"
        answer, recorded = _timers_blanked(answer), _timers_blanked(recorded)
    assert answer == recorded


def test_every_listed_schedule_change_names_a_recording_with_timers() -> None:
    for when, why, name in SCHEDULE_CHANGES:
        path = next((p for p in fixture_paths() if p.name == name), None)
        assert path is not None, (when, why)
        assert any(_fire_times(turn["answer"]) for g in load_fixture(path)["generations"] for turn in g["turns"])


def test_every_listed_wire_change_occurs_in_a_recording() -> None:
    """A listed change that matches nothing would hide nothing and prove nothing: each must occur somewhere."""
    recorded = "".join(json.dumps(load_fixture(path)) for path in fixture_paths())
    for when, why, before, _after in WIRE_CHANGES:
        assert json.dumps(before)[1:-1] in recorded, (when, why)
