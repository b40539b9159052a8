"""The watcher's proof of how a watch ended, as one audit record (an activity: orchestrators replay, so a record
written from orchestrator code would be written again on every replay)."""

from __future__ import annotations

from typing import Any

from cppcancel.audit import AuditRecord, emit
from cppcancel.contracts import WatchRequest
from poll_function.blueprint import activity
from poll_function.payloads import load


def watch_end_record(request: WatchRequest, ending: dict[str, Any]) -> AuditRecord:
    """Who asked, what was followed, and how it ended (`ending` is the watcher's output)."""
    stopped_by = ending.get("stoppedBy") or {}
    reason = ending.get("error") or (f"stopped by {stopped_by.get('display')}" if stopped_by else None)
    return AuditRecord(
        source="watcher",
        command="watch",
        decision="none",
        outcome=str(ending.get("phase") or "ended"),
        correlation_id=request.correlation_id or request.instance_id,
        who=request.requester.user_id or request.requester.caller,
        display=request.requester.display,
        workspace=request.requester.team_id,
        channel=request.slack.channel_id if request.slack else None,
        publisher=request.publisher_id,
        offer=request.offer_id,
        operation_url=request.operation_url,
        request_id=request.instance_id,
        reason=str(reason) if reason else None,
    )


@activity
def record_watch_end(payload: Any) -> bool:
    """Input `{"request": WatchRequest JSON, "ending": the watcher's output}`."""
    data = load(payload)
    emit(watch_end_record(WatchRequest.from_json(data["request"]), dict(data["ending"])))
    return True
