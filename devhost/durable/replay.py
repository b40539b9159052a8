"""Drive a registered Python orchestrator the way the Durable extension does for out-of-process languages.

The extension never runs an orchestrator "live": every turn it sends the whole history as JSON, the SDK replays the
generator against it, and answers with the actions it wants (cumulative, in order). This module keeps one
instance's history, works out which of the returned actions are new, gives them the sequence numbers the SDK
assigns (activities and timers share one counter; retry timers and re-scheduled attempts of
`call_activity_with_retry` take the next numbers, exactly as DTFx's retry interceptor does), and appends the
completion events the caller reports. Those arrive between turns and are buffered (`new_events`) until the next
turn, where they follow its OrchestratorStarted as in a DTFx history: the SDK treats everything before the last
OrchestratorStarted as replay, so appending them earlier would make `context.is_replaying` true for fresh results.
It does no I/O and has no clock: tests step it by hand, and the dev host's engine steps it from a worker pool and a
timer queue. Both therefore exercise the real SDK replay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# azure.durable_functions.models.history.HistoryEventType
EXECUTION_STARTED = 0
TASK_SCHEDULED = 4
TASK_COMPLETED = 5
TASK_FAILED = 6
TIMER_CREATED = 10
TIMER_FIRED = 11
ORCHESTRATOR_STARTED = 12
ORCHESTRATOR_COMPLETED = 13
EVENT_RAISED = 15

# azure.durable_functions.models.actions.ActionType
CALL_ACTIVITY = 0
CALL_ACTIVITY_WITH_RETRY = 1
CONTINUE_AS_NEW = 4
CREATE_TIMER = 5
WAIT_FOR_EXTERNAL_EVENT = 6
WHEN_ANY = 11
WHEN_ALL = 12

OrchestratorFn = Callable[[str], str]


def iso(moment: datetime) -> str:
    """The timestamp format the extension writes into history."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class UnsupportedAction(RuntimeError):
    """The orchestrator asked for something this driver does not implement (sub-orchestrations, entities, HTTP)."""


@dataclass
class ActivityCall:
    """An activity the caller must run and then report with `complete_activity` / `fail_activity`."""

    task_id: int
    name: str
    input_json: str | None
    attempt: int = 1
    max_attempts: int = 1
    first_retry_ms: int = 0
    backoff: float = 1.0
    max_retry_ms: int | None = None

    def retry_delay(self) -> timedelta:
        delay_ms = self.first_retry_ms * (self.backoff ** (self.attempt - 1))
        if self.max_retry_ms is not None:
            delay_ms = min(delay_ms, self.max_retry_ms)
        return timedelta(milliseconds=delay_ms)


@dataclass
class TimerCall:
    task_id: int
    fire_at: datetime
    retry_of: ActivityCall | None = None


@dataclass
class Turn:
    """What one orchestrator turn asked for."""

    done: bool
    output: Any = None
    failed: bool = False
    error: str | None = None
    custom_status: Any = None
    activities: list[ActivityCall] = field(default_factory=list)
    timers: list[TimerCall] = field(default_factory=list)
    waiting_for: list[str] = field(default_factory=list)
    continue_as_new: bool = False
    new_input_json: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _flatten(actions: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for item in actions:
        if isinstance(item, list):
            flat.extend(_flatten(item))
        elif isinstance(item, dict):
            if item.get("actionType") in (WHEN_ANY, WHEN_ALL):
                flat.extend(_flatten(item.get("compoundActions") or []))
            else:
                flat.append(item)
    return flat


OUT_OF_PROC_MARKER = "\n\n$OutOfProcData$:"
_SCHEDULABLE = (CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY, CREATE_TIMER)
_SUPPORTED = (*_SCHEDULABLE, WAIT_FOR_EXTERNAL_EVENT, CONTINUE_AS_NEW)


def _refuse_unsupported(flat: list[dict[str, Any]]) -> None:
    """Raise UnsupportedAction if the turn asked for anything but activities, timers, events and continue_as_new."""
    unsupported = [a for a in flat if a.get("actionType") not in _SUPPORTED]
    if unsupported:
        raise UnsupportedAction(f"unsupported actions: {unsupported}")


def _call(fn: OrchestratorFn, context_json: str) -> dict[str, Any]:
    """Call the orchestrator; an exception in user code comes back as the SDK's out-of-proc error, not a result.

    The SDK raises `Exception("<message>\\n\\n$OutOfProcData$:<state json>")` rather than returning a state with
    `error` set; the extension parses that text. Do the same, so a failing orchestrator ends as Failed with its
    message and any custom status it set, instead of escaping as a host error.
    """
    try:
        result = fn(context_json)
    except Exception as exc:
        message, marker, state = str(exc).partition(OUT_OF_PROC_MARKER)
        if not marker:
            raise
        try:
            raw = json.loads(state)
        except ValueError:
            raw = {}
        raw = raw if isinstance(raw, dict) else {}
        raw["error"] = message or raw.get("error") or type(exc).__name__
        return raw
    loaded = json.loads(result)
    if not isinstance(loaded, dict):
        raise TypeError(f"orchestrator returned {type(loaded).__name__}, not an orchestrator state object")
    return loaded


def _event(event_type: int, moment: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    return {
        "EventType": event_type,
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": iso(moment),
        **fields,
    }


@dataclass
class Orchestration:
    """One orchestration instance's history and bookkeeping; serialisable with `to_json` / `from_json`."""

    instance_id: str
    name: str
    input_json: str | None
    history: list[dict[str, Any]] = field(default_factory=list)
    action_ids: list[int] = field(default_factory=list)
    next_task_id: int = 0
    pending_activities: dict[int, ActivityCall] = field(default_factory=dict)
    pending_timers: dict[int, TimerCall] = field(default_factory=dict)
    generation: int = 0
    new_events: list[dict[str, Any]] = field(default_factory=list)

    def _start_generation(self, now: datetime) -> None:
        self.history = [
            _event(ORCHESTRATOR_STARTED, now),
            _event(EXECUTION_STARTED, now, Name=self.name, Input=self.input_json, Version=""),
        ]
        self._reset_tasks()

    def _reset_tasks(self) -> None:
        """Forget the generation's task numbering and outstanding work (a new generation starts from zero)."""
        self.action_ids = []
        self.next_task_id = 0
        self.pending_activities = {}
        self.pending_timers = {}

    @property
    def has_work(self) -> bool:
        """True when a turn is due: a generation not started yet, or events that arrived since the last turn."""
        return not self.history or bool(self.new_events)

    def run(self, fn: OrchestratorFn, now: datetime) -> Turn:
        """Call the orchestrator with the history so far; record what is new; return what to do next."""
        raw = _call(fn, self._begin_turn(now))
        turn = Turn(done=bool(raw.get("isDone")), raw=raw, custom_status=raw.get("customStatus"))
        if raw.get("error"):
            turn.done, turn.failed, turn.error = True, True, str(raw["error"])
            return turn
        flat = _flatten(raw.get("actions") or [])
        for action in flat:
            if action.get("actionType") == CONTINUE_AS_NEW:
                turn.continue_as_new = True
                turn.new_input_json = action.get("input")
        _refuse_unsupported(flat)
        self._record_actions(flat, now)
        turn.waiting_for = [
            str(a.get("externalEventName")) for a in flat if a.get("actionType") == WAIT_FOR_EXTERNAL_EVENT
        ]
        self.history.append(_event(ORCHESTRATOR_COMPLETED, now))
        if turn.continue_as_new:
            # Work still outstanding in the old generation is abandoned, as in DTFx: its results are not awaited.
            self.input_json = turn.new_input_json
            self.generation += 1
            self.history = []
            self._reset_tasks()
            turn.done = False
            return turn
        if raw.get("isDone"):
            turn.output = raw.get("output")
            self.pending_activities.clear()
            self.pending_timers.clear()
            return turn
        turn.activities = list(self.pending_activities.values())
        turn.timers = list(self.pending_timers.values())
        return turn

    def _begin_turn(self, now: datetime) -> str:
        """Open a turn in the history (the buffered events follow its OrchestratorStarted) and return the context
        JSON the SDK replays."""
        if not self.history:
            self._start_generation(now)
        else:
            for event in self.history:
                event["IsPlayed"] = True
            self.history.append(_event(ORCHESTRATOR_STARTED, now))
        self.history.extend(self.new_events)
        self.new_events = []
        context = {
            "history": self.history,
            "input": self.input_json,
            "instanceId": self.instance_id,
            "isReplaying": False,
            "parentInstanceId": None,
            "upperSchemaVersion": 2,
        }
        return json.dumps(context)

    def _record_actions(self, flat: list[dict[str, Any]], now: datetime) -> None:
        """Schedule the actions this turn added to the cumulative list, and drop the timers it cancelled."""
        schedulable = [a for a in flat if a.get("actionType") in _SCHEDULABLE]
        for action in schedulable[len(self.action_ids) :]:
            self.action_ids.append(self._schedule(action, now))
        # A timer the orchestrator cancelled (the loser of a task_any race) must not fire later.
        for action, task_id in zip(schedulable, self.action_ids, strict=True):
            if action.get("actionType") == CREATE_TIMER and action.get("isCanceled"):
                self.pending_timers.pop(task_id, None)

    def _take_id(self) -> int:
        task_id = self.next_task_id
        self.next_task_id += 1
        return task_id

    def _schedule(self, action: dict[str, Any], now: datetime) -> int:
        task_id = self._take_id()
        kind = action.get("actionType")
        if kind == CREATE_TIMER:
            fire_at = parse_iso(str(action["fireAt"]))
            self.history.append(_event(TIMER_CREATED, now, task_id, FireAt=iso(fire_at)))
            if not action.get("isCanceled"):
                self.pending_timers[task_id] = TimerCall(task_id, fire_at)
            return task_id
        name = str(action["functionName"])
        call = ActivityCall(task_id=task_id, name=name, input_json=action.get("input"))
        if kind == CALL_ACTIVITY_WITH_RETRY:
            options = action.get("retryOptions") or {}
            call.max_attempts = int(options.get("maxNumberOfAttempts", 1))
            call.first_retry_ms = int(options.get("firstRetryIntervalInMilliseconds", 0))
            call.backoff = float(options.get("backoffCoefficient", 1.0) or 1.0)
            max_ms = options.get("maxRetryIntervalInMilliseconds")
            call.max_retry_ms = int(max_ms) if max_ms else None
        self.history.append(_event(TASK_SCHEDULED, now, task_id, Name=name))
        self.pending_activities[task_id] = call
        return task_id

    def complete_activity(self, task_id: int, result_json: str | None, now: datetime) -> None:
        self.pending_activities.pop(task_id)
        self.new_events.append(_event(TASK_COMPLETED, now, TaskScheduledId=task_id, Result=result_json))

    def fail_activity(self, task_id: int, reason: str, details: str, now: datetime) -> None:
        """Record a failure; a retried activity gets its back-off timer (and, after it, its next attempt)."""
        call = self.pending_activities.pop(task_id)
        self.new_events.append(_event(TASK_FAILED, now, TaskScheduledId=task_id, Reason=reason, Details=details))
        if call.max_attempts > 1:
            # The SDK waits for one timer after every failed attempt, the last one included.
            timer_id = self._take_id()
            fire_at = now + call.retry_delay()
            self.new_events.append(_event(TIMER_CREATED, now, timer_id, FireAt=iso(fire_at)))
            self.pending_timers[timer_id] = TimerCall(timer_id, fire_at, retry_of=call)

    def fire_timer(self, task_id: int, now: datetime) -> None:
        timer = self.pending_timers.pop(task_id)
        self.new_events.append(_event(TIMER_FIRED, now, TimerId=task_id, FireAt=iso(timer.fire_at)))
        call = timer.retry_of
        if call is not None and call.attempt < call.max_attempts:
            retry_id = self._take_id()
            again = ActivityCall(
                task_id=retry_id,
                name=call.name,
                input_json=call.input_json,
                attempt=call.attempt + 1,
                max_attempts=call.max_attempts,
                first_retry_ms=call.first_retry_ms,
                backoff=call.backoff,
                max_retry_ms=call.max_retry_ms,
            )
            self.new_events.append(_event(TASK_SCHEDULED, now, retry_id, Name=call.name))
            self.pending_activities[retry_id] = again

    def raise_event(self, name: str, input_json: str | None, now: datetime) -> None:
        self.new_events.append(_event(EVENT_RAISED, now, Name=name, Input=input_json))

    def to_json(self) -> dict[str, Any]:
        def activity(call: ActivityCall) -> dict[str, Any]:
            return dict(call.__dict__)

        return {
            "instance_id": self.instance_id,
            "name": self.name,
            "input_json": self.input_json,
            "history": self.history,
            "action_ids": self.action_ids,
            "next_task_id": self.next_task_id,
            "generation": self.generation,
            "new_events": self.new_events,
            "pending_activities": [activity(c) for c in self.pending_activities.values()],
            "pending_timers": [
                {
                    "task_id": t.task_id,
                    "fire_at": iso(t.fire_at),
                    "retry_of": activity(t.retry_of) if t.retry_of else None,
                }
                for t in self.pending_timers.values()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Orchestration:
        orchestration = cls(
            instance_id=data["instance_id"],
            name=data["name"],
            input_json=data["input_json"],
            history=list(data["history"]),
            action_ids=[int(i) for i in data["action_ids"]],
            next_task_id=int(data["next_task_id"]),
            generation=int(data.get("generation", 0)),
            new_events=list(data.get("new_events") or []),
        )
        for item in data["pending_activities"]:
            call = ActivityCall(**item)
            orchestration.pending_activities[call.task_id] = call
        for item in data["pending_timers"]:
            retry = ActivityCall(**item["retry_of"]) if item.get("retry_of") else None
            timer = TimerCall(int(item["task_id"]), parse_iso(item["fire_at"]), retry)
            orchestration.pending_timers[timer.task_id] = timer
        return orchestration
