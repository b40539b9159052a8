"""The configure-status object: both key spellings, two-l `cancelled`, unknown values kept, and its watch view."""

from __future__ import annotations

import pytest

from backends.http.operation import Operation, OperationStatus
from backends.ingestion.models import JOB_KIND, ConfigureStatus, JobResult, JobStatus, job_words

DOCUMENTED = {
    "$schema": "https://schema.mp.microsoft.com/schema/configure-status/2022-03-01-preview2",
    "jobId": "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc",
    "jobStatus": "notStarted",
    "jobResult": "pending",
    "jobStart": "2022-03-01T13:32:43.123456Z",
    "jobEnd": "0001-01-01T00:00:00",
    "errors": [],
}


def test_the_documented_example_parses() -> None:
    status = ConfigureStatus.from_json(DOCUMENTED)
    assert status.job_id == DOCUMENTED["jobId"]
    assert (status.status, status.result) == (JobStatus.NOT_STARTED, JobResult.PENDING)
    assert status.job_end is None and not status.is_completed
    assert status.extra == {"$schema": DOCUMENTED["$schema"]}


def test_job_id_is_read_in_either_spelling() -> None:
    body = {k: v for k, v in DOCUMENTED.items() if k != "jobId"} | {"jobID": "abc-1"}
    assert ConfigureStatus.from_json(body).job_id == "abc-1"


@pytest.mark.parametrize("spelling", ["cancelled", "canceled", "Cancelled"])
def test_a_completed_cancelled_job_is_cancelled(spelling: str) -> None:
    status = ConfigureStatus.from_json(DOCUMENTED | {"jobStatus": "completed", "jobResult": spelling})
    assert status.is_cancelled and status.as_operation().status is OperationStatus.CANCELED


def test_unknown_values_are_kept_and_shown() -> None:
    status = ConfigureStatus.from_json(DOCUMENTED | {"jobStatus": "validating", "jobResult": "partiallyDone"})
    assert (status.status, status.result) == (JobStatus.UNKNOWN, JobResult.UNKNOWN)
    assert status.words == "validating (partiallyDone)"
    operation = status.as_operation()
    assert operation.status is OperationStatus.UNKNOWN and operation.raw_status == "validating"


def test_a_completed_job_with_an_unknown_result_still_ends_the_watch() -> None:
    body = DOCUMENTED | {"jobStatus": "completed", "jobResult": "mystery"}
    operation = ConfigureStatus.from_json(body).as_operation()
    assert operation.status is OperationStatus.COMPLETED
    assert job_words(operation) == "completed (mystery)"


@pytest.mark.parametrize(
    ("job_status", "result", "expected"),
    [
        ("running", "pending", OperationStatus.RUNNING),
        ("notStarted", "pending", OperationStatus.NOT_STARTED),
        ("completed", "succeeded", OperationStatus.COMPLETED),
        ("completed", "failed", OperationStatus.FAILED),
        ("completed", "cancelled", OperationStatus.CANCELED),
    ],
)
def test_the_watch_view_survives_the_json_round_trip(job_status: str, result: str, expected: OperationStatus) -> None:
    errors = [{"code": "badRequest", "message": "The plan is invalid."}] if result == "failed" else []
    body = DOCUMENTED | {"jobStatus": job_status, "jobResult": result, "errors": errors}
    operation = ConfigureStatus.from_json(body).as_operation()
    again = Operation.from_json(operation.to_json())
    assert again.status is expected and again.submission_type == JOB_KIND
    assert job_words(again) == f"{job_status} ({result})"
    assert again.error == ("The plan is invalid." if errors else None)


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValueError, match="not an object"):
        ConfigureStatus.from_json([DOCUMENTED])
