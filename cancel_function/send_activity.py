"""The `send_cancel` activity: look once whether a cancel is already under way, else POST the cancel once; audit.

It never raises for a CPP error: it returns it as error JSON in its `CancelSent` result, so the cancel orchestration
decides. It is called with a plain call_activity, never retried (see cancel_orchestrator.py): a cancel POST that
timed out may have been carried out, and a second one could cancel the next publish.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any
from urllib.parse import quote

from cancel_function.blueprint import activity
from cancel_function.payloads import CancelSent, load
from cppcancel import identifiers
from cppcancel.audit import Outcome, emit, record_of
from cppcancel.contracts import CancelRequest
from cppcancel.error_info import ErrorInfo
from cppcancel.settings import Settings, SettingsError, get_settings
from partner_portal.client import CppClient
from partner_portal.errors import CppError
from partner_portal.models import CancelResult
from partner_portal.tokens import token_provider_from_settings

log = logging.getLogger(__name__)

PRECHECK_TIMEOUT_S = (2.0, 5.0)  # connect, read: the look before the cancel must not hold it up for long


def publish_being_cancelled(settings: Settings, publisher_id: str, offer_id: str) -> str | None:
    """The operation URL of the offer's in-flight publish when the Partner Portal says a cancel of it is already
    under way; None when it does not say so - or cannot be asked quickly, and the cancel is then sent as asked.

    Why: an activity runs at least once. If the host dies while the cancel POST is in flight, the Partner Portal may
    have carried it out, and `send_cancel` runs again after the restart with nothing in the history to say so; the
    Partner Portal's own record of the publish is the one mark that survives. The same check keeps a second request
    for the same publish (a colleague's Confirm, a pipeline) from sending another cancel. It is one quick read (no
    retries, short timeouts), so a slow or throttling Partner Portal delays the cancel by seconds at most.
    """
    quick = dataclasses.replace(
        settings,
        cpp_max_retries=0,
        cpp_connect_timeout_s=min(settings.cpp_connect_timeout_s, PRECHECK_TIMEOUT_S[0]),
        cpp_read_timeout_s=min(settings.cpp_read_timeout_s, PRECHECK_TIMEOUT_S[1]),
    )
    client = CppClient.from_settings(quick, token_provider_from_settings(settings))
    try:
        in_flight = next((op for op in client.list_operations(publisher_id, offer_id) if op.is_in_flight), None)
        if in_flight is None or not in_flight.id:
            return None
        path = "/api/publishers/{}/offers/{}/operations/{}".format(
            *(quote(part, safe="") for part in (publisher_id, offer_id, in_flight.id))
        )
        url = client.resolve_operation_url(path)
        detail = in_flight if in_flight.cancellation_request_state else client.get_operation(url)
        return url if detail.cancel_under_way else None
    except CppError as exc:
        log.info("could not check whether a cancel is already under way (%s); sending it", exc.code)
        return None
    finally:
        client.close()


def _send(request: CancelRequest) -> CancelSent:
    try:
        # The entry points validated these; validating again costs nothing and keeps this activity safe on its own.
        identifiers.validate_publisher_id(request.publisher_id)
        identifiers.validate_offer_id(request.offer_id)
        emails = identifiers.validate_emails(request.notification_emails)
    except identifiers.InvalidInput as exc:
        return CancelSent.failed(ErrorInfo("invalid_input", str(exc)))
    try:
        settings = get_settings()
        client = CppClient.from_settings(settings)
    except SettingsError as exc:
        return CancelSent.failed(ErrorInfo("settings", str(exc)))
    try:
        publish_url = publish_being_cancelled(settings, request.publisher_id, request.offer_id)
        if publish_url is not None:
            log.info("a cancel of %s/%s is already under way: not sent again", request.publisher_id, request.offer_id)
            return CancelSent.under_way(publish_url)
        result: CancelResult = client.cancel(request.publisher_id, request.offer_id, emails)
    except CppError as exc:
        return CancelSent.failed(exc.error_info())
    finally:
        client.close()
    return CancelSent.sent(result)


def _audit(request: CancelRequest, sent: CancelSent) -> None:
    result = sent.result
    status = result.status_code if result else sent.error.status_code
    outcome: Outcome
    if result is not None:
        outcome = result.outcome
    elif sent.kind == "under_way":
        outcome = "not_sent"
    else:  # a 202 without an operation this app may follow was still taken by the Partner Portal
        outcome = "accepted" if status == 202 else "failed"
    emit(
        record_of(
            request,
            source=request.source,
            command="cancel",
            decision="allowed",  # the entry point authorized the request before starting this orchestration
            outcome=outcome,
            correlation_id=request.correlation_id,
            request_id=request.request_id,
            operation_url=result.operation_url if result else None,
            cpp_status_code=status,
            reason=None if result else sent.error.message[:500] or None,
        )
    )


@activity
def send_cancel(payload: Any) -> dict[str, Any]:
    """POST the cancel once and audit the outcome. Input `CancelRequest` JSON; output `CancelSent` JSON."""
    request = CancelRequest.from_json(load(payload))
    try:
        sent = _send(request)
    except Exception as exc:
        # Not a CppError (those are values): still leave the record, since the POST may have gone out.
        failure = ErrorInfo("unexpected", f"The cancel failed unexpectedly ({type(exc).__name__}).")
        _audit(request, CancelSent.failed(failure))
        raise
    _audit(request, sent)
    return sent.to_json()
