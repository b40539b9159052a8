"""The `send_cancel` activity: POST the cancel at most once per request, and once per offer at a time; audit.

What may be sent is decided from the app's own record, written before the POST (`send_once`): a re-run of this
activity (a dead host's work is delivered again) never sends a POST its first run may have sent, and a request for
an offer whose cancel is in flight joins that cancel instead of sending another. No Microsoft source shows the
Partner Portal saying "a cancel is under way" (`cancellationRequestState` is only ever `canCancel`), so nothing here
asks it.

A configure job's cancel (`request.job_id`) is decided from the same record, under the job's own lock, and sent by
`job_send` to the Product Ingestion API instead of the CPP.

It never raises for a CPP error: it returns it as error JSON in its `CancelSent` result, so the cancel orchestration
decides. It is called with a plain call_activity, never retried (see cancel_orchestrator.py): a cancel POST that
timed out may have been carried out, and a second one could cancel the next publish.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cancel_function import job_send, send_once
from cancel_function.payloads import CancelSent, joined_error, load
from cppcancel import identifiers
from cppcancel.audit import Outcome, emit, record_of
from cppcancel.contracts import CancelRequest
from cppcancel.error_info import ALREADY_COMPLETED, NOT_RECORDED, ErrorInfo
from cppcancel.settings import Settings, SettingsError, get_settings
from cppcancel.times import parse_iso, utc_now
from partner_portal.errors import CppError
from partner_portal.models import CancelResult
from record_store.base import CancelRecord, OfferLock, RecordStore, StoreUnavailable
from record_store.factory import record_store

if TYPE_CHECKING:  # the HTTP client (requests) is imported when a cancel is sent, not when the app is indexed
    from partner_portal.client import CppClient

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
QUICK_READ_TIMEOUT_S = (2.0, 5.0)  # connect, read: a look at the offer must not hold the story up for long


def publish_to_follow(settings: Settings, publisher_id: str, offer_id: str) -> str | None:
    """The offer's in-flight publish, else its latest one: what a re-run that must not send again follows, so that
    the story still ends with a final message. None when the offer cannot be read quickly (or has no publish)."""
    from partner_portal.client import CppClient
    from partner_portal.tokens import token_provider_from_settings

    quick = dataclasses.replace(
        settings,
        cpp_max_retries=0,
        cpp_connect_timeout_s=min(settings.cpp_connect_timeout_s, QUICK_READ_TIMEOUT_S[0]),
        cpp_read_timeout_s=min(settings.cpp_read_timeout_s, QUICK_READ_TIMEOUT_S[1]),
    )
    client = CppClient.from_settings(quick, token_provider_from_settings(settings))
    try:
        operations = client.list_operations(publisher_id, offer_id)
        # The docs give the list no order: the latest is the one that changed last (in flight wins).
        chosen = next((op for op in operations if op.is_in_flight), None) or max(
            operations, key=lambda op: parse_iso(op.last_action_at or op.created_at) or _EPOCH, default=None
        )
        if chosen is None or not chosen.id:
            return None
        path = "/api/publishers/{}/offers/{}/operations/{}".format(
            *(quote(part, safe="") for part in (publisher_id, offer_id, chosen.id))
        )
        return client.resolve_operation_url(path)
    except CppError as exc:
        log.info("could not read %s/%s to follow it (%s)", publisher_id, offer_id, exc.code)
        return None
    finally:
        client.close()


def _not_recorded(reason: str) -> CancelSent:
    return CancelSent.failed(ErrorInfo(NOT_RECORDED, send_once.NOT_RECORDED.format(reason=reason[:200])))


def _answered(record: CancelRecord) -> CancelSent:
    """A re-run after the first run's answer was recorded: that answer again, without a second POST (audited as
    `replayed`: the act was the first run's, and its record says so already)."""
    if record.state == "sent" and record.status_code and record.outcome == "cancelled":
        return CancelSent.sent(CancelResult("cancelled", record.status_code))
    if record.state == "sent" and record.status_code and record.outcome == "accepted":
        return CancelSent.sent(CancelResult("accepted", record.status_code, record.operation_url))
    message = record.message or "The cancel failed (its answer was recorded before a restart)."
    return CancelSent.failed(ErrorInfo("failed", message, status_code=record.status_code))


def _operation_of_holder(store: RecordStore, lock: OfferLock, wait_s: float) -> OfferLock:
    """The joined cancel's lock once its POST's answer names the operation (a few seconds at most), so the joiner
    can point at what to follow; the lock as it was if that takes longer than `wait_s` (CANCEL_JOIN_WAIT_S: the
    joiner then points at the holder's message)."""
    deadline = time.monotonic() + wait_s
    current: OfferLock | None = lock
    while current is not None and not current.operation_url and time.monotonic() < deadline:
        time.sleep(0.2)  # an activity may wait; what it waits for is another request's POST answer
        try:
            current = store.read_lock(lock.publisher_id, lock.offer_id, lock.job_id)
        except StoreUnavailable:
            break
    return current if current is not None and current.holder == lock.holder else lock


def _joined(store: RecordStore, verdict: send_once.BeforePost, wait_s: float) -> CancelSent:
    lock = verdict.lock if verdict.lock is None else _operation_of_holder(store, verdict.lock, wait_s)
    if lock is None:  # the holder has released meanwhile: its cancel ended
        holder = verdict.record.joined if verdict.record else None
        return CancelSent.joined(joined_error(holder or "", "another request", "an earlier time"))
    return CancelSent.joined(
        joined_error(
            lock.holder, lock.requested_by, lock.requested_at, channel=lock.channel, operation_url=lock.operation_url
        )
    )


def _not_repeated(
    settings: Settings, store: RecordStore, request: CancelRequest, verdict: send_once.BeforePost
) -> CancelSent:
    record = verdict.record
    url = record.operation_url if record else None
    if not url and request.job_id:
        url = job_send.status_url(settings, request.job_id)  # a job is followed by its ID: nothing to look up
    elif not url:
        url = publish_to_follow(settings, request.publisher_id, request.offer_id)
    log.warning("cancel %s: its first attempt may have been sent; not sent again", request.instance_id)
    # This request is done sending: the next request for the offer is a person's fresh decision (their confirmation
    # shows what is in flight), not a duplicate of this one, so it must not be held up by this lock.
    send_once.release(store, request.publisher_id, request.offer_id, request.instance_id, request.job_id)
    return CancelSent.not_repeated(url)


def _unreachable(client: CppClient, request: CancelRequest) -> ErrorInfo | None:
    """Whether the Partner Portal cannot be reached at all, asked with a safe read (retried on refused connections,
    as the POST would be). A host that dies during these retries leaves the record at `recorded`, so its re-run
    still sends the cancel; only the POST itself is the window where a re-run must not. Any answer - even an error
    - means the Portal is there, and the POST goes ahead as asked."""
    try:
        client.list_operations(request.publisher_id, request.offer_id)
    except CppError as exc:
        if exc.code == "connection_error" and not exc.outcome_unknown:
            return exc.error_info()
    return None


def _post(
    client: CppClient,
    store: RecordStore,
    request: CancelRequest,
    record: CancelRecord,
    emails: tuple[str, ...],
    lease_s: float,
) -> CancelSent:
    def post() -> tuple[CancelSent, send_once.PostAnswer]:
        try:
            result: CancelResult = client.cancel(request.publisher_id, request.offer_id, emails)
        except CppError as exc:
            # A 202 the app may not follow (no operation, or one the token must not go to) was still taken.
            taken = "accepted" if exc.status_code == 202 else "failed"
            return CancelSent.failed(exc.error_info()), send_once.PostAnswer(
                taken, exc.status_code, message=exc.describe()
            )
        return CancelSent.sent(result), send_once.PostAnswer(result.outcome, result.status_code, result.operation_url)

    return send_once.post_once(
        store, record, unreachable=lambda: _unreachable(client, request), post=post, clock=utc_now, lease_s=lease_s
    )


def _send(request: CancelRequest) -> CancelSent:
    from partner_portal.client import CppClient

    try:
        # The entry points validated these; validating again costs nothing and keeps this activity safe on its own.
        identifiers.validate_publisher_id(request.publisher_id)
        identifiers.validate_offer_id(request.offer_id)
        emails = identifiers.validate_emails(request.notification_emails)
        if request.job_id is not None:
            identifiers.validate_job_id(request.job_id)
    except identifiers.InvalidInput as exc:
        return CancelSent.failed(ErrorInfo("invalid_input", str(exc)))
    try:
        settings = get_settings()
        client = CppClient.from_settings(settings)  # builds a session only: a job's cancel never calls it
    except SettingsError as exc:
        return CancelSent.failed(ErrorInfo("settings", str(exc)))
    try:
        try:
            store = record_store(settings)
        except StoreUnavailable as exc:
            return _not_recorded(str(exc))
        verdict = send_once.before_post(store, request, utc_now(), settings.cancel_lock_lease_s)
        if verdict.verdict == "not_recorded":
            return _not_recorded(verdict.reason or "the record store failed")
        if verdict.verdict == "answered" and verdict.record is not None:
            return dataclasses.replace(_answered(verdict.record), replayed=True)
        if verdict.verdict == "joined":
            return _joined(store, verdict, settings.cancel_join_wait_s)
        if verdict.verdict == "unconfirmed":
            return _not_repeated(settings, store, request, verdict)
        assert verdict.record is not None
        if request.job_id is not None:
            return job_send.post_job_cancel(settings, store, request, verdict.record)
        return _post(client, store, request, verdict.record, emails, settings.cancel_lock_lease_s)
    finally:
        client.close()


def _audit(request: CancelRequest, sent: CancelSent) -> None:
    result = sent.result
    status = result.status_code if result else sent.error.status_code
    outcome: Outcome
    if sent.replayed:
        outcome = "replayed"
    elif result is not None:
        outcome = result.outcome
    elif sent.sent_nothing or sent.error.code == NOT_RECORDED:
        outcome = "not_sent"
    elif sent.error.code == ALREADY_COMPLETED:
        outcome = "too_late"
    else:  # a 202 without an operation this app may follow was still taken by the Partner Portal
        outcome = "accepted" if status == 202 else "failed"
    emit(
        record_of(
            request,
            source=request.source,
            command="cancel_job" if request.job_id else "cancel",
            decision="allowed",  # the entry point authorized the request before starting this orchestration
            outcome=outcome,
            correlation_id=request.correlation_id,
            request_id=request.request_id,
            operation_url=result.operation_url if result else None,
            cpp_status_code=status,
            reason=None if result else sent.error.message[:500] or None,
        )
    )


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
