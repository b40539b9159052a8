"""The Cancel… button of `/cpp ops`: prepare a confirmation for the offer, for whoever clicked."""

from __future__ import annotations

from slack_app.actions import OfferRef
from slack_app.listeners.confirmation import confirmation
from slack_app.listeners.frame import Click
from slack_app.listeners.job_command import job_confirmation


def open_cancel(click: Click) -> None:
    """The button names an offer (a CPP publish) or, for a registered configure job, the job too."""
    offer = OfferRef.from_value(click.value)
    click.attempt.on_offer(offer.publisher_id, offer.offer_id)
    refusal = click.refusal()
    if refusal is None and offer.target.item:
        click.say(job_confirmation(click.rt, click.attempt, offer.target.item), replace_original=False)
        return
    click.say(refusal or confirmation(click.rt, click.attempt, ()), replace_original=False)
