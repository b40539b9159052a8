"""The Product Ingestion API's configure-status object, parsed once and tolerantly (pure: no I/O).

The documentation spells the job's key `jobId` in one revision and `jobID` in another; `jobResult` says `cancelled`
with two l's (the CPP says `canceled`). Both spellings are read, unknown values are kept verbatim and shown, and
nothing here raises on a value it does not know.

`as_operation` turns a status into the watcher's neutral `Operation` (`backends.http.operation`), so that the
watcher, its one-message progress and the webhook's status answers follow a job exactly as they follow a CPP
operation. Its `raw_status` is chosen so that the JSON round trip (activity results travel as JSON) normalises back
to the same status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from backends.http.operation import Operation, normalize_operation_status
from cppcancel.jsonread import first_nonempty, items

# What a job is called in headlines ("configure job under way"); also how progress recognises a job's view.
JOB_KIND = "configure job"
NOT_ENDED = "0001-01-01T00:00:00"  # the documented jobEnd of a job that has not completed
PARTIAL_WARNING = (
    "A cancelled job may already have applied part of its resources: the cancellation only applies to resources "
    "that had not yet been processed."
)


class JobStatus(StrEnum):
    NOT_STARTED = "notStarted"
    RUNNING = "running"
    COMPLETED = "completed"
    UNKNOWN = "unknown"


class JobResult(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


def _key(raw: object) -> str:
    return re.sub(r"[^a-z]", "", raw.lower()) if isinstance(raw, str) else ""


_STATUSES = {"notstarted": JobStatus.NOT_STARTED, "running": JobStatus.RUNNING, "completed": JobStatus.COMPLETED}
_RESULTS = {
    "pending": JobResult.PENDING,
    "succeeded": JobResult.SUCCEEDED,
    "failed": JobResult.FAILED,
    "cancelled": JobResult.CANCELLED,
    "canceled": JobResult.CANCELLED,
}
_KNOWN = {"jobId", "jobID", "jobStatus", "jobResult", "jobStart", "jobEnd", "errors"}


@dataclass(frozen=True)
class JobError:
    code: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def _errors(value: object) -> tuple[JobError, ...]:
    found: list[JobError] = []
    for item in items(value):
        if isinstance(item, Mapping):
            message = first_nonempty(item, "message") or first_nonempty(item, "code")
            if message:
                found.append(JobError(first_nonempty(item, "code"), message))
        elif isinstance(item, str) and item:
            found.append(JobError(None, item))
    return tuple(found)


@dataclass(frozen=True)
class ConfigureStatus:
    """`GET configure/{jobId}/status` (and the cancel's answer): where a job is and how it ended."""

    job_id: str | None
    status: JobStatus
    result: JobResult
    raw_status: str | None = None
    raw_result: str | None = None
    job_start: str | None = None
    job_end: str | None = None
    errors: tuple[JobError, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> ConfigureStatus:
        """Raises ValueError only when the body is not a JSON object."""
        if not isinstance(data, Mapping):
            raise ValueError(f"the configure status is a JSON {type(data).__name__}, not an object")
        raw_status, raw_result = first_nonempty(data, "jobStatus"), first_nonempty(data, "jobResult")
        end = first_nonempty(data, "jobEnd")
        return cls(
            job_id=first_nonempty(data, "jobId", "jobID"),
            status=_STATUSES.get(_key(raw_status), JobStatus.UNKNOWN),
            result=_RESULTS.get(_key(raw_result), JobResult.UNKNOWN),
            raw_status=raw_status,
            raw_result=raw_result,
            job_start=first_nonempty(data, "jobStart"),
            job_end=None if end is None or end.startswith(NOT_ENDED) else end,
            errors=_errors(data.get("errors")),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "jobId": self.job_id,
            "jobStatus": self.raw_status,
            "jobResult": self.raw_result,
            "jobStart": self.job_start,
            "jobEnd": self.job_end or NOT_ENDED,
            "errors": [e.to_json() for e in self.errors],
        }

    @property
    def is_completed(self) -> bool:
        return self.status is JobStatus.COMPLETED

    @property
    def is_cancelled(self) -> bool:
        return self.is_completed and self.result is JobResult.CANCELLED

    @property
    def words(self) -> str:
        """The API's own words: `completed (cancelled)`, `running (pending)`, unknown values verbatim."""
        status = self.raw_status or "no status"
        return f"{status} ({self.raw_result})" if self.raw_result else status

    @property
    def error_text(self) -> str | None:
        return "; ".join(e.message for e in self.errors) or None

    def _operation_status(self) -> str:
        """A raw status that normalises (`backends.http.operation`) to the watch phase this job is in."""
        if self.is_completed:
            if self.result in (JobResult.CANCELLED, JobResult.SUCCEEDED, JobResult.FAILED):
                return self.raw_result or self.result.value
            return "completed"  # an unknown result of a completed job still ends the watch (shown in `extra`)
        return self.raw_status or "unknown"

    def as_operation(self) -> Operation:
        """The job as the watcher's `Operation` (no steps: the API reports none)."""
        raw = self._operation_status()
        return Operation(
            id=self.job_id,
            status=normalize_operation_status(raw),
            raw_status=raw,
            submission_type=JOB_KIND,
            created_at=self.job_start,
            last_action_at=self.job_end,
            error=self.error_text,
            extra={"jobStatus": self.raw_status, "jobResult": self.raw_result},
        )


def job_words(operation: Operation) -> str:
    """What a job's status and result were, from its `Operation` view (`completed (succeeded)`)."""
    status, result = operation.extra.get("jobStatus"), operation.extra.get("jobResult")
    if isinstance(status, str) and isinstance(result, str):
        return f"{status} ({result})"
    return operation.raw_status or "unknown"
