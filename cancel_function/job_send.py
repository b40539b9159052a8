"""`send_cancel` for a Product Ingestion configure job: the same record, lock and one POST, on the job's own API.

`send_activity` decides from the app's record exactly as for a CPP cancel (`send_once`: the record, the job's lock,
`sending` before the POST); this module is what happens after that decision for a job: the reachability read
(`GET configure/{jobId}/status`, a safe, retried read), `mark_sending`, the one `POST configure/{jobId}/cancel`
(never retried once it may have left: the transport retries a POST only on refused connections), and its answer
written back. The answer is a configure status: `completed`/`cancelled` is done (`cancelled`, as a CPP 200); still
running or pending is under way (`accepted`, and the watcher follows `configure/{jobId}/status`). The documented
too-late 400 is `already_completed`, with the job's result read from its status, never a failure that invites a retry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from backends.http.errors import ApiError
from backends.http.operation import CancelResult
from backends.ingestion.models import ConfigureStatus
from backends.ingestion.urlguard import job_url
from cancel_function import send_once
from cancel_function.payloads import CancelSent
from cppcancel.contracts import CancelRequest
from cppcancel.error_info import ALREADY_COMPLETED, BASIC_LAYOUT, ErrorInfo
from cppcancel.settings import Settings
from cppcancel.times import utc_now
from record_store.base import CancelRecord, RecordStore

if TYPE_CHECKING:  # the HTTP client (requests) is imported when a job cancel is sent, not when the app is indexed
    from backends.ingestion.client import IngestionClient

log = logging.getLogger(__name__)

TOO_LATE = (
    "Too late: configure job {job} had already completed ({result}), so nothing was cancelled. This is not an "
    "error of the app: sending the cancel again cannot change it."
)


def status_url(settings: Settings, job_id: str) -> str:
    """What a job's watcher follows (the same URL the client builds; no client needed)."""
    return f"{job_url(settings.ingestion_base_url, job_id, 'status')}?$version={settings.ingestion_api_version}"


def too_late_error(job_id: str, result: str | None) -> ErrorInfo:
    message = TOO_LATE.format(job=job_id, result=result or "its result could not be read")
    extra = {"jobId": job_id, "jobResult": result}
    return ErrorInfo(
        ALREADY_COMPLETED,
        message,
        status_code=400,
        api_code="badRequest",
        layout=(*BASIC_LAYOUT, "jobId", "jobResult"),
        extra=extra,
    )


def _result_of(client: IngestionClient, job_id: str) -> str | None:
    """How a completed job ended, in the API's words (`completed (succeeded)`), or None when it cannot be read."""
    try:
        return client.get_status(job_id).words
    except ApiError as exc:
        log.info("the status of job %s could not be read after a too-late cancel: %s", job_id, exc.code)
        return None


def _unreachable(client: IngestionClient, job_id: str) -> ErrorInfo | None:
    """As for the CPP: only "could not connect at all" stops the POST (any answer means the API is there)."""
    try:
        client.get_status(job_id)
    except ApiError as exc:
        if exc.code == "connection_error" and not exc.outcome_unknown:
            return exc.error_info()
    return None


def _answer_of(client: IngestionClient, job_id: str, status: ConfigureStatus) -> CancelSent:
    if status.is_cancelled:
        return CancelSent.sent(CancelResult("cancelled", 200))
    if status.is_completed:  # completed some other way before the cancel took: as too late as the 400 says
        return CancelSent.failed(too_late_error(job_id, status.words))
    return CancelSent.sent(CancelResult("accepted", 200, operation_url=client.status_url(job_id)))


def _post_answer(sent: CancelSent) -> send_once.PostAnswer:
    """What the record keeps of the job cancel's answer."""
    result = sent.result
    if result is not None:
        return send_once.PostAnswer(result.outcome, result.status_code, result.operation_url)
    return send_once.PostAnswer("failed", sent.error.status_code, message=sent.error.message)


def post_job_cancel(settings: Settings, store: RecordStore, request: CancelRequest, record: CancelRecord) -> CancelSent:
    """The record says send: check the API is there, mark `sending`, POST once, write the answer back."""
    from backends.ingestion.client import IngestionClient, JobAlreadyCompleted

    job_id = request.target.item
    assert job_id is not None
    client = IngestionClient.from_settings(settings)

    def post() -> tuple[CancelSent, send_once.PostAnswer]:
        try:
            sent = _answer_of(client, job_id, client.cancel(job_id))
        except JobAlreadyCompleted:
            sent = CancelSent.failed(too_late_error(job_id, _result_of(client, job_id)))
        except ApiError as exc:
            sent = CancelSent.failed(exc.error_info())
        return sent, _post_answer(sent)

    try:
        return send_once.post_once(
            store,
            record,
            unreachable=lambda: _unreachable(client, job_id),
            post=post,
            clock=utc_now,
            lease_s=settings.cancel_lock_lease_s,
        )
    finally:
        client.close()
