"""The Bolt app: one listener per slash command and button, each authorized, answered within 3 seconds, and audited.

Shape of every listener (`slack_app.listeners`): work out who is asking (from the signed payload, never from a
button value), parse, check the policy, do the one thing, answer, write one audit record (`slack_app.attempt`).
Slash commands answer in the ack body (ephemeral); clicks ack at once and answer through `respond` (the payload's
response_url). `app.error` is the last resort, for what escapes a listener's own frame.

Built once per Settings object (`build_app`), so cold start and tests stay cheap. The durable client reaches the
listeners through the request context (`slack_app.durable_port`), because it belongs to one function invocation.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from cppcancel.settings import Settings
from slack_app.actions import (
    ABORT_CANCEL,
    APPROVE_CANCEL,
    CONFIRM_CANCEL,
    OPEN_CANCEL,
    STOP_WATCHING,
    WITHDRAW_CANCEL,
)
from slack_app.listeners import command, frame
from slack_app.payload import first_action, text_field
from slack_app.runtime import runtime
from slack_app.web import web_client

log = logging.getLogger(__name__)

# Each button's listener as "module:function", imported on its first click: a slash command's first answer on a cold
# worker then loads none of the buttons' code (the start-once service, the cancel request, the watcher's event).
CLICKS: dict[str, str] = {
    CONFIRM_CANCEL: "slack_app.listeners.confirm_cancel:confirm_cancel",
    ABORT_CANCEL: "slack_app.listeners.abort_cancel:abort_cancel",
    OPEN_CANCEL: "slack_app.listeners.open_cancel:open_cancel",
    STOP_WATCHING: "slack_app.listeners.stop_watching:stop_watching",
    APPROVE_CANCEL: "slack_app.listeners.approve_cancel:approve_cancel",
    WITHDRAW_CANCEL: "slack_app.listeners.approve_cancel:withdraw_cancel",
}


def _on_first_click(path: str) -> frame.ClickHandler:
    """The listener at `path`, imported when a click first needs it (an import error is that click's error)."""
    module, _, name = path.partition(":")

    def handler(click: frame.Click) -> None:
        listener: frame.ClickHandler = getattr(importlib.import_module(module), name)
        listener(click)

    handler.__name__ = name
    return handler


def _ssl_check(body: dict[str, Any], next_: Callable[[], BoltResponse]) -> BoltResponse:
    """Slack's periodic ssl_check, answered only after the signature check (Bolt's built-in one runs before it)."""
    if body.get("ssl_check") == "1":
        return BoltResponse(status=200, body="")
    return next_()


def _last_resort(error: Exception) -> None:
    """What escaped a listener's frame (the frame itself failed): logged; Bolt answers 500."""
    log.error("unhandled error in a Slack listener: %s", type(error).__name__, exc_info=error)


def _ignore(ack: Ack, body: dict[str, Any]) -> None:
    """Buttons this app does not handle (a link button, an old message): acknowledge, do nothing."""
    ack()
    log.info("ignored action %s", text_field(first_action(body).get("action_id")))


@functools.lru_cache(maxsize=4)
def build_app(settings: Settings) -> App:
    """The Bolt app for these settings. Requires the signing secret and the bot token (the caller checks)."""
    if not settings.slack_signing_secret or not settings.slack_bot_token:
        raise ValueError("SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are required")
    rt = runtime(settings)
    bot_token = settings.slack_bot_token

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test round trip to Slack on the first request of every worker
        # (Bolt's single-team default), which would cost cold starts time and fail them when Slack is slow.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token, user_id=user_id)

    app = App(
        name="cppcancel",
        signing_secret=settings.slack_signing_secret,
        authorize=authorize,
        client=web_client(settings),  # the configured base URL and retry handlers; it carries the same token
        process_before_response=True,
        token_verification_enabled=False,
        ssl_check_enabled=False,
        url_verification_enabled=False,
    )
    app.use(_ssl_check)
    app.error(_last_resort)

    @app.command(re.compile(r".*"))
    def on_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        command.answer(rt, ack, body, context)

    for action, path in CLICKS.items():
        app.action(action)(frame.click_listener(rt, action, _on_first_click(path)))
    app.action(re.compile(r".*"))(_ignore)
    return app
