"""Histories recorded before a change replay after it: the same actions, output and custom status, turn by turn.

The fixtures (tests/fixtures/histories/) are real runs of the cancel and watch orchestrations on the dev host's
durable engine, recorded with the code named in each file (`recordedAt`), together with what that code answered to
every turn. An orchestration that was in flight during a deploy is replayed by the new code from exactly such a
history, so the new code must answer each of them exactly as the old code did - the same activity names and inputs,
timers, outputs and custom status - or the Durable extension would see a non-deterministic orchestration.

The one exception is a deliberate change of what a new action carries (not of which actions there are): the Slack
message an `update_slack` input holds. Each such change is listed in `WIRE_CHANGES` and applied to the recorded
answer before comparing, so the test stays exact about everything else and says what changed, and when. Replaying is
unaffected: the SDK matches scheduled activities by name and order, and an input already in the history is never sent
again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
    assert answer == _as_today(turn["answer"])


def test_every_listed_wire_change_occurs_in_a_recording() -> None:
    """A listed change that matches nothing would hide nothing and prove nothing: each must occur somewhere."""
    recorded = "".join(json.dumps(load_fixture(path)) for path in fixture_paths())
    for when, why, before, _after in WIRE_CHANGES:
        assert json.dumps(before)[1:-1] in recorded, (when, why)
