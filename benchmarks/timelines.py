"""Synthetic CPP operation timelines: what a GET of the operation answers at each moment of a cancel.

Used by the polling-efficiency figure (which polls them with the real schedule and with fixed intervals) and by the
history-size figure (which answers the real orchestrator's poll activity from one of them). They are defined here,
in seconds after the cancel was accepted, rather than taken from the emulator, because the figures need long,
varied operations (30 s to 12 h; estimates that hold, that are overrun, that are far too pessimistic, and missing;
with and without Retry-After) played on a simulated clock - the emulator's fixed cast runs on wall time.

Each timeline is a list of changes; a change is the operation JSON (the documented shape, as `Operation.from_json`
reads it) that the API answers from that moment on, plus the Retry-After it sends with it. Every change differs
from the one before in something the watcher shows (status, a step's status or progress), so every change is news
a person waiting in Slack would want.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

ChangeKind = Literal["status", "progress"]

OPERATION_ID = "7c0ffee0-0000-4000-8000-00000000b0b0"
OPERATION_URL = (
    f"https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/{OPERATION_ID}"
)
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StepPlan:
    """One step of an operation: how long it really takes, what the API estimates, and mid-step progress reports.

    `progress_at`: fractions of the step's duration at which the API reports progress (e.g. 0.5 -> 50 %).
    `retry_after_s`: the Retry-After the API sends with the operation while this step runs (None: none).
    """

    step_id: str
    name: str
    estimate: str | None
    duration_s: float
    progress_at: tuple[float, ...] = ()
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Change:
    """From `at_s` on, a GET answers `operation` (with `retry_after_s`). `kind` says what changed: `status` (the
    operation's or a step's status: a step started or ended, the operation finished) or `progress` (only a step's
    progressPercentage moved)."""

    at_s: float
    operation: Mapping[str, Any]
    retry_after_s: float | None = None
    kind: ChangeKind = "status"


@dataclass(frozen=True)
class OperationTimeline:
    """A named operation: its changes in time order, the first at 0 s (what the watcher's first poll sees)."""

    name: str
    note: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def duration_s(self) -> float:
        return self.changes[-1].at_s

    def at(self, t_s: float) -> tuple[int, Change]:
        """The change in effect at `t_s` (and its index): what a GET sent then would answer."""
        index = 0
        for i, change in enumerate(self.changes):
            if change.at_s <= t_s:
                index = i
            else:
                break
        return index, self.changes[index]

    def change_times(self, kind: ChangeKind | None = None) -> list[float]:
        """When news happened (of `kind`, or any), excluding the first state: the watch starts on it."""
        return [c.at_s for c in self.changes[1:] if kind is None or c.kind == kind]

    def shifted(self, delta_s: float) -> OperationTimeline:
        """The same operation with every change after the first `delta_s` later (a different phase against a
        poller that starts at 0: fixed-interval polling must not profit from changes that fall on its grid)."""
        moved = [replace(c, at_s=c.at_s + delta_s) for c in self.changes[1:]]
        return replace(self, changes=(self.changes[0], *moved))


def _iso(t_s: float) -> str:
    return (T0 + timedelta(seconds=t_s)).isoformat().replace("+00:00", "Z")


def _step_json(plan: StepPlan, status: str, progress: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": plan.step_id,
        "stepName": plan.name,
        "description": f"{plan.name}.",
        "status": status,
        "progressPercentage": progress,
        "messages": [],
    }
    if plan.estimate is not None:
        data["estimatedTimeFrame"] = plan.estimate
    return data


def _operation_json(status: str, steps: list[dict[str, Any]], at_s: float, error: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": OPERATION_ID,
        "submissionType": "Cancel",
        "status": status,
        "createdDateTime": _iso(0),
        "lastActionDateTime": _iso(at_s),
        "cancellationRequestState": "cannotCancel",
        "steps": steps,
        "messages": [],
    }
    if error is not None:
        data["error"] = {"code": "CancelFailed", "message": error}
    return data


def build(
    name: str,
    note: str,
    plans: Sequence[StepPlan],
    *,
    queued_s: float = 0.0,
    fail_last: bool = False,
) -> OperationTimeline:
    """The changes of an operation that waits `queued_s` in `notStarted`, then runs `plans` in order."""
    changes: list[Change] = []

    def snapshot(at_s: float, status: str, current: int, current_status: str, progress: int, kind: ChangeKind) -> None:
        steps = []
        for index, plan in enumerate(plans):
            if index < current:
                steps.append(_step_json(plan, "complete", 100))
            elif index == current:
                steps.append(_step_json(plan, current_status, progress))
            else:
                steps.append(_step_json(plan, "notStarted", 0))
        error = "The previous version could not be restored." if status == "failed" else None
        retry = plans[current].retry_after_s if 0 <= current < len(plans) and status == "running" else None
        changes.append(Change(at_s, _operation_json(status, steps, at_s, error), retry, kind))

    cursor = 0.0
    if queued_s > 0:
        snapshot(0.0, "notStarted", -1, "notStarted", 0, "status")
        cursor = queued_s
    for index, plan in enumerate(plans):
        snapshot(cursor, "running", index, "inProgress", 0, "status")
        for fraction in plan.progress_at:
            at_s = cursor + fraction * plan.duration_s
            snapshot(at_s, "running", index, "inProgress", round(fraction * 100), "progress")
        cursor += plan.duration_s
    last = len(plans) - 1
    if fail_last:
        snapshot(cursor, "failed", last, "failed", 40, "status")
    else:
        snapshot(cursor, "completed", len(plans), "complete", 100, "status")
    return OperationTimeline(name, note, tuple(changes))


MIN = 60.0
HOUR = 3600.0


def default_timelines() -> list[OperationTimeline]:
    """The set the polling figure runs: 30 s to 12 h, estimates right, overrun, pessimistic and missing."""
    return [*_up_to_an_hour(), *_hours_long()]


def _up_to_an_hour() -> list[OperationTimeline]:
    """The short ones first: `--quick` runs only the first three."""
    return [
        build(
            "30 s",
            "quick cancel, 2 steps (< 15 min each)",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 10),
                StepPlan("stoppublish", "Stopping the publish", "< 15 min", 20),
            ],
        ),
        build(
            "5 min",
            "queued 20 s, 3 steps, progress report mid-step",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 1 * MIN),
                StepPlan("stoppublish", "Stopping the publish", "< 1 hour", 140, (0.5,)),
                StepPlan("restore", "Restoring the previous version", "< 1 hour", 80),
            ],
            queued_s=20,
        ),
        build(
            "1 h",
            "3 steps, estimates hold, progress every quarter",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 6 * MIN),
                StepPlan("stoppublish", "Stopping the publish", "< 1 hour", 38 * MIN, (0.25, 0.5, 0.75)),
                StepPlan("restore", "Restoring the previous version", "< 1 hour", 16 * MIN),
            ],
        ),
        build(
            "1 h + Retry-After",
            "as 1 h, the API sends Retry-After: 120 throughout",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 6 * MIN, retry_after_s=120),
                StepPlan(
                    "stoppublish", "Stopping the publish", "< 1 hour", 38 * MIN, (0.25, 0.5, 0.75), retry_after_s=120
                ),
                StepPlan("restore", "Restoring the previous version", "< 1 hour", 16 * MIN, retry_after_s=120),
            ],
        ),
    ]


def _hours_long() -> list[OperationTimeline]:
    """6 h and 12 h: a step of hours with progress reports, estimates that are off or missing, a late failure."""
    return [
        build(
            "6 h",
            "4 steps; a < 1 day step of 4.5 h; last step has no estimate",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 12 * MIN),
                StepPlan("stoppublish", "Stopping the publish", "< 1 hour", 48 * MIN),
                StepPlan("restore", "Restoring the previous version", "< 1 day", 4.5 * HOUR, (0.25, 0.5, 0.75)),
                StepPlan("notify", "Notifying subscribers", None, 30 * MIN),
            ],
        ),
        build(
            "12 h, estimates off",
            "first step overruns < 15 min (40 min); ~2-5 days step ends after 10 h",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 40 * MIN),
                StepPlan("stoppublish", "Stopping the publish", "< 1 hour", 50 * MIN),
                StepPlan("restore", "Restoring the previous version", "~2-5 days", 10 * HOUR, (0.5,)),
                StepPlan("republish", "Republishing dependent offers", "< 1 hour", 30 * MIN),
            ],
        ),
        build(
            "12 h + Retry-After",
            "< 1 day step of 10.5 h with Retry-After: 300; fails at the end",
            [
                StepPlan("cancelrequested", "Cancel requested", "< 15 min", 10 * MIN),
                StepPlan("stoppublish", "Stopping the publish", "< 1 hour", 50 * MIN),
                StepPlan(
                    "restore",
                    "Restoring the previous version",
                    "< 1 day",
                    10.5 * HOUR,
                    (0.2, 0.4, 0.6, 0.8),
                    retry_after_s=300,
                ),
                StepPlan("finalize", "Finalizing", "< 1 hour", 30 * MIN),
            ],
            fail_last=True,
        ),
    ]


def twelve_hour_timeline() -> OperationTimeline:
    """The 12 h watch the history-size figure follows (the one without Retry-After: it polls the most)."""
    return next(t for t in default_timelines() if t.name == "12 h, estimates off")
