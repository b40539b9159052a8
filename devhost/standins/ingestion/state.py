"""The stand-in's jobs and how they move: pure state, changed only under the server's lock.

A job moves on status reads, not on a clock, so a test says exactly how long a cancel stays under way: after its
cancel, a job with `cancel_after_reads=n` answers `running`/`pending` to the cancel and to the next n-1 status
reads, then `completed`/`cancelled`. `cancel_after_reads=0` cancels at once. A job with `finish_after_reads=n` and no
cancel completes by itself (`final_result`, default `succeeded`) after n status reads. A completed job refuses a
cancel with the documented 400.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "https://schema.mp.microsoft.com/schema/configure-status/2022-03-01-preview2"
TOO_LATE_MESSAGE = "Cannot cancel job, job has already completed."
NOT_ENDED = "0001-01-01T00:00:00"
JOB_START = "2022-03-01T13:32:43.123456Z"
JOB_END = "2022-03-01T13:45:01.654321Z"


@dataclass
class Job:
    job_id: str
    status: str = "running"  # notStarted | running | completed (anything else is kept and answered as is)
    result: str = "pending"
    cancel_after_reads: int = 3
    finish_after_reads: int | None = None
    final_result: str = "succeeded"
    id_key: str = "jobId"  # the 2022 revision; "jobID" in another
    errors: list[dict[str, Any]] = field(default_factory=list)
    cancel_requested: bool = False
    reads_left: int | None = None  # status reads until the job completes (after a cancel, or by itself)

    def __post_init__(self) -> None:
        if self.finish_after_reads is not None and self.status != "completed":
            self.reads_left = self.finish_after_reads

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    def body(self) -> dict[str, Any]:
        return {
            "$schema": SCHEMA,
            self.id_key: self.job_id,
            "jobStatus": self.status,
            "jobResult": self.result,
            "jobStart": JOB_START,
            "jobEnd": JOB_END if self.completed else NOT_ENDED,
            "errors": list(self.errors),
        }

    def _complete(self) -> None:
        self.status = "completed"
        self.result = "cancelled" if self.cancel_requested else self.final_result
        self.reads_left = None
        if self.result == "failed" and not self.errors:
            self.errors = [{"code": "internalError", "message": "The submission failed validation."}]

    def read(self) -> dict[str, Any]:
        """One status read: the job moves one read closer to its end."""
        if self.reads_left is not None and not self.completed:
            self.reads_left -= 1
            if self.reads_left <= 0:
                self._complete()
        return self.body()

    def cancel(self) -> dict[str, Any] | None:
        """The cancel's answer body; None when the job has completed (the caller answers the 400)."""
        if self.completed:
            return None
        if not self.cancel_requested:
            self.cancel_requested = True
            self.reads_left = self.cancel_after_reads
            if self.cancel_after_reads <= 0:
                self._complete()
        return self.body()


def job_from_json(data: dict[str, Any]) -> Job:
    """A job from the control endpoint's body (`jobId` required; the other fields as `Job` names them)."""
    names = {
        "status": "status",
        "result": "result",
        "cancelAfterReads": "cancel_after_reads",
        "finishAfterReads": "finish_after_reads",
        "finalResult": "final_result",
        "idKey": "id_key",
    }
    job_id = data.get("jobId")
    if not isinstance(job_id, str) or not job_id:
        raise ValueError("jobId is required")
    return Job(job_id, **{attr: data[key] for key, attr in names.items() if key in data})
