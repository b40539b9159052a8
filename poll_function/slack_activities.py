"""The watcher's Slack activity, `update_slack`: keep the progress message current, and reply in its thread.

Slack failures come in three kinds (`slack_app.web`), and each goes where it can be handled best:
- `ratelimited` (HTTP 429): slack_sdk's handler in `slack_app.web` waits out one Retry-After itself; a second one is
  returned as `retryAfterS` so that the orchestrator waits on a durable timer instead of blocking a worker.
- transient (5xx, Slack's internal errors, network errors): raised, so call_activity_with_retry tries again.
- permanent (channel gone, bot not in the channel, token revoked...): returned as a value; retrying cannot help.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cppcancel.settings import get_settings
from poll_function.payloads import SlackResult, SlackUpdate, load

if TYPE_CHECKING:  # slack_sdk is imported when the activity runs, not when the app is indexed (cold start)
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# chat.update cannot reach the message any more (deleted, or not ours): post a new one and follow that instead.
MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def _refusal(exc: SlackApiError, what: str) -> SlackResult:
    """Rate limit or permanent refusal as a value; transient failures raised for the activity retry."""
    from slack_app.web import SlackTransientError, error_code, is_transient, retry_after_s

    retry_after = retry_after_s(exc)
    if retry_after is not None:
        return SlackResult(False, retry_after_s=retry_after, error="ratelimited")
    if is_transient(exc):
        raise SlackTransientError(f"Slack {what} failed: {error_code(exc)}") from None
    log.warning("Slack refused %s: %s", what, error_code(exc))
    return SlackResult(False, error=error_code(exc))


def _write_main_message(client: WebClient, update: SlackUpdate) -> str:
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


def update_slack(payload: Any) -> dict[str, Any]:
    """chat.update the progress message (posting it if there is none), then the thread reply if any.

    Input `SlackUpdate` JSON; output `SlackResult` JSON. One Slack post per run: an edit is idempotent and may go
    with the thread reply, but when this call had to post a new main message it stops there and answers
    `thread_pending`, and the orchestrator asks again with the new ts. A run that dies in flight is re-run whole,
    so it may repeat only the one post it was making, never a post whose answer it already had.
    """
    from slack_sdk.errors import SlackApiError

    from slack_app.web import web_client

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
