"""The `send_cancel` activity: the cancel sent exactly once (`exactly_once`), and the audit record of what it did.

It never raises for an API error: `exactly_once.send` answers a tagged result (`cppcancel.sending`), whose JSON is
what `send_cancel` has always written, so the cancel orchestration decides. It is called with a plain
call_activity, never retried (see cancel_orchestrator.py): a cancel POST that timed out may have been carried out,
and a second one could cancel the next publish. The audit record is written here because this is the code that did
the act, and it runs exactly once in effect: a re-run's record says `replayed` or `not_sent`.
"""

from __future__ import annotations

import logging
from typing import Any

from cancel_function import exactly_once
from cppcancel.audit import Outcome, emit, record_of
from cppcancel.contracts import CancelRequest
from cppcancel.error_info import ErrorInfo
from cppcancel.jsonread import json_object
from cppcancel.sending import Failed, Joined, NotRecorded, NotRepeated, SendResult, Sent, TooLate, UnderWay
from cppcancel.settings import SettingsError, get_settings
from record_store.base import StoreUnavailable
from record_store.factory import record_store

log = logging.getLogger(__name__)


def _send(request: CancelRequest) -> SendResult:
    try:
        settings = get_settings()
    except SettingsError as exc:
        return Failed(ErrorInfo("settings", str(exc)))
    try:
        store = record_store(settings)
    except StoreUnavailable as exc:
        return exactly_once.not_recorded(str(exc))
    return exactly_once.send(settings, store, request)


def audit_outcome(result: SendResult) -> Outcome:
    """How the audit record names what the send did."""
    if isinstance(result, Sent):
        return "replayed" if result.replayed else result.outcome
    if isinstance(result, Joined | NotRepeated | UnderWay | NotRecorded):
        return "not_sent"
    if isinstance(result, TooLate):
        return "too_late"
    if result.replayed:
        return "replayed"
    # A 202 without an operation this app may follow was still taken by the API.
    return "accepted" if result.status_code == 202 else "failed"


def _audit(request: CancelRequest, result: SendResult) -> None:
    sent = result if isinstance(result, Sent) else None
    emit(
        record_of(
            request,
            source=request.source,
            command=request.target.audit_command,
            decision="allowed",  # the entry point authorized the request before starting this orchestration
            outcome=audit_outcome(result),
            correlation_id=request.correlation_id,
            request_id=request.request_id,
            operation_url=sent.operation_url if sent else None,
            cpp_status_code=result.status_code,
            reason=None if isinstance(result, Sent) else result.message[:500] or None,
        )
    )


def send_cancel(payload: Any) -> dict[str, Any]:
    """POST the cancel once and audit the outcome. Input `CancelRequest` JSON; output the tagged result's JSON."""
    request = CancelRequest.from_json(json_object(payload))
    try:
        result = _send(request)
    except Exception as exc:
        # Not an API error (those are values): still leave the record, since the POST may have gone out.
        _audit(request, Failed(ErrorInfo("unexpected", f"The cancel failed unexpectedly ({type(exc).__name__}).")))
        raise
    _audit(request, result)
    return result.to_json()
