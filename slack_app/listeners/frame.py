"""The frame every button shares: ack at once, read who clicked, run the listener, turn surprises into a ref.

Bolt's listener middleware runs before a listener but cannot wrap it (its `next()` only lets the chain continue),
so the frame is a plain wrapper: `click_listener(rt, action, listener)` is the function Bolt calls, with the
arguments Bolt injects; the listener itself takes only the `Click`. A value that is not one this app
wrote answers "This button is no longer valid"; anything else unexpected answers "Something went wrong (ref ...)"
with the ref in the log. Both are audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext, Respond

from slack_app import replies
from slack_app.actions import CancelTicket, InvalidValue
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.durable_port import ACK_CLOCK_KEY, CONTEXT_KEY
from slack_app.payload import Caller, action_value, response_url
from slack_app.response_urls import usable_response_url
from slack_app.runtime import Runtime

if TYPE_CHECKING:
    from cppcancel.start_cancel import CancelStarter, DurableClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Click:
    """One click, as a listener works on it: its attempt, the button's raw value, how to answer, and the shared
    runtime (policy, CPP client)."""

    rt: Runtime
    attempt: Attempt
    value: object
    response_url: str | None
    respond: Respond
    durable_client: DurableClient | None

    @property
    def durable(self) -> DurableClient:
        """The invocation's durable client (the HTTP trigger always passes one; a missing one is a bug)."""
        if self.durable_client is None:
            raise RuntimeError("no durable client on this request")
        return self.durable_client

    @property
    def cancels(self) -> CancelStarter:
        """The start-the-cancel-once service (`cppcancel.start_cancel`) over the same client (imported here: only
        Confirm needs it, and a slash command's cold start then does not load it)."""
        from cppcancel.start_cancel import CancelStarter

        return CancelStarter(self.durable)

    def refusal(self) -> Message | None:
        """The policy's answer for whoever clicked (never whoever typed the command): None when allowed."""
        return self.rt.refusal(self.attempt)

    def ticket(self) -> CancelTicket:
        """The confirmation the button carries (validated again), named on the attempt for its audit record."""
        ticket = CancelTicket.from_value(self.value)
        self.attempt.on_offer(ticket.publisher_id, ticket.offer_id, ticket.request_id)
        return ticket

    def say(self, message: Message, *, replace_original: bool) -> None:
        """Answer through response_url; a failure is logged, never raised (the click itself has been handled). A
        payload whose response_url is not Slack's (`slack_app.response_urls`) gets no answer at all."""
        if self.response_url is None:
            log.warning("no answer to the click (ref %s): its response_url is missing or not Slack's", self.attempt.ref)
            return
        try:
            response = self.respond(**message.to_kwargs(), response_type="ephemeral", replace_original=replace_original)
        except Exception as exc:
            log.warning("response_url post failed: %s", type(exc).__name__)
            return
        if response.status_code >= 400:
            log.warning("response_url post answered HTTP %s", response.status_code)


ClickHandler = Callable[[Click], None]
BoltClickListener = Callable[[Ack, dict[str, Any], Respond, BoltContext], None]


def run_click(action: str, handler: ClickHandler, click: Click, body: dict[str, Any]) -> None:
    """Run one listener inside the frame: who clicked first, then the listener; errors become audited answers."""
    attempt = click.attempt
    try:
        attempt.caller = Caller.from_action(body)
        handler(click)
    except InvalidValue as exc:
        attempt.record("none", "invalid", reason=str(exc))
        click.say(replies.invalid_button_message(attempt.ref), replace_original=False)
    except Exception:
        log.exception("%s failed (ref %s)", action, attempt.ref)
        attempt.record("none", "error", reason="unexpected error")
        click.say(replies.unexpected_error_message(attempt.ref), replace_original=False)


def click_listener(rt: Runtime, action: str, handler: ClickHandler) -> BoltClickListener:
    """The Bolt listener for `action`: acks before anything else (Slack's 3 s), then runs `handler` in the frame."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        durable = context.get(CONTEXT_KEY)
        attempt = rt.attempt(action).timed_by(context.get(ACK_CLOCK_KEY))
        url = usable_response_url(response_url(body), rt.settings.slack_api_base_url)
        click = Click(rt, attempt, action_value(body), url, respond, durable)
        run_click(action, handler, click, body)

    listener.__name__ = f"on_{action}"
    return listener
