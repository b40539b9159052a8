"""Step a registered orchestrator through the real SDK replay, one completion at a time, checking determinism.

A thin layer over `devhost.durable.replay.Orchestration`: the test plays the Durable extension (completes the one
pending activity, fires the one pending timer, raises an event) and the stepper records the sequence for exact
assertions. After every turn it replays the whole history twice more and asserts that the SDK answers with the very same
actions JSON: any non-determinism in the orchestrator (clock, random, I/O, environment) fails the test at once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from devhost.durable.replay import ActivityCall, Orchestration, OrchestratorFn, TimerCall, Turn


def flat_actions(turn: Turn) -> list[dict[str, Any]]:
    """The turn's actions in order, compound ones (WhenAny/WhenAll) replaced by their children."""

    def walk(items: list[Any]) -> list[dict[str, Any]]:
        flat: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, list):
                flat.extend(walk(item))
            elif item.get("compoundActions") is not None:
                flat.extend(walk(item["compoundActions"]))
            else:
                flat.append(item)
        return flat

    return walk(turn.raw.get("actions") or [])


def replay_raw(fn: OrchestratorFn, orchestration: Orchestration) -> str:
    """The SDK's answer to the history as it stands (what a host would get after a restart)."""
    context = {
        "history": orchestration.history,
        "input": orchestration.input_json,
        "instanceId": orchestration.instance_id,
        "isReplaying": True,
        "parentInstanceId": None,
        "upperSchemaVersion": 2,
    }
    return fn(json.dumps(context))


class Stepper:
    def __init__(
        self, fn: OrchestratorFn, name: str, input_json: Any, now: datetime, instance_id: str = "instance"
    ) -> None:
        self.fn = fn
        self.now = now
        self.orch = Orchestration(instance_id, name, json.dumps(input_json))
        self.trace: list[str] = []
        self.turns: list[Turn] = []
        self.turn = self._run()

    @classmethod
    def restored(cls, other: Stepper) -> Stepper:
        """A stepper over a copy of `other`'s stored state, as a host restarted from its store would have."""
        copy = cls.__new__(cls)
        copy.fn, copy.now = other.fn, other.now
        copy.orch = Orchestration.from_json(json.loads(json.dumps(other.orch.to_json())))
        copy.trace, copy.turns, copy.turn = list(other.trace), list(other.turns), other.turn
        return copy

    def _run(self) -> Turn:
        turn = self.orch.run(self.fn, self.now)
        if not turn.continue_as_new:
            first, second = replay_raw(self.fn, self.orch), replay_raw(self.fn, self.orch)
            assert first == second, "two replays of the same history answered differently"
            assert json.loads(first) == turn.raw, "a replay answered differently from the live turn"
        self.turns.append(turn)
        self.turn = turn
        return turn

    # -- what the orchestrator asked for ---------------------------------------------------------------------------

    def activity(self, name: str | None = None) -> tuple[ActivityCall, Any]:
        """The one pending activity (and its decoded input); with `name`, assert which one it is."""
        assert not self.turn.done, f"the orchestration ended: {self.turn.output}"
        assert len(self.turn.activities) == 1, f"expected one activity, got {self.turn.activities}"
        [call] = self.turn.activities
        if name is not None:
            assert call.name == name, f"expected {name}, the orchestrator asked for {call.name}"
        return call, json.loads(call.input_json) if call.input_json else None

    def timer(self) -> float:
        """Seconds from now until the one pending timer fires."""
        assert not self.turn.activities, f"expected only a timer, activities pending: {self.turn.activities}"
        assert len(self.turn.timers) == 1, f"expected one timer, got {self.turn.timers}"
        return (self.turn.timers[0].fire_at - self.now).total_seconds()

    @property
    def pending_timers(self) -> list[TimerCall]:
        return list(self.orch.pending_timers.values())

    # -- playing the extension -------------------------------------------------------------------------------------

    def complete(self, result: Any, name: str | None = None, *, took_s: float = 0.0) -> Turn:
        call, _ = self.activity(name)
        self.now += timedelta(seconds=took_s)
        self.orch.complete_activity(call.task_id, json.dumps(result), self.now)
        self.trace.append(call.name)
        return self._run()

    def fail(self, reason: str = "boom", name: str | None = None) -> Turn:
        call, _ = self.activity(name)
        self.orch.fail_activity(call.task_id, reason, "Traceback: ...", self.now)
        self.trace.append(f"{call.name}!")
        return self._run()

    def fire(self) -> Turn:
        delay = self.timer()
        timer = self.turn.timers[0]
        self.now = timer.fire_at
        self.orch.fire_timer(timer.task_id, self.now)
        self.trace.append(f"timer {delay:g}s")
        return self._run()

    def end(self) -> dict[str, Any]:
        """Complete the watcher's last activity, its end-of-watch audit record; return the ending it recorded."""
        _, payload = self.activity("record_watch_end")
        self.complete(True, "record_watch_end")
        assert self.turn.done, "the watcher went on after recording its end"
        assert payload["ending"] == self.turn.output, "the audit record and the output disagree"
        ending: dict[str, Any] = payload["ending"]
        return ending

    def raise_event(self, name: str, data: Any, *, after_s: float = 0.0) -> Turn:
        self.now += timedelta(seconds=after_s)
        self.orch.raise_event(name, json.dumps(data), self.now)
        self.trace.append(f"event {name}")
        return self._run()
