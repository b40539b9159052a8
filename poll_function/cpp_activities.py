"""Activities that talk to the Cloud Partner Portal (and read settings, which orchestrators must not).

They never raise for a CPP error: they return it as CppError JSON (`transient` says whether trying again can help),
so the orchestrators decide - with durable timers and Retry-After - instead of a blind activity retry.
"""

from __future__ import annotations

import logging
from typing import Any

from cppcancel import identifiers
from cppcancel.audit import AuditRecord, emit
from cppcancel.contracts import CancelRequest
from cppcancel.schedule import ScheduleParams
from cppcancel.settings import SettingsError, get_settings
from partner_portal.client import CppClient
from partner_portal.errors import CppError
from partner_portal.models import CancelResult
from poll_function.blueprint import activity
from poll_function.payloads import CancelSent, PollResult, error_json, load

log = logging.getLogger(__name__)


@activity
def load_watch_params(payload: Any) -> dict[str, Any]:
    """The watch's schedule parameters from settings, read once per watch (see watch_orchestrator)."""
    return ScheduleParams.from_settings(get_settings()).to_json()


@activity
def poll_operation(payload: Any) -> dict[str, Any]:
    """GET the operation once. Input `{"operationUrl": ...}`; output `PollResult` JSON."""
    url = str(load(payload).get("operationUrl") or "")
    try:
        client = CppClient.from_settings(get_settings())
    except SettingsError as exc:
        return PollResult(False, error=error_json("settings", str(exc))).to_json()
    try:
        poll = client.poll_operation(url)
    except CppError as exc:
        log.warning("operation poll failed: %s", exc.describe())
        return PollResult(False, error=exc.to_json(), retry_after_s=exc.retry_after_s).to_json()
    finally:
        client.close()
    return PollResult(True, poll.operation, poll.retry_after_s).to_json()


def _send(request: CancelRequest) -> CancelSent:
    try:
        # The entry points validated these; validating again costs nothing and keeps this activity safe on its own.
        identifiers.validate_publisher_id(request.publisher_id)
        identifiers.validate_offer_id(request.offer_id)
        emails = identifiers.validate_emails(request.notification_emails)
    except identifiers.InvalidInput as exc:
        return CancelSent(False, error=error_json("invalid_input", str(exc)))
    try:
        client = CppClient.from_settings(get_settings())
    except SettingsError as exc:
        return CancelSent(False, error=error_json("settings", str(exc)))
    try:
        result: CancelResult = client.cancel(request.publisher_id, request.offer_id, emails)
    except CppError as exc:
        return CancelSent(False, error=exc.to_json())
    finally:
        client.close()
    return CancelSent(True, result)


def _audit(request: CancelRequest, sent: CancelSent) -> None:
    result = sent.result
    status = result.status_code if result else sent.error.get("statusCode")
    emit(
        AuditRecord(
            source=request.source,
            command="cancel",
            decision="allowed",  # the entry point authorized the request before starting this orchestration
            outcome=result.outcome if result else "failed",
            correlation_id=request.correlation_id,
            who=request.requester.user_id or request.requester.caller,
            display=request.requester.display,
            workspace=request.requester.team_id,
            channel=request.slack.channel_id if request.slack else None,
            publisher=request.publisher_id,
            offer=request.offer_id,
            cpp_status_code=status if isinstance(status, int) else None,
            operation_url=result.operation_url if result else None,
            request_id=request.request_id,
            reason=None if result else str(sent.error.get("message") or "")[:500] or None,
        )
    )


@activity
def send_cancel(payload: Any) -> dict[str, Any]:
    """POST the cancel once and audit the outcome. Input `CancelRequest` JSON; output `CancelSent` JSON."""
    request = CancelRequest.from_json(load(payload))
    sent = _send(request)
    _audit(request, sent)
    return sent.to_json()
