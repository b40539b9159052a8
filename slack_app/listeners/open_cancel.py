"""The Cancel… button of `/cpp ops`: prepare a confirmation for the offer, for whoever clicked."""

from __future__ import annotations

from slack_app.actions import OfferRef
from slack_app.listeners.confirmation import confirmation
from slack_app.listeners.frame import Click


def open_cancel(click: Click) -> None:
    offer = OfferRef.from_value(click.value)
    click.attempt.on_offer(offer.publisher_id, offer.offer_id)
    refusal = click.refusal()
    click.say(refusal or confirmation(click.rt, click.attempt, ()), replace_original=False)
