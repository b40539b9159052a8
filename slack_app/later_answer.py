"""The durable follow-up's work: read the offer without Slack's 3-second limit and post the answer after the
"Looking up…" ack through the command's response_url (see `slack_app.later` for the contract and Slack's
response_url rules: a slash command's ack cannot be replaced, so the answer is a second ephemeral message).

Runs inside an activity (`cancel_function.slack_later`), so it may block: the read is the target's backend's with
the API's own timeouts and retries (on this thread: nothing is left running when the activity returns) and the answer is
rendered by the very functions the inline path uses (`listeners.lookup.render`), so a confirmation delivered here
carries the ticket made at the ack and works exactly like an inline one. One post per run; a failure Slack may
recover from is raised, so the orchestration's retry tries once more (well inside the 5 posts Slack allows).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk.webhook import WebhookClient

from backends.base import Look
from backends.http import errors
from backends.registry import backend_for
from cppcancel.settings import Settings
from slack_app import later
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.listeners import lookup
from slack_app.response_urls import usable_response_url
from slack_app.runtime import runtime
from slack_app.web import WEB_API_TIMEOUT_S, SlackTransientError

log = logging.getLogger(__name__)


def answer_later(settings: Settings, request: later.LaterRequest, *, now: float | None = None) -> dict[str, Any]:
    """Read, render, post. Returns `{"posted": bool, "reason"?: str}`; raises SlackTransientError to be retried."""
    rt = runtime(settings)
    attempt = Attempt(rt.audit, request.kind, ref=request.ref, caller=request.caller)
    ticket = request.ticket
    attempt.on_offer(request.publisher_id, request.offer_id, ticket.request_id if ticket else None)
    if _foreign(settings, request):
        attempt.record("allowed", "failed", reason="the command's response_url is not Slack's: nothing was posted")
        return {"posted": False, "reason": "foreign_response_url"}
    if not later.response_url_usable(request.sent_at, time.time() if now is None else now):
        attempt.record("allowed", "expired", reason="the command's response_url expired before the answer was ready")
        return {"posted": False, "reason": "response_url_expired"}
    ask = lookup.Ask(request.kind, request.command, request.response_url, request.target, ticket)
    found: Look | errors.ApiError
    try:
        found = backend_for(request.target).look(settings, request.target)
    except errors.ApiError as exc:
        found = exc
    message = lookup.render(rt, attempt, ask, found)
    return post(request.response_url, message, ref=request.ref)


def _foreign(settings: Settings, request: later.LaterRequest) -> bool:
    """The request's response_url is not Slack's (`slack_app.response_urls`): checked again, it is durable input."""
    return usable_response_url(request.response_url, settings.slack_api_base_url) is None


def post(url: str, message: Message, *, ref: str) -> dict[str, Any]:
    """Post the answer as the next ephemeral message. No `replace_original`: on a slash command's response_url Slack
    ignores it (the ack stays), and asking for it would only pretend otherwise."""
    try:
        response = WebhookClient(url, timeout=WEB_API_TIMEOUT_S).send(
            text=message.text, blocks=list(message.blocks), response_type="ephemeral"
        )
    except Exception as exc:  # connection refused, timeout: Slack may take the next try
        log.warning("the answer of ref %s did not reach the response_url: %s", ref, type(exc).__name__)
        raise SlackTransientError(f"response_url post failed: {type(exc).__name__}") from None
    if response.status_code >= 500 or response.status_code == 429:
        raise SlackTransientError(f"response_url post answered HTTP {response.status_code}")
    if response.status_code != 200:
        log.warning("the answer of ref %s was refused by the response_url: HTTP %s", ref, response.status_code)
        return {"posted": False, "reason": f"http_{response.status_code}"}
    return {"posted": True}
