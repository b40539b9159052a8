"""The Cancel… button of `/cpp ops` (an offer's in-flight publish, or a registered job): prepare a confirmation of its
target, for whoever clicked - answered inline, within the click's deadline."""

from __future__ import annotations

from slack_app.actions import OfferRef
from slack_app.listeners import lookup, targets
from slack_app.listeners.confirmation import new_ticket
from slack_app.listeners.frame import Click


def open_cancel(click: Click) -> None:
    target = OfferRef.from_value(click.value).target
    click.attempt.on_offer(target.publisher_id, target.offer_id)
    refusal = click.refusal() or targets.refusal(click.rt, click.attempt, target)
    if refusal is not None:
        click.say(refusal, replace_original=False)
        return
    ask = lookup.Ask("cancel", "/cpp", None, target, new_ticket(click.attempt, target))
    found = lookup.read(click.rt, ask, click.attempt.deadline)
    click.say(lookup.render(click.rt, click.attempt, ask, found), replace_original=False)
