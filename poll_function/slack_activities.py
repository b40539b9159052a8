"""Activities that write to Slack: the cancel report (first message) and the watcher's in-place updates.

Slack failures come in three kinds, and each goes where it can be handled best:
- `ratelimited` (HTTP 429): slack_sdk's handler in `slack_app.web` waits out one Retry-After itself; a second one is
  returned as `retryAfterS` so that the orchestrator waits on a durable timer instead of blocking a worker.
- transient (5xx, Slack's internal errors, network errors): raised, so call_activity_with_retry tries again.
- permanent (channel gone, bot not in the channel, token revoked...): returned as a value; retrying cannot help.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from cppcancel.contracts import CancelOutcome, CancelRequest
from cppcancel.settings import get_settings
from cppcancel.times import parse_iso, utc_now
from poll_function.blueprint import activity
from poll_function.payloads import ReportResult, SlackResult, SlackUpdate, load
from slack_app.blockkit import Message
from slack_app.progress import render_cancel_report, render_channel_pointer, render_without_channel_access
from slack_app.web import WEB_API_TIMEOUT_S, web_client

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
NO_CHANNEL_ACCESS = frozenset({"not_in_channel", "channel_not_found"})
# chat.update cannot reach the message any more (deleted, or not ours): post a new one and follow that instead.
MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


class SlackTransientError(RuntimeError):
    """A Slack failure worth retrying; raised so that call_activity_with_retry does."""


def _code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, Mapping) else None
    return str(error or "unknown_error")


def _retry_after(exc: SlackApiError) -> float | None:
    if getattr(exc.response, "status_code", None) != 429 and _code(exc) != "ratelimited":
        return None
    headers: Mapping[str, Any] = getattr(exc.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(1.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                break
    return 1.0


def _is_transient(exc: SlackApiError) -> bool:
    status = getattr(exc.response, "status_code", 200)
    return (isinstance(status, int) and status >= 500) or _code(exc) in TRANSIENT_ERRORS


def _refusal(exc: SlackApiError, what: str) -> SlackResult:
    """Rate limit or permanent refusal as a value; transient failures raised for the activity retry."""
    retry_after = _retry_after(exc)
    if retry_after is not None:
        return SlackResult(False, retry_after_s=retry_after, error="ratelimited")
    if _is_transient(exc):
        raise SlackTransientError(f"Slack {what} failed: {_code(exc)}") from None
    log.warning("Slack refused %s: %s", what, _code(exc))
    return SlackResult(False, error=_code(exc))


def _write_main_message(client: WebClient, update: SlackUpdate) -> str:
    if update.ts:
        try:
            client.chat_update(channel=update.channel, ts=update.ts, text=update.text, blocks=update.blocks)
            return update.ts
        except SlackApiError as exc:
            if _code(exc) not in MESSAGE_GONE:
                raise
            log.warning("progress message %s is gone (%s); posting a new one", update.ts, _code(exc))
    response = client.chat_postMessage(channel=update.channel, text=update.text, blocks=update.blocks)
    return str(response["ts"])


@activity
def update_slack(payload: Any) -> dict[str, Any]:
    """chat.update the progress message (posting it if there is none), then the thread reply if any.

    Input `SlackUpdate` JSON; output `SlackResult` JSON. One Slack post per run: an edit is idempotent and may go
    with the thread reply, but when this call had to post a new main message it stops there and answers
    `thread_pending`, and the orchestrator asks again with the new ts. A run that dies in flight is re-run whole,
    so it may repeat only the one post it was making, never a post whose answer it already had.
    """
    update = SlackUpdate.from_json(load(payload))
    client = web_client(get_settings())
    try:
        ts = _write_main_message(client, update)
    except SlackApiError as exc:
        return _refusal(exc, "chat.update").to_json()
    if not update.thread_text:
        return SlackResult(True, ts).to_json()
    if ts != update.ts:
        return SlackResult(True, ts, thread_pending=True).to_json()
    try:
        client.chat_postMessage(channel=update.channel, thread_ts=ts, text=update.thread_text)
    except SlackApiError as exc:
        refusal = _refusal(exc, "the thread reply")
        if refusal.rate_limited:
            return SlackResult(False, ts, refusal.retry_after_s, refusal.error).to_json()
        # The main message is current; a reply Slack refuses for good must not switch Slack off for the watch.
        return SlackResult(True, ts, error=refusal.error).to_json()
    return SlackResult(True, ts).to_json()


def _post_response_url(url: str, message: Message) -> bool:
    """One post to a response_url (Slack allows 5 in 30 minutes per URL: this flow uses one). Best effort."""
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


@activity
def report_cancel(payload: Any) -> dict[str, Any]:
    """Post the cancel's outcome as a new channel message, and nothing else (the pointer is `point_to_report`).

    Input `{"request": CancelRequest, "outcome": CancelOutcome, "at": ISO}`; output `ReportResult` JSON. When the
    bot may not post in the channel, the full message goes to the response_url instead, saying how to fix that:
    either way one post, so a re-run of this activity can only repeat the post that was in flight.
    """
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
    )
    client = web_client(get_settings())
    try:
        response = client.chat_postMessage(channel=slack.channel_id, **report.to_kwargs())
    except SlackApiError as exc:
        code = _code(exc)
        if code in NO_CHANNEL_ACCESS and slack.response_url:
            sent = _post_response_url(slack.response_url, render_without_channel_access(report, slack.channel_id))
            return ReportResult(None, "response_url" if sent else None, code).to_json()
        if _is_transient(exc) or _retry_after(exc) is not None:
            raise SlackTransientError(f"Slack chat.postMessage failed: {code}") from None
        log.warning("Slack refused the cancel report: %s", code)
        return ReportResult(None, None, code).to_json()
    return ReportResult(str(response["ts"]), "channel", pointer_pending=bool(slack.response_url)).to_json()


@activity
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
