"""Builders for CPP operation JSON in the documented shape, for the rendering, logic and replay tests."""

from __future__ import annotations

from typing import Any

from partner_portal.models import Operation

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
