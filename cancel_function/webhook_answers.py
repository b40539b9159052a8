"""What the webhook answers: the HTTP status and JSON body for a cancel's outcome, read from its durable status and,
for the requests behind a watch, from the app's own record. Pure functions of those inputs (no I/O but the record
read), so every answer a pipeline can get is in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from backends.registry import wording_for
from cancel_function.names import STATUS_ROUTE
from cppcancel.contracts import CancelOutcome
from cppcancel.error_info import ErrorInfo
from cppcancel.http_errors import error_body
from cppcancel.instances import InstanceStatus
from cppcancel.sending import ALREADY_COMPLETED, NOT_RECORDED, Joined, NotRecorded, NotRepeated, TooLate
from cppcancel.settings import SettingsError, get_settings
from cppcancel.targets import Target
from record_store.approvals import read_approval
from record_store.base import StoreUnavailable
from record_store.factory import record_store

_CPP_ERROR_STATUS = {
    "not_found": 404,
    "conflict": 409,
    "too_late": 409,  # a submission past certification: nothing was sent, and nothing to retry
    "not_cancellable": 409,
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


def joined_answer(req: func.HttpRequest, outcome: CancelOutcome, joined: Joined) -> func.HttpResponse:
    """202: this delivery sent nothing and joined the target's cancel in flight; its status URL is that cancel's."""
    url = status_url(req, outcome.watch_instance_id) if outcome.watch_instance_id else None
    body = {
        "status": "accepted",
        "joined": True,
        "instanceId": outcome.watch_instance_id,
        "statusUrl": url,
        "operationUrl": outcome.operation_url,
        "joinedBy": joined.by,
        "joinedAt": joined.at,
        "message": joined.message,
    }
    return json_response(202, body, headers={"Location": url} if url else None)


def _too_late(error: TooLate) -> func.HttpResponse:
    """409 `already_completed`: the target had ended already; the body says how (not a failure to retry)."""
    return json_response(409, {"error": error.error_json() | error_body(ALREADY_COMPLETED, error.message)["error"]})


def _about(body: dict[str, Any], target: Target) -> dict[str, Any]:
    """What a cancel's answers add for its target: the target's own IDs (a job's `jobId`) and, when its API has one,
    what a person must know about a cancelled one (`partialWarning`: a job may have applied part of its work)."""
    body.update(target.extra_json())
    caveat = wording_for(target).caveat
    if caveat:
        body["partialWarning"] = caveat
    return body


def _unwatched(outcome: CancelOutcome) -> func.HttpResponse:
    """Taken by the API, but nothing here follows it (no operation the token may be sent to, or the watcher could not
    be started). A 5xx would invite the pipeline to send the cancel again."""
    why = outcome.error.error if outcome.error else ErrorInfo.none()
    warning = {
        "code": f"cpp_{why.code}" if why.code else "not_watched",
        "message": why.message or "The cancel was accepted but is not followed: check /cpp ops.",
    }
    body = {"status": "accepted", "instanceId": None, "statusUrl": None, "operationUrl": outcome.operation_url}
    return json_response(202, {**body, "warning": warning})


def _failed(outcome: CancelOutcome) -> func.HttpResponse:
    if isinstance(outcome.error, NotRecorded):  # the app's own record failed: nothing reached the API
        return error_response(503, NOT_RECORDED, outcome.error.message, {"Retry-After": "60"})
    if isinstance(outcome.error, TooLate):
        return _too_late(outcome.error)
    error = outcome.error.error if outcome.error else ErrorInfo.none()
    code = error.code or "cpp_error"
    message = error.message or "The Partner Portal did not accept the cancel."
    headers = {}
    if error.retry_after_s:
        headers["Retry-After"] = str(max(1, round(error.retry_after_s)))
    return error_response(_CPP_ERROR_STATUS.get(code, 502), f"cpp_{code}", message, headers or None)


def _pending(req: func.HttpRequest, instance_id: str, status: InstanceStatus | None) -> func.HttpResponse:
    if status and not status.is_running:
        ended = status.runtime_status or ""
        return error_response(
            502, "orchestration_failed", f"The cancel orchestration ended ({ended}) without an outcome."
        )
    url = status_url(req, instance_id)
    return json_response(
        202, {"status": "pending", "instanceId": instance_id, "statusUrl": url}, headers={"Location": url}
    )


def _approval_status(status: InstanceStatus) -> dict[str, Any] | None:
    """The two-person rule's status (`approval_wait.awaiting_status`) in the custom status or the output, if any."""
    for candidate in (status.custom_status, status.output):
        if isinstance(candidate, str):
            try:
                candidate = json.loads(candidate)
            except json.JSONDecodeError:
                continue
        if isinstance(candidate, dict) and candidate.get("status") in _APPROVAL_STATUSES:
            return candidate
    return None


_APPROVAL_STATUSES = ("awaiting_approval", "withdrawn", "expired")


def awaits_approval(status: InstanceStatus) -> bool:
    """The cancel waits for (or ended without) a two-person rule's approvals: the webhook answers at once."""
    return _approval_status(status) is not None


def _approval_answer(req: func.HttpRequest, instance_id: str, waiting: dict[str, Any]) -> func.HttpResponse:
    """202 `awaiting_approval` while people approve in the channel; 409 once withdrawn or expired (nothing sent)."""
    approval = waiting.get("approval") if isinstance(waiting.get("approval"), dict) else {}
    if waiting.get("status") != "awaiting_approval":
        state = str(waiting.get("status"))
        said = "was withdrawn" if state == "withdrawn" else "expired before it had its approvals"
        error = error_body(f"approval_{state}", f"The cancel {said}: nothing was sent.")["error"]
        return json_response(409, {"error": {**error, "approval": approval}})
    url = status_url(req, instance_id)
    body: dict[str, Any] = {
        "status": "awaiting_approval",
        "instanceId": instance_id,
        "statusUrl": url,
        "approval": approval,
        "message": "A policy rule asks more than one person to approve this cancel: nothing is sent until they do.",
    }
    return json_response(202, body, headers={"Location": url})


def approval_so_far(status: InstanceStatus) -> dict[str, Any] | None:
    """From the app's own record: the approvals of this cancel so far (None: it needs none, or they cannot be read)."""
    request = status.cancel_request()
    if request is None or request.approval is None:
        return None
    try:
        record = read_approval(
            record_store(get_settings()), request.publisher_id, request.offer_id, request.instance_id
        )
    except (StoreUnavailable, SettingsError):
        return None
    return record.view() if record else None


def answer(
    req: func.HttpRequest, instance_id: str, status: InstanceStatus | None, *, target: Target
) -> func.HttpResponse:
    """The webhook's answer for the cancel of `target`, from its orchestration's status."""
    outcome = outcome_of(status) if status else None
    if outcome is None:
        waiting = _approval_status(status) if status else None
        if waiting is not None:
            return _approval_answer(req, instance_id, waiting)
        return _pending(req, instance_id, status)
    if outcome.status == "cancelled":
        return json_response(200, _about({"status": "cancelled", "statusCode": outcome.status_code}, target))
    if outcome.status == "accepted" and isinstance(outcome.error, Joined):
        return joined_answer(req, outcome, outcome.error)
    if outcome.status == "accepted" and outcome.watch_instance_id:
        url = status_url(req, outcome.watch_instance_id)
        body: dict[str, Any] = {
            "status": "accepted",
            "instanceId": outcome.watch_instance_id,
            "statusUrl": url,
            "operationUrl": outcome.operation_url,
        }
        if isinstance(outcome.error, NotRepeated):  # sent by this request's first run, not again
            body["notRepeated"] = True
            body["message"] = outcome.error.message
        return json_response(202, _about(body, target), headers={"Location": url})
    if outcome.status == "accepted":
        return _unwatched(outcome)
    return _failed(outcome)


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
