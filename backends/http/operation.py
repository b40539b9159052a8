"""The neutral `Operation` (with its `Step`s and `Message`s) the watcher reads, whichever API it follows.

A backend's `follow` hands the watcher what it read as an `Operation`: the Cloud Partner Portal's operations are one
(their JSON is this type's wire shape), and a configure job of the Product Ingestion API is turned into one
(`backends.ingestion.models.ConfigureStatus.as_operation`). So the watcher, its one message updated in place and the
webhook's status answers follow every API alike. Operations cross activity boundaries as JSON and live in durable
histories, so the shape is the CPP's as it always was: `to_json()` round-trips through `from_json()`.

Parsed once and tolerantly: the CPP documentation contradicts itself (a single operation comes back as a one-element
array in the docs and as an object from the service; statuses are spelled `complete`, `completed`, `Completed`,
`canceled`, `cancelled`...). The parsers accept every documented form, keep the raw status next to the normalised
one, keep unknown fields in `extra`, and never raise on a value they do not know: a person watching a publish must
see what the API said, not a stack trace. `CancelResult` is what a cancel POST answered, whichever API took it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from cppcancel.jsonread import first_text, first_whole, items


class OperationStatus(StrEnum):
    NOT_STARTED = "notStarted"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELED = "canceled"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in (OperationStatus.COMPLETED, OperationStatus.CANCELED, OperationStatus.FAILED)


class StepStatus(StrEnum):
    NOT_STARTED = "notStarted"
    IN_PROGRESS = "inProgress"
    WAITING = "waiting"
    BLOCKED = "blocked"
    REJECTED = "rejected"
    COMPLETE = "complete"
    CANCELED = "canceled"
    FAILED = "failed"
    UNKNOWN = "unknown"


def _key(raw: str) -> str:
    return re.sub(r"[^a-z]", "", raw.lower())


_OPERATION_STATUS = {
    "notstarted": OperationStatus.NOT_STARTED,
    "pending": OperationStatus.NOT_STARTED,
    "queued": OperationStatus.NOT_STARTED,
    "running": OperationStatus.RUNNING,
    "inprogress": OperationStatus.RUNNING,
    "canceling": OperationStatus.RUNNING,
    "cancelling": OperationStatus.RUNNING,
    "completed": OperationStatus.COMPLETED,
    "complete": OperationStatus.COMPLETED,
    "succeeded": OperationStatus.COMPLETED,
    "canceled": OperationStatus.CANCELED,
    "cancelled": OperationStatus.CANCELED,
    "failed": OperationStatus.FAILED,
    "rejected": OperationStatus.FAILED,
}

_STEP_STATUS = {
    "notstarted": StepStatus.NOT_STARTED,
    "pending": StepStatus.NOT_STARTED,
    "running": StepStatus.IN_PROGRESS,
    "inprogress": StepStatus.IN_PROGRESS,
    "waitingforpublisherreview": StepStatus.WAITING,
    "waitingforapproval": StepStatus.WAITING,
    "blocked": StepStatus.BLOCKED,
    "rejected": StepStatus.REJECTED,
    "complete": StepStatus.COMPLETE,
    "completed": StepStatus.COMPLETE,
    "succeeded": StepStatus.COMPLETE,
    "canceled": StepStatus.CANCELED,
    "cancelled": StepStatus.CANCELED,
    "failed": StepStatus.FAILED,
}


_CANCEL_UNDER_WAY = frozenset({"cancelrequested", "cancelinprogress", "canceling", "cancelling"})


def normalize_operation_status(raw: object) -> OperationStatus:
    return (
        _OPERATION_STATUS.get(_key(raw), OperationStatus.UNKNOWN) if isinstance(raw, str) else OperationStatus.UNKNOWN
    )


def normalize_step_status(raw: object) -> StepStatus:
    return _STEP_STATUS.get(_key(raw), StepStatus.UNKNOWN) if isinstance(raw, str) else StepStatus.UNKNOWN


@dataclass(frozen=True)
class Message:
    """A step or operation message; `html` is the API's `messageHtml` as sent (render it as text, never as markup)."""

    html: str
    level: str = "information"
    timestamp: str | None = None

    @classmethod
    def from_json(cls, data: object) -> Message | None:
        if isinstance(data, str):
            return cls(html=data)
        if not isinstance(data, Mapping):
            return None
        text = first_text(data, "messageHtml", "message", "text")
        if text is None:
            return None
        return cls(
            html=text,
            level=(first_text(data, "level") or "information"),
            timestamp=first_text(data, "timestamp"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"messageHtml": self.html, "level": self.level, "timestamp": self.timestamp}


def _messages(value: object) -> tuple[Message, ...]:
    return tuple(m for m in (Message.from_json(item) for item in items(value)) if m is not None)


_STEP_KNOWN = {
    "id",
    "stepName",
    "description",
    "status",
    "progressPercentage",
    "estimatedTimeFrame",
    "messages",
}


@dataclass(frozen=True)
class Step:
    id: str | None
    name: str
    status: StepStatus
    raw_status: str | None = None
    description: str | None = None
    progress_percentage: int | None = None
    estimated_time_frame: str | None = None
    messages: tuple[Message, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> Step | None:
        if not isinstance(data, Mapping):
            return None
        raw_status = first_text(data, "status")
        step_id = first_text(data, "id")
        progress = first_whole(data, "progressPercentage")
        return cls(
            id=step_id,
            name=first_text(data, "stepName", "name") or step_id or "(unnamed step)",
            status=normalize_step_status(raw_status),
            raw_status=raw_status,
            description=first_text(data, "description"),
            progress_percentage=None if progress is None else max(0, min(100, progress)),
            estimated_time_frame=first_text(data, "estimatedTimeFrame"),
            messages=_messages(data.get("messages")),
            extra={k: v for k, v in data.items() if k not in _STEP_KNOWN},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id,
            "stepName": self.name,
            "description": self.description,
            "status": self.raw_status,
            "progressPercentage": self.progress_percentage,
            "estimatedTimeFrame": self.estimated_time_frame,
            "messages": [m.to_json() for m in self.messages],
        }


_OPERATION_KNOWN = {
    "id",
    "status",
    "submissionState",
    "submissionType",
    "createdDateTime",
    "lastActionDateTime",
    "changedTime",
    "cancellationRequestState",
    "steps",
    "error",
    "messages",
    "publisherId",
    "offerId",
    "offerVersion",
    "publishingVersion",
    "slot",
    "notificationEmails",
}


def _error_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        return first_text(value, "message", "messageHtml", "code")
    if isinstance(value, list):
        parts = [p for p in (_error_text(v) for v in value) if p]
        return "; ".join(parts) or None
    return str(value)


@dataclass(frozen=True)
class Operation:
    """One publish/cancel operation (the single-operation body or an item of the submissions list)."""

    id: str | None
    status: OperationStatus
    raw_status: str | None = None
    submission_type: str | None = None
    created_at: str | None = None
    last_action_at: str | None = None
    cancellation_request_state: str | None = None
    steps: tuple[Step, ...] = ()
    error: str | None = None
    messages: tuple[Message, ...] = ()
    publisher_id: str | None = None
    offer_id: str | None = None
    offer_version: int | None = None
    publishing_version: int | None = None
    slot: str | None = None
    notification_emails: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> Operation:
        """Parse an operation; a one-element array (the documented example's shape) is unwrapped.

        Raises ValueError only when the body is not an operation at all (not an object, or an empty array).
        """
        if isinstance(data, list):
            if not data:
                raise ValueError("the operation body is an empty array")
            data = data[0]
        if not isinstance(data, Mapping):
            raise ValueError(f"the operation body is a JSON {type(data).__name__}, not an object")
        raw_status = first_text(data, "status", "submissionState")
        steps = tuple(s for s in (Step.from_json(item) for item in items(data.get("steps"))) if s is not None)
        return cls(
            id=first_text(data, "id"),
            status=normalize_operation_status(raw_status),
            raw_status=raw_status,
            submission_type=first_text(data, "submissionType"),
            created_at=first_text(data, "createdDateTime"),
            last_action_at=first_text(data, "lastActionDateTime", "changedTime"),
            cancellation_request_state=first_text(data, "cancellationRequestState"),
            steps=steps,
            error=_error_text(data.get("error")),
            messages=_messages(data.get("messages")),
            publisher_id=first_text(data, "publisherId"),
            offer_id=first_text(data, "offerId"),
            offer_version=first_whole(data, "offerVersion"),
            publishing_version=first_whole(data, "publishingVersion"),
            slot=first_text(data, "slot"),
            notification_emails=first_text(data, "notificationEmails"),
            extra={k: v for k, v in data.items() if k not in _OPERATION_KNOWN},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id,
            "status": self.raw_status,
            "submissionType": self.submission_type,
            "createdDateTime": self.created_at,
            "lastActionDateTime": self.last_action_at,
            "cancellationRequestState": self.cancellation_request_state,
            "steps": [s.to_json() for s in self.steps],
            "error": self.error,
            "messages": [m.to_json() for m in self.messages],
            "publisherId": self.publisher_id,
            "offerId": self.offer_id,
            "offerVersion": self.offer_version,
            "publishingVersion": self.publishing_version,
            "slot": self.slot,
            "notificationEmails": self.notification_emails,
        }

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def is_in_flight(self) -> bool:
        return self.status in (OperationStatus.RUNNING, OperationStatus.NOT_STARTED)

    @property
    def cancel_under_way(self) -> bool:
        """The API says a cancel of this operation was requested and is being carried out.

        From `cancellationRequestState` (`cancelRequested` in the emulator; the CPP docs show only `canCancel`, so
        the spellings a service might use are matched loosely, and anything else means no).
        """
        state = self.cancellation_request_state
        return isinstance(state, str) and _key(state) in _CANCEL_UNDER_WAY

    @property
    def current_step(self) -> Step | None:
        """The step the operation is on: the first in progress, waiting or blocked one, else the first not started."""
        active = (StepStatus.IN_PROGRESS, StepStatus.WAITING, StepStatus.BLOCKED)
        for step in self.steps:
            if step.status in active:
                return step
        for step in self.steps:
            if step.status is StepStatus.NOT_STARTED:
                return step
        return None

    @property
    def progress_percentage(self) -> int | None:
        """Mean of the steps' progress (a finished step counts as 100), or None when there are no steps."""
        if not self.steps:
            return None
        done = (StepStatus.COMPLETE,)
        values = [100 if s.status in done else (s.progress_percentage or 0) for s in self.steps]
        return round(sum(values) / len(values))


@dataclass(frozen=True)
class CancelResult:
    """What the cancel POST answered: done at once (200) or accepted with an operation to follow (202)."""

    outcome: Literal["cancelled", "accepted"]
    status_code: int
    operation_url: str | None = None
    retry_after_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "statusCode": self.status_code,
            "operationUrl": self.operation_url,
            "retryAfterS": self.retry_after_s,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CancelResult:
        outcome = data.get("outcome")
        if outcome not in ("cancelled", "accepted"):
            raise ValueError(f"unknown cancel outcome {outcome!r}")
        retry = data.get("retryAfterS")
        return cls(
            outcome=outcome,
            status_code=int(data.get("statusCode", 0)),
            operation_url=data.get("operationUrl"),
            retry_after_s=float(retry) if retry is not None else None,
        )
