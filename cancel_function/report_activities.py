"""The cancel orchestration's chat activities: `report_cancel` (the announcement of what the cancel POST did) and
`point_to_report` (the person's own reply pointed at it), each one post through the chat the request answers to
(`cppcancel.chat.chat_for`; Slack's is `slack_app.chat_port`).

One post per activity: an activity that dies in flight runs again whole, so a re-run may repeat only the one post
it was making (see cancel_orchestrator.py). A failure the chat may recover from is raised for
call_activity_with_retry; permanent ones are returned as values.
"""

from __future__ import annotations

from typing import Any

from cppcancel.chat import chat_for, chat_of
from cppcancel.contracts import CancelOutcome, CancelRequest, SlackTarget
from cppcancel.jsonread import json_object, text
from cppcancel.times import parse_iso, utc_now


def report_cancel(payload: Any) -> dict[str, Any]:
    """Announce the cancel's outcome, and nothing else (the pointer is `point_to_report`).

    Input `{"request": CancelRequest, "outcome": CancelOutcome, "at": ISO}`; output `ReportResult` JSON.
    """
    data = json_object(payload)
    request = CancelRequest.from_json(data["request"])
    outcome = CancelOutcome.from_json(data["outcome"])
    at = parse_iso(text(data.get("at"))) or utc_now()
    return chat_for(request.chat).announce(request, outcome, at).to_json()


def point_to_report(payload: Any) -> dict[str, Any]:
    """Point the person's reply at the announcement. Best effort, one post.

    Input `{"channelId", "responseUrl"}` (and `chat` when it is not Slack); output `{"ok": bool}`. Never raises: a
    pointer that did not arrive leaves the "requested" reply standing, which is still true.
    """
    data = json_object(payload)
    channel, url = text(data.get("channelId")), text(data.get("responseUrl"))
    if channel is None or url is None:
        return {"ok": False}
    return {"ok": chat_for(chat_of(data)).point(SlackTarget(channel, response_url=url))}
