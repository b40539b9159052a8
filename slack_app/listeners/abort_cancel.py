"""Never mind: the confirmation is replaced by who abandoned it; nothing was or will be sent."""

from __future__ import annotations

from slack_app import replies
from slack_app.listeners.frame import Click


def abort_cancel(click: Click) -> None:
    ticket = click.ticket()
    click.attempt.record("none", "abandoned")
    message = replies.abandoned_message(ticket.publisher_id, ticket.offer_id, click.attempt.who.user_id)
    click.say(message, replace_original=True)
