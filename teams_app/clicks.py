"""Clicks on the bot's cards (`Action.Execute`, an `adaptiveCard/action` invoke), answered in the same HTTP request
with the card the clicker sees next.

Each verb is checked for whoever sent it - `refresh.userIds` only tells Teams whom to ask for a refresh, and
anyone can send any verb with any data, so nothing here trusts the card:

- `refreshCancel` (the confirmation's refresh, for the asker): the confirmation read again, with **Confirm cancel**
  and **Never mind** - only when the policy allows the person, the confirmation is fresh and nothing was requested
  under it yet; otherwise the card says why.
- `confirmCancel`: the Slack front end's Confirm (`slack_app.listeners.confirm_cancel.confirm`: the policy again,
  for the clicker; the ticket's freshness; the one start-once service) with a Teams request: source `teams`, the
  conversation's address, the confirmation card's ID to point at the announcement, `chat: teams`. Twenty clicks,
  one orchestration; two confirmations of one offer, one cancel (the record and lock).
- `abortCancel`, `openCancel` (ops' Cancel…), `stopWatch`: the Slack listeners themselves.
- `approveCancel`, `withdrawCancel` (a two-person request's card, `teams_app.chat_port`): the Slack listeners of
  `slack_app.listeners.approve_cancel` themselves - the request read from the app's record, the very rule it was
  granted under checked again for the clicker, self-approval told apart by the Teams user (`teams:<Entra ID>`), each
  change applied by the record and announced to the waiting cancel orchestration. Twenty clicks, one approval.
The listeners speak through `Click.say`; `TeamsClick` keeps what they said, and the last message becomes the card.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cppcancel.contracts import CancelRequest, SlackTarget, cancel_instance_id
from cppcancel.start_cancel import AlreadyRequested, DurableClient
from cppcancel.times import iso
from slack_app import replies
from slack_app.actions import CancelTicket, InvalidValue
from slack_app.blockkit import Message
from slack_app.listeners import lookup, targets
from slack_app.listeners.abort_cancel import abort_cancel
from slack_app.listeners.approve_cancel import approve_cancel, withdraw_cancel
from slack_app.listeners.confirm_cancel import confirm, fresh
from slack_app.listeners.frame import Click
from slack_app.listeners.open_cancel import open_cancel
from slack_app.listeners.stop_watching import stop_watching
from teams_app import cards
from teams_app.cards import Card, teams_words
from teams_app.commands import SLASH
from teams_app.turn import TeamsAttempt, TeamsCaller, TeamsRuntime
from teams_app.verbs import (
    ABORT_CANCEL,
    APPROVE_CANCEL,
    CONFIRM_CANCEL,
    OPEN_CANCEL,
    REFRESH_CANCEL,
    STOP_WATCH,
    WITHDRAW_CANCEL,
)

log = logging.getLogger(__name__)

CONFIRM_BUTTONS: cards.ButtonMap = {
    "confirm_cancel": cards.value_button(CONFIRM_CANCEL),
    "abort_cancel": cards.value_button(ABORT_CANCEL),
    "open_cancel": cards.value_button(OPEN_CANCEL),
    "stop_watching": cards.value_button(STOP_WATCH),
}


def _no_answer(**_: Any) -> Any:
    raise AssertionError("a Teams click answers through TeamsClick.say")


@dataclass(frozen=True)
class TeamsClick(Click):
    """A click whose answers are kept (`said`), to be the invoke's card, instead of posted to a response_url."""

    card_id: str | None = None  # the clicked card's activity ID (the invoke's replyToId)
    said: list[Message] = field(default_factory=list)

    def say(self, message: Message, *, replace_original: bool) -> None:
        self.said.append(message)

    @property
    def caller(self) -> TeamsCaller:
        attempt = self.attempt
        assert isinstance(attempt, TeamsAttempt)
        return attempt.teams


def _teams_request(click: Click, ticket: CancelTicket, at: datetime) -> CancelRequest:
    """The cancel orchestration's input for a Teams Confirm: it answers in the clicked card's conversation."""
    assert isinstance(click, TeamsClick)
    caller = click.caller
    place = SlackTarget(caller.address.to_text(), response_url=click.card_id) if caller.address else None
    return CancelRequest(
        request_id=ticket.request_id,
        source="teams",
        target=ticket.target,
        requester=caller.requester(),
        correlation_id=click.attempt.ref,
        requested_at=iso(at, "seconds"),
        notification_emails=ticket.notify,
        slack=place,
        chat="teams",
    )


def confirm_cancel(click: Click) -> None:
    confirm(click, _teams_request, "teams")


def refresh_cancel(click: Click) -> None:
    """The asker's version of a confirmation (see the module docstring)."""
    ticket = click.ticket()
    existing = click.cancels.find(cancel_instance_id("teams", ticket.request_id))
    if isinstance(existing, AlreadyRequested):
        click.attempt.record("allowed", "already_requested")
        p, o = click.attempt.offer
        click.say(replies.already_requested_message(p, o, existing.by_user_id, existing.at), replace_original=True)
        return
    refusal = click.refusal() or targets.refusal(click.rt, click.attempt, ticket.target)
    if refusal is not None:
        click.say(refusal, replace_original=True)
        return
    if not fresh(ticket):
        p, o = click.attempt.offer
        click.attempt.record("allowed", "expired", reason=f"confirmation shown at {ticket.asked_at}")
        click.say(replies.expired_confirmation_message(p, o, ticket.asked_at), replace_original=True)
        return
    ask = lookup.Ask("cancel", SLASH, None, ticket.target, ticket)
    found = lookup.read(click.rt, ask, click.attempt.deadline)
    click.say(lookup.render(click.rt, click.attempt, ask, found), replace_original=True)


VERBS: Mapping[str, tuple[str, Callable[[Click], None]]] = {
    REFRESH_CANCEL: ("refresh_cancel", refresh_cancel),
    CONFIRM_CANCEL: ("confirm_cancel", confirm_cancel),
    ABORT_CANCEL: ("abort_cancel", abort_cancel),
    OPEN_CANCEL: ("open_cancel", open_cancel),
    STOP_WATCH: ("stop_watching", stop_watching),
    APPROVE_CANCEL: ("approve_cancel", approve_cancel),
    WITHDRAW_CANCEL: ("withdraw_cancel", withdraw_cancel),
}


def _card(click: TeamsClick, verb: str) -> Card:
    message = click.said[-1] if click.said else replies.invalid_button_message(click.attempt.ref)
    card = cards.to_card(
        teams_words(message), names={click.caller.user_id: click.caller.display}, buttons=CONFIRM_BUTTONS
    )
    offers_confirm = any(a.get("verb") == CONFIRM_CANCEL for a in card.get("actions", ()))
    if verb == REFRESH_CANCEL and offers_confirm:  # stays the asker's live version
        users = [click.caller.teams_user_id] if click.caller.teams_user_id else []
        card = cards.with_refresh(card, REFRESH_CANCEL, {"value": click.value}, users)
    return card


def answer(
    rt: TeamsRuntime,
    caller: TeamsCaller | None,
    verb: str,
    data: Mapping[str, Any],
    durable: DurableClient | None,
    card_id: str | None,
) -> Card:
    """The card for one click (audited: one record per click, as every attempt leaves)."""
    name, handler = VERBS.get(verb, ("card_action", None))
    attempt = rt.attempt(name)
    if caller is None:
        attempt.record("none", "invalid", reason="the activity names no Entra user")
        return cards.to_card(teams_words(replies.nameless_command_message(attempt.ref)))
    attempt.caller = caller
    if handler is None:
        attempt.record("none", "invalid", reason="an action this app never put on a card")
        return cards.to_card(teams_words(replies.invalid_button_message(attempt.ref)))
    click = TeamsClick(rt, attempt, data.get("value"), None, _no_answer, durable, card_id)  # type: ignore[arg-type]
    try:
        handler(click)
    except InvalidValue as exc:
        attempt.record("none", "invalid", reason=str(exc))
        click.said.append(replies.invalid_button_message(attempt.ref))
    except Exception:
        log.exception("%s failed (ref %s)", verb, attempt.ref)
        attempt.record("none", "error", reason="unexpected error")
        click.said.append(replies.unexpected_error_message(attempt.ref))
    return _card(click, verb)
