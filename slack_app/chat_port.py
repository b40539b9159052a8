"""Slack behind the chat port (`cppcancel.chat.ChatPort`): the announcement, the pointer, the message updated in
place and its thread reply, as Slack's Web API and response_urls carry them.

The rendering is `slack_app.progress` (pure Block Kit); this module does the posting. Slack failures come in three
kinds (`slack_app.web`), and each goes where it can be handled best:
- `ratelimited` (HTTP 429): slack_sdk's handler in `slack_app.web` waits out one Retry-After itself; a second one is
  returned as `retryAfterS` so that the orchestrator waits on a durable timer instead of blocking a worker.
- transient (5xx, Slack's internal errors, network errors): raised, so call_activity_with_retry tries again.
- permanent (channel gone, bot not in the channel, token revoked...): returned as a value; retrying cannot help.

One Slack post per call (an activity that dies in flight runs again whole, so a re-run may repeat only the one post
it was making). slack_sdk is imported when a call posts, not when the app is indexed (cold start).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from cppcancel.approvals import ApprovalRecord
from cppcancel.chat import ChatResult, ChatUpdate, ProgressView, Rendering, ReportResult
from cppcancel.contracts import CancelOutcome, CancelRequest, SlackTarget
from cppcancel.settings import get_settings
from slack_app.approval_message import render_approval, render_approval_not_posted
from slack_app.blockkit import Message
from slack_app.progress import (
    render_cancel_report,
    render_channel_pointer,
    render_progress,
    render_without_channel_access,
    thread_reply,
)

if TYPE_CHECKING:  # slack_sdk is imported when a call posts, not when the app is indexed (cold start)
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

NO_CHANNEL_ACCESS = frozenset({"not_in_channel", "channel_not_found"})
# chat.update cannot reach the message any more (deleted, or not ours): post a new one and follow that instead.
MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def _post_response_url(url: str, message: Message, *, replace_original: bool = True) -> bool:
    """One post to a response_url (Slack allows 5 in 30 minutes per URL: this flow uses one). Best effort; never to
    a URL that is not Slack's (`slack_app.response_urls`: the request's input is durable state, checked again).
    `replace_original=False`: a message of its own, which a click's answer racing it cannot replace."""
    from slack_sdk.webhook import WebhookClient

    from slack_app.response_urls import usable_response_url
    from slack_app.web import WEB_API_TIMEOUT_S

    if usable_response_url(url, get_settings().slack_api_base_url) is None:
        log.warning("response_url not posted to: it is not Slack's")
        return False
    try:
        response = WebhookClient(url, timeout=WEB_API_TIMEOUT_S).send(
            text=message.text, blocks=list(message.blocks), replace_original=replace_original
        )
    except Exception as exc:  # a pointer that did not arrive must not fail (and repeat) the report
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post answered HTTP %s", response.status_code)
        return False
    return True


def _refusal(exc: SlackApiError, what: str) -> ChatResult:
    """Rate limit or permanent refusal as a value; transient failures raised for the activity retry."""
    from slack_app.web import SlackTransientError, error_code, is_transient, retry_after_s

    retry_after = retry_after_s(exc)
    if retry_after is not None:
        return ChatResult(False, retry_after_s=retry_after, error="ratelimited")
    if is_transient(exc):
        raise SlackTransientError(f"Slack {what} failed: {error_code(exc)}") from None
    log.warning("Slack refused %s: %s", what, error_code(exc))
    return ChatResult(False, error=error_code(exc))


def _write_main_message(client: WebClient, update: ChatUpdate) -> str:
    from slack_sdk.errors import SlackApiError

    from slack_app.web import error_code

    if update.ts:
        try:
            client.chat_update(channel=update.channel, ts=update.ts, text=update.text, blocks=update.blocks)
            return update.ts
        except SlackApiError as exc:
            if error_code(exc) not in MESSAGE_GONE:
                raise
            log.warning("progress message %s is gone (%s); posting a new one", update.ts, error_code(exc))
    response = client.chat_postMessage(channel=update.channel, text=update.text, blocks=update.blocks)
    return str(response["ts"])


class SlackChat:
    """Slack as the chat a request answers to."""

    def announce(self, request: CancelRequest, outcome: CancelOutcome, at: datetime) -> ReportResult:
        """Post the cancel's outcome as a new channel message, and nothing else (the pointer is `point`). When the
        bot may not post in the channel, the full message goes to the response_url instead, saying how to fix that:
        either way one post, so a re-run can only repeat the post that was in flight."""
        from slack_sdk.errors import SlackApiError

        from slack_app.web import SlackTransientError, error_code, is_transient, retry_after_s, web_client

        slack = request.slack
        if slack is None:
            return ReportResult()
        report = render_cancel_report(target=request.target, requester=request.requester, outcome=outcome, at=at)
        client = web_client(get_settings())
        try:
            response = client.chat_postMessage(channel=slack.channel_id, **report.to_kwargs())
        except SlackApiError as exc:
            code = error_code(exc)
            if code in NO_CHANNEL_ACCESS and slack.response_url:
                sent = _post_response_url(slack.response_url, render_without_channel_access(report, slack.channel_id))
                return ReportResult(None, "response_url" if sent else None, code)
            if is_transient(exc) or retry_after_s(exc) is not None:
                raise SlackTransientError(f"Slack chat.postMessage failed: {code}") from None
            log.warning("Slack refused the cancel report: %s", code)
            return ReportResult(None, None, code)
        return ReportResult(str(response["ts"]), "channel", pointer_pending=bool(slack.response_url))

    def point(self, place: SlackTarget) -> bool:
        """Replace the person's ephemeral reply with a pointer to the channel message."""
        if not place.response_url:
            return False
        return _post_response_url(place.response_url, render_channel_pointer(place.channel_id))

    def render_progress(self, view: ProgressView) -> Rendering:
        rendered = render_progress(view)
        return Rendering(rendered.text, rendered.blocks)

    def thread_reply(self, view: ProgressView, previous_status: str | None) -> str:
        return thread_reply(view, previous_status)

    def update(self, update: ChatUpdate) -> ChatResult:
        """chat.update the progress message (posting it if there is none), then the thread reply if any. An edit is
        idempotent and may go with the thread reply, but when this call had to post a new main message it stops
        there and answers `thread_pending`, and the watcher asks again with the new ts."""
        from slack_sdk.errors import SlackApiError

        from slack_app.web import web_client

        client = web_client(get_settings())
        try:
            ts = _write_main_message(client, update)
        except SlackApiError as exc:
            return _refusal(exc, "chat.update")
        if not update.thread_text:
            return ChatResult(True, ts)
        if ts != update.ts:
            return ChatResult(True, ts, thread_pending=True)
        try:
            client.chat_postMessage(channel=update.channel, thread_ts=ts, text=update.thread_text)
        except SlackApiError as exc:
            refusal = _refusal(exc, "the thread reply")
            if refusal.rate_limited:
                return ChatResult(False, ts, refusal.retry_after_s, refusal.error)
            # The main message is current; a reply Slack refuses for good must not switch Slack off for the watch.
            return ChatResult(True, ts, error=refusal.error)
        return ChatResult(True, ts)

    def ask_approval(self, request: CancelRequest, approval: ApprovalRecord) -> ReportResult:
        """Post the approval request in the request's channel (one post). Transient failures are raised for the
        activity's retry; a channel the bot cannot post in is the result (nobody can approve: the request is closed
        at once), and the requester is told so on the response_url, with how to fix it."""
        from slack_sdk.errors import SlackApiError

        from slack_app.web import SlackTransientError, error_code, is_transient, retry_after_s, web_client

        if request.slack is None:
            return ReportResult(slack_error="no_channel")
        slack = request.slack
        body = render_approval(request, approval)
        try:
            response = web_client(get_settings()).chat_postMessage(channel=slack.channel_id, **body.to_kwargs())
        except SlackApiError as exc:
            code = error_code(exc)
            if is_transient(exc) or retry_after_s(exc) is not None:
                raise SlackTransientError(f"Slack chat.postMessage failed: {code}") from None
            log.warning("Slack refused the approval request: %s", code)
            if code in NO_CHANNEL_ACCESS and slack.response_url:  # the requester is told, and the request closes
                note = render_approval_not_posted(request, slack.channel_id, code)
                # A message of its own: Confirm's answer ("the first of 2 approvals") races it on this same reply.
                told = _post_response_url(slack.response_url, note, replace_original=False)
                return ReportResult(None, "response_url" if told else None, code)
            return ReportResult(slack_error=code)
        return ReportResult(str(response["ts"]), "channel")

    def show_approval(self, request: CancelRequest, approval: ApprovalRecord, message_ts: str) -> ChatResult:
        from slack_sdk.errors import SlackApiError

        from slack_app.web import web_client

        if request.slack is None:
            return ChatResult(False, error="no_channel")
        body = render_approval(request, approval)
        try:
            web_client(get_settings()).chat_update(
                channel=request.slack.channel_id, ts=message_ts, text=body.text, blocks=list(body.blocks)
            )
        except SlackApiError as exc:
            return _refusal(exc, "chat.update of the approval request")
        return ChatResult(True, message_ts)


CHAT = SlackChat()
