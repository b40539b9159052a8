"""The watcher's proof of how a watch ended, as one audit record (an activity: orchestrators replay, so a record
written from orchestrator code would be written again on every replay) - and the end of the offer's cancel lock,
when the cancel that holds it is the one this watch followed (so the next cancel of the offer is sent, not joined)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from cppcancel.audit import AuditRecord, Outcome, emit, record_of
from cppcancel.contracts import WatchRequest
from cppcancel.settings import SettingsError, get_settings
from cppcancel.times import iso, utc_now
from poll_function.payloads import load
from record_store.base import RecordStore, StoreUnavailable
from record_store.factory import record_store
from record_store.jobs import NOT_FOUND_STATUS

log = logging.getLogger(__name__)

# The watcher's phases (`watch_logic.output`'s "phase") as audit outcomes: the same words.
WATCH_OUTCOMES: dict[str, Outcome] = {
    "watching": "watching",
    "completed": "completed",
    "canceled": "canceled",
    "failed": "failed",
    "stopped": "stopped",
    "timed_out": "timed_out",
    "lost": "lost",
}


def watch_end_record(request: WatchRequest, ending: dict[str, Any]) -> AuditRecord:
    """Who asked, what was followed, and how it ended (`ending` is the watcher's output)."""
    stopped_by = ending.get("stoppedBy") or {}
    reason = ending.get("error") or (f"stopped by {stopped_by.get('display')}" if stopped_by else None)
    return record_of(
        request,
        source="watcher",
        command="watch",
        decision="none",
        outcome=WATCH_OUTCOMES.get(str(ending.get("phase") or ""), "ended"),
        correlation_id=request.correlation_id or request.instance_id,
        request_id=request.instance_id,
        operation_url=request.operation_url,
        reason=str(reason) if reason else None,
    )


def record_watch_end(payload: Any) -> bool:
    """Input `{"request": WatchRequest JSON, "ending": the watcher's output}`."""
    data = load(payload)
    request = WatchRequest.from_json(data["request"])
    ending = dict(data["ending"])
    emit(watch_end_record(request, ending))
    try:
        store = record_store(get_settings())
        # The cancel this watch followed holds the lock: matched by this watcher, or - when the lock never learnt it
        # (a store failure after the POST) - by the cancel's correlation ID, which its watcher carries.
        holder = None if request.registered else request.correlation_id or None
        store.release_watched(
            request.publisher_id, request.offer_id, request.instance_id, request.job_id, correlation_id=holder
        )
        if request.job_id and (ending.get("phase") in JOB_ENDED or ending.get("errorCode") == NOT_FOUND):
            _job_completed(store, request, request.job_id, ending)
    except (StoreUnavailable, SettingsError) as exc:  # the lock's lease frees the offer; the watch's end stands
        log.warning("the cancel lock of %s/%s was not released: %s", request.publisher_id, request.offer_id, exc)
    return True


# The phases that mean a job's `jobStatus` was `completed` (a stopped or timed-out watch says nothing of the job).
JOB_ENDED = frozenset({"completed", "canceled", "failed"})
NOT_FOUND = "not_found"  # the watch was lost because the API does not know the job (404)


def _job_completed(store: RecordStore, request: WatchRequest, job_id: str, ending: dict[str, Any]) -> None:
    """A registered job that completed - or that the API does not know - is no longer offered by `/cpp ops` or a
    bare `/cpp cancel`, and no longer counts against the registration caps."""
    job = store.job(request.publisher_id, request.offer_id, job_id)
    if job is None or not job.running:
        return
    said = ending.get("operationStatus")
    ended = replace(job, state="completed", job_status=said if isinstance(said, str) else None)
    if ending.get("errorCode") == NOT_FOUND:
        ended = replace(job, state="not_found", job_status=NOT_FOUND_STATUS)
    store.update_job(replace(ended, updated_at=iso(utc_now())))
