"""What the webhook answers: the HTTP status and JSON body for a cancel's outcome, read from its durable status and,
for the requests behind a watch, from the app's own record. Pure functions of those inputs (no I/O but the record
read), so every answer a pipeline can get is in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from cancel_function.names import STATUS_ROUTE
from cppcancel.contracts import CancelOutcome
from cppcancel.error_info import ALREADY_COMPLETED, JOINED, NOT_RECORDED, NOT_REPEATED, ErrorInfo
from cppcancel.http_errors import error_body
from cppcancel.instances import InstanceStatus
from cppcancel.settings import SettingsError, get_settings
from product_ingestion.models import PARTIAL_WARNING
from record_store.base import StoreUnavailable
from record_store.factory import record_store

_CPP_ERROR_STATUS = {
    "not_found": 404,
    "conflict": 409,
    "throttled": 503,
    "timeout": 504,
    "token_unavailable": 503,
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return json_response(status, error_body(code, message), headers)


def json_response(status: int, body: Mapping[str, Any], headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json", headers=headers)


def status_url(req: func.HttpRequest, instance_id: str) -> str:
    base = req.url.split("/api/", 1)[0]
    return f"{base}/api/{STATUS_ROUTE.replace('{instanceId}', instance_id)}"


def outcome_of(status: InstanceStatus) -> CancelOutcome | None:
    """The CPP outcome, once the orchestration has published it (custom status first, then output)."""
    for candidate in (status.custom_status, status.output):
        if isinstance(candidate, str):
            try:
                candidate = json.loads(candidate)
            except json.JSONDecodeError:
                continue
        if isinstance(candidate, dict) and candidate.get("status") in ("cancelled", "accepted", "failed"):
            try:
                return CancelOutcome.from_json(candidate)
            except ValueError:
                continue
    return None


def joined_answer(req: func.HttpRequest, outcome: CancelOutcome) -> func.HttpResponse:
    """202: this delivery sent nothing and joined the offer's cancel in flight; its status URL is that cancel's."""
    assert outcome.error is not None
    url = status_url(req, outcome.watch_instance_id) if outcome.watch_instance_id else None
    body = {
        "status": "accepted",
        "joined": True,
        "instanceId": outcome.watch_instance_id,
        "statusUrl": url,
        "operationUrl": outcome.operation_url,
        "joinedBy": outcome.error.extra.get("joinedBy"),
        "joinedAt": outcome.error.extra.get("joinedAt"),
        "message": outcome.error.message,
    }
    return json_response(202, body, headers={"Location": url} if url else None)


def _too_late(error: ErrorInfo) -> func.HttpResponse:
    """409 `already_completed`: the configure job had completed; the body says how (not a failure to retry)."""
    body = error_body(ALREADY_COMPLETED, error.message)
    detail: dict[str, Any] = dict(body["error"])
    detail.update({"jobId": error.extra.get("jobId"), "jobResult": error.extra.get("jobResult")})
    return json_response(409, {"error": detail})


def _with_job(body: dict[str, Any], job_id: str | None) -> dict[str, Any]:
    """A configure job's answers name the job and warn that a cancelled job may have applied part of its work."""
    if job_id:
        body["jobId"] = job_id
        body["partialWarning"] = PARTIAL_WARNING
    return body


def answer(
    req: func.HttpRequest, instance_id: str, status: InstanceStatus | None, *, job_id: str | None = None
) -> func.HttpResponse:
    outcome = outcome_of(status) if status else None
    if outcome is None:
        if status and not status.is_running:
            ended = status.runtime_status or ""
            return error_response(
                502, "orchestration_failed", f"The cancel orchestration ended ({ended}) without an outcome."
            )
        url = status_url(req, instance_id)
        return json_response(
            202, {"status": "pending", "instanceId": instance_id, "statusUrl": url}, headers={"Location": url}
        )
    if outcome.status == "cancelled":
        return json_response(200, _with_job({"status": "cancelled", "statusCode": outcome.status_code}, job_id))
    if outcome.status == "accepted" and outcome.error and outcome.error.code == JOINED:
        return joined_answer(req, outcome)
    if outcome.status == "accepted" and outcome.watch_instance_id:
        url = status_url(req, outcome.watch_instance_id)
        body: dict[str, Any] = {
            "status": "accepted",
            "instanceId": outcome.watch_instance_id,
            "statusUrl": url,
            "operationUrl": outcome.operation_url,
        }
        if outcome.error and outcome.error.code == NOT_REPEATED:  # sent by this request's first run, not again
            body["notRepeated"] = True
            body["message"] = outcome.error.message
        return json_response(202, _with_job(body, job_id), headers={"Location": url})
    if outcome.status == "accepted":
        # Taken by the Partner Portal, but nothing here follows it (no operation the token may be sent to, or the
        # watcher could not be started). A 5xx would invite the pipeline to send the cancel again.
        why = outcome.error or ErrorInfo.none()
        warning = {
            "code": f"cpp_{why.code}" if why.code else "not_watched",
            "message": why.message or "The cancel was accepted but is not followed: check /cpp ops.",
        }
        unwatched: dict[str, Any] = {
            "status": "accepted",
            "instanceId": None,
            "statusUrl": None,
            "operationUrl": outcome.operation_url,
            "warning": warning,
        }
        return json_response(202, unwatched)
    error = outcome.error or ErrorInfo.none()
    if error.code == NOT_RECORDED:  # the app's own record failed: nothing reached the Partner Portal
        return error_response(503, NOT_RECORDED, error.message, {"Retry-After": "60"})
    if error.code == ALREADY_COMPLETED:
        return _too_late(error)
    code = error.code or "cpp_error"
    message = error.message or "The Partner Portal did not accept the cancel."
    headers = {}
    if error.retry_after_s:
        headers["Retry-After"] = str(max(1, round(error.retry_after_s)))
    return error_response(_CPP_ERROR_STATUS.get(code, 502), f"cpp_{code}", message, headers or None)


def recorded_requests(custom_status: object, watch_id: str) -> list[dict[str, Any]] | None:
    """From the app's own record: the requests behind this watch - the one that sent the cancel and any that
    joined it - so a caller sees who asked and that nothing was sent twice. None when it cannot be read."""
    if not isinstance(custom_status, Mapping):
        return None
    publisher, offer = custom_status.get("publisherId"), custom_status.get("offerId")
    if not isinstance(publisher, str) or not isinstance(offer, str):
        return None
    try:
        history = record_store(get_settings()).history(publisher, offer, limit=50)
    except (StoreUnavailable, SettingsError):
        return None
    senders = {r.instance_id for r in history if r.watch_instance_id == watch_id}
    mine = [r for r in history if r.instance_id in senders or (r.joined in senders and r.state == "joined")]
    return [
        {
            "requestedBy": r.requested_by,
            "requestedAt": r.requested_at,
            "source": r.source,
            "state": r.state,
            "statusCode": r.status_code,
        }
        for r in mine
    ]
