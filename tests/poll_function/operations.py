"""Builders for CPP operation JSON in the documented shape, and watch views, for the rendering, logic and replay
tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from backends.http.operation import Operation
from cppcancel.contracts import Requester
from cppcancel.targets import PublishTarget
from poll_function.watch_view import WatchView

OPERATION_ID = "56615b67-2185-49fe-80d2-c4ddf77bb2e8"
OPERATION_URL = f"https://cloudpartner.azure.com/api/publishers/contoso/offers/vm-offer/operations/{OPERATION_ID}"

# (id, name, estimatedTimeFrame) of a three-step cancel, like the emulator's.
CANCEL_STEPS = (
    ("cancelrequested", "Cancel requested", "< 15 min"),
    ("stoppublish", "Stopping the publish", "< 1 hour"),
    ("restore", "Restoring the previous version", "< 1 day"),
)


def step(
    step_id: str,
    name: str,
    status: str,
    progress: int = 0,
    frame: str | None = "< 15 min",
    message: str | None = None,
    level: str = "information",
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": step_id,
        "stepName": name,
        "description": f"{name}.",
        "status": status,
        "progressPercentage": progress,
        "messages": [{"messageHtml": message, "level": level, "timestamp": "2026-11-25T10:00:00Z"}] if message else [],
    }
    if frame is not None:
        data["estimatedTimeFrame"] = frame
    return data


def cancel_operation(status: str, *states: tuple[str, int], error: str | None = None) -> dict[str, Any]:
    """The three-step cancel with each step's (status, progress); missing steps are notStarted."""
    steps = []
    for index, (step_id, name, frame) in enumerate(CANCEL_STEPS):
        state, progress = states[index] if index < len(states) else ("notStarted", 0)
        steps.append(step(step_id, name, state, progress, frame))
    data: dict[str, Any] = {
        "id": OPERATION_ID,
        "submissionType": "Cancel",
        "status": status,
        "steps": steps,
        "messages": [],
        "cancellationRequestState": "cannotCancel",
    }
    if error is not None:
        data["error"] = {"code": "CancelFailed", "message": error}
    return data


def operation(data: dict[str, Any]) -> Operation:
    return Operation.from_json(data)


T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ALICE = Requester(display="alice", user_id="U0ALICE", team_id="T0LOCAL")
BOB = Requester(display="bob", user_id="U0BOB")
RUNNING = operation(cancel_operation("running", ("complete", 100), ("inProgress", 40)))


def view(**changes: Any) -> WatchView:
    """A watch of a running cancel, 3 min 5 s in, with `changes`."""
    base = WatchView(
        target=PublishTarget("contoso", "vm-offer"),
        requester=ALICE,
        watch_instance_id="watch-abc",
        phase="watching",
        started_at=T0,
        now=T0 + timedelta(minutes=3, seconds=5),
        operation=RUNNING,
        polls=4,
    )
    return replace(base, **changes)
