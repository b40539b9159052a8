"""The watcher's proof of how a watch ended, as one audit record (an activity: orchestrators replay, so a record
written from orchestrator code would be written again on every replay) - and the end of the target's cancel lock,
when the cancel that holds it is the one this watch followed (so the next cancel of it is sent, not joined), and
what the target's backend keeps of the end (`Backend.watch_ended`: a registered job that ended is no longer
offered)."""

from __future__ import annotations

import logging
from typing import Any

from backends.registry import backend_for
from cppcancel.audit import AuditRecord, Outcome, emit, record_of
from cppcancel.contracts import WatchRequest
from cppcancel.jsonread import json_object
from cppcancel.settings import SettingsError, get_settings
from record_store.base import StoreUnavailable
from record_store.factory import record_store

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
    data = json_object(payload)
    request = WatchRequest.from_json(data["request"])
    ending = dict(data["ending"])
    emit(watch_end_record(request, ending))
    try:
        settings = get_settings()
        store = record_store(settings)
        # The cancel this watch followed holds the lock: matched by this watcher, or - when the lock never learnt it
        # (a store failure after the POST) - by the cancel's correlation ID, which its watcher carries.
        holder = None if request.registered else request.correlation_id or None
        store.release_watched_lock(request.target, request.instance_id, correlation_id=holder)
        backend_for(request.target).watch_ended(settings, request, ending)
    except (StoreUnavailable, SettingsError) as exc:  # the lock's lease frees the offer; the watch's end stands
        log.warning("the cancel lock of %s/%s was not released: %s", request.publisher_id, request.offer_id, exc)
    return True
