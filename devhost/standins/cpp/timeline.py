"""Steps that advance with time, evaluated lazily: the state at `now` is a pure function of the start time.

Nothing runs in the background. An operation is a start time plus a list of step specs; asking for it at time `t`
works out which steps are complete, which one is in progress and how far, and whether the whole thing completed,
failed or was stopped (cancelled). With a manual clock this makes every answer reproducible, and "advance 10 s" is
just a different `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Phase = Literal["running", "completed", "failed", "canceled"]


def iso(ts: float) -> str:
    """The timestamp format of the CPP docs' examples (microseconds, Z)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class StepSpec:
    """One step. `units` is its duration in step units (EmulatorServer.step_seconds); None: once reached, it holds
    in `hold_status` forever (a publish waiting for the publisher's sign-off, a cancel that never ends)."""

    id: str
    name: str
    description: str
    estimated_time_frame: str | None
    units: float | None = 1.0
    hold_status: str = "waitingForPublisherReview"
    hold_message: str | None = None
    hold_level: str = "information"


@dataclass(frozen=True)
class Evaluation:
    steps: list[dict[str, Any]]
    phase: Phase
    finished_at: float | None
    last_change: float


@dataclass(frozen=True)
class Timeline:
    """When an operation started and how it unfolds; `fail_at` makes that step fail when it would have finished."""

    specs: tuple[StepSpec, ...]
    start: float
    unit_s: float
    fail_at: int | None = None
    fail_message: str = "The step failed."

    def natural_end(self) -> float | None:
        """When it completes or fails if left alone; None when some step holds forever."""
        cursor = self.start
        for index, spec in enumerate(self.specs):
            if spec.units is None:
                return None
            cursor += spec.units * self.unit_s
            if index == self.fail_at:
                return cursor
        return cursor

    def evaluate(self, now: float, stop_at: float | None = None) -> Evaluation:
        """The steps at `now`; if `stop_at` <= now the operation was cancelled at `stop_at` (if still running)."""
        t = now if stop_at is None else min(now, stop_at)
        steps: list[dict[str, Any]] = []
        phase: Phase = "running"
        finished_at: float | None = None
        last_change = self.start
        cursor = self.start
        blocked = False
        for index, spec in enumerate(self.specs):
            if blocked or t < cursor:
                steps.append(_step(spec, "notStarted", 0, []))
                blocked = True
                continue
            last_change = max(last_change, cursor)
            if spec.units is None:
                message = [_message(spec.hold_message, spec.hold_level, cursor)] if spec.hold_message else []
                steps.append(_step(spec, spec.hold_status, 0, message))
                blocked = True
                continue
            end = cursor + spec.units * self.unit_s
            if t < end:
                progress = min(99, int(100 * (t - cursor) / (end - cursor))) if end > cursor else 99
                steps.append(_step(spec, "inProgress", progress, [_message("In progress.", "information", cursor)]))
                blocked = True
            elif index == self.fail_at:
                steps.append(_step(spec, "failed", 100, [_message(self.fail_message, "error", end)]))
                phase, finished_at, last_change, blocked = "failed", end, end, True
            else:
                steps.append(_step(spec, "complete", 100, [_message("Step completed.", "information", end)]))
                last_change = end
            cursor = end
        if phase == "running" and not blocked:
            phase, finished_at = "completed", cursor
        if phase == "running" and stop_at is not None and now >= stop_at:
            phase, finished_at, last_change = "canceled", stop_at, stop_at
            for step in steps:
                if step["status"] not in ("complete", "notStarted"):
                    step["status"] = "canceled"
                    step["messages"].append(_message("Cancelled by the publisher.", "warning", stop_at))
        return Evaluation(steps, phase, finished_at, last_change)


def _message(html: str, level: str, ts: float) -> dict[str, Any]:
    return {"messageHtml": html, "level": level, "timestamp": iso(ts)}


def _step(spec: StepSpec, status: str, progress: int, messages: list[dict[str, Any]]) -> dict[str, Any]:
    step: dict[str, Any] = {
        "id": spec.id,
        "stepName": spec.name,
        "description": spec.description,
        "status": status,
        "messages": messages,
        "progressPercentage": progress,
    }
    if spec.estimated_time_frame is not None:  # the docs say it may be missing; the emulator omits it then
        step["estimatedTimeFrame"] = spec.estimated_time_frame
    return step
