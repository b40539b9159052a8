"""The cancel orchestration's Slack activities: `report_cancel` (the channel message that says what the cancel
POST did) and `point_to_report` (the person's ephemeral reply pointed at that message).

One Slack post per activity: an activity that dies in flight runs again whole, so a re-run may repeat only the one
post it was making (see cancel_orchestrator.py). Failures are sorted as `slack_app.web` reads them: transient ones
are raised for call_activity_with_retry, permanent ones are returned as values.
"""

from __future__ import annotations

import logging
from typing import Any

from cancel_function.payloads import ReportResult, load
from cppcancel.contracts import CancelOutcome, CancelRequest
from cppcancel.settings import get_settings
from cppcancel.times import parse_iso, utc_now
from slack_app.blockkit import Message
from slack_app.progress import render_cancel_report, render_channel_pointer, render_without_channel_access

log = logging.getLogger(__name__)

NO_CHANNEL_ACCESS = frozenset({"not_in_channel", "channel_not_found"})


def _post_response_url(url: str, message: Message) -> bool:
    """One post to a response_url (Slack allows 5 in 30 minutes per URL: this flow uses one). Best effort; never to
    a URL that is not Slack's (`slack_app.response_urls`: the request's input is durable state, checked again)."""
    from slack_sdk.webhook import WebhookClient

    from slack_app.response_urls import usable_response_url
    from slack_app.web import WEB_API_TIMEOUT_S

    if usable_response_url(url, get_settings().slack_api_base_url) is None:
        log.warning("response_url not posted to: it is not Slack's")
        return False
    try:
        response = WebhookClient(url, timeout=WEB_API_TIMEOUT_S).send(
            text=message.text, blocks=list(message.blocks), replace_original=True
        )
    except Exception as exc:  # a pointer that did not arrive must not fail (and repeat) the report
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post answered HTTP %s", response.status_code)
        return False
    return True


def report_cancel(payload: Any) -> dict[str, Any]:
    """Post the cancel's outcome as a new channel message, and nothing else (the pointer is `point_to_report`).

    Input `{"request": CancelRequest, "outcome": CancelOutcome, "at": ISO}`; output `ReportResult` JSON. When the
    bot may not post in the channel, the full message goes to the response_url instead, saying how to fix that:
    either way one post, so a re-run of this activity can only repeat the post that was in flight.
    """
    # slack_sdk is imported when the activity runs, not when the app is indexed (cold start of the Slack ack path)
    from slack_sdk.errors import SlackApiError

    from slack_app.web import SlackTransientError, error_code, is_transient, retry_after_s, web_client

    data = load(payload)
    request = CancelRequest.from_json(data["request"])
    outcome = CancelOutcome.from_json(data["outcome"])
    slack = request.slack
    if slack is None:
        return ReportResult().to_json()
    report = render_cancel_report(
        publisher_id=request.publisher_id,
        offer_id=request.offer_id,
        requester=request.requester,
        outcome=outcome,
        at=parse_iso(data.get("at")) or utc_now(),
        job_id=request.job_id,
    )
    client = web_client(get_settings())
    try:
        response = client.chat_postMessage(channel=slack.channel_id, **report.to_kwargs())
    except SlackApiError as exc:
        code = error_code(exc)
        if code in NO_CHANNEL_ACCESS and slack.response_url:
            sent = _post_response_url(slack.response_url, render_without_channel_access(report, slack.channel_id))
            return ReportResult(None, "response_url" if sent else None, code).to_json()
        if is_transient(exc) or retry_after_s(exc) is not None:
            raise SlackTransientError(f"Slack chat.postMessage failed: {code}") from None
        log.warning("Slack refused the cancel report: %s", code)
        return ReportResult(None, None, code).to_json()
    return ReportResult(str(response["ts"]), "channel", pointer_pending=bool(slack.response_url)).to_json()


def point_to_report(payload: Any) -> dict[str, Any]:
    """Replace the person's ephemeral reply with a pointer to the channel message. Best effort, one post.

    Input `{"channelId", "responseUrl"}`; output `{"ok": bool}`. Never raises: a pointer that did not arrive
    leaves the "requested" reply standing, which is still true.
    """
    data = load(payload)
    channel, url = data.get("channelId"), data.get("responseUrl")
    if not isinstance(channel, str) or not isinstance(url, str) or not channel or not url:
        return {"ok": False}
    return {"ok": _post_response_url(url, render_channel_pointer(channel))}
