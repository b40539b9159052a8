"""`@cpp ops|status|cancel|history|help …` in Teams: the same commands, answered with the same words, as cards.

The text (the bot's @mention stripped by the handler) goes through the Slack front end's own command logic
(`slack_app.listeners.command.reply`: the one grammar, `slack_app.grammar`; the policy for the Teams caller; the
reads of every API; the confirmation tickets; the history from the app's record), with the Teams attempt and
runtime (`teams_app.turn`), and the answer is rendered as an Adaptive Card (`teams_app.cards`). Blocking (the
reads, Graph): the handler runs it off the Teams loop.

A confirmation is posted to the conversation, so everyone there sees it: the version everyone sees has **no**
buttons, and a `refresh` naming the asker; Teams asks the bot for the asker's own version (`refreshCancel`, answered
by `teams_app.clicks`), which has Confirm for someone the policy allows - checked again on every click.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_app import replies
from slack_app.blockkit import Message
from slack_app.listeners import command
from teams_app import cards
from teams_app.cards import Card, teams_words
from teams_app.turn import TeamsCaller, TeamsRuntime
from teams_app.verbs import OPEN_CANCEL, REFRESH_CANCEL

log = logging.getLogger(__name__)

SLASH = "/cpp"
# The Slack buttons each command answer may carry, as Teams actions (a confirmation's are handled apart).
COMMAND_BUTTONS: cards.ButtonMap = {"open_cancel": cards.value_button(OPEN_CANCEL)}


@dataclass(frozen=True)
class CommandAnswer:
    """The card to post, and - for a confirmation - the ticket its refresh carries."""

    card: Card
    ticket: str | None = None


def confirm_value(message: Message) -> str | None:
    """The ticket of a confirmation's Confirm button, if `message` is a confirmation."""
    for found in message.blocks:
        for element in found.get("elements") or ():
            if isinstance(element, dict) and element.get("action_id") == "confirm_cancel":
                value = element.get("value")
                return value if isinstance(value, str) else None
    return None


def shared_confirmation(message: Message, caller: TeamsCaller, ticket: str) -> Card:
    """The confirmation as everyone in the conversation sees it: no buttons; refreshed for the asker."""
    card = cards.without_actions(cards.to_card(teams_words(message), names={caller.user_id: caller.display}))
    note = f"Only {caller.display} can confirm this, and only while the policy allows them."
    card = cards.with_note(card, note)
    users = [caller.teams_user_id] if caller.teams_user_id else []
    return cards.with_refresh(card, REFRESH_CANCEL, {"value": ticket}, users)


def answer(rt: TeamsRuntime, caller: TeamsCaller | None, text: str) -> CommandAnswer:
    """The answer to one command (audited, as every attempt is)."""
    attempt = rt.attempt("command")
    if caller is None:
        attempt.record("none", "invalid", reason="the activity names no Entra user")
        return CommandAnswer(cards.to_card(teams_words(replies.nameless_command_message(attempt.ref))))
    attempt.caller = caller
    try:
        message = command.reply(rt, attempt, {"command": SLASH, "text": text})
    except Exception:
        log.exception("Teams command failed (ref %s)", attempt.ref)
        attempt.record("none", "error", reason="unexpected error")
        message = replies.unexpected_error_message(attempt.ref)
    ticket = confirm_value(message)
    if ticket is not None:
        return CommandAnswer(shared_confirmation(message, caller, ticket), ticket)
    names = {caller.user_id: caller.display}
    return CommandAnswer(cards.to_card(teams_words(message), names=names, buttons=COMMAND_BUTTONS))
