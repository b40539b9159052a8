"""Stop watching: end a watcher's updates (the cancel itself carries on), for whoever is allowed on its offer.

The button says which watcher and offer; the watcher's own input says which offer it really follows, and the policy
is checked against that - a crafted value naming another offer's watcher is refused. Fails closed: a watcher whose
input cannot be read is not stopped.
"""

from __future__ import annotations

import logging

from cppcancel.contracts import STOP_WATCH_EVENT, WatchRequest
from slack_app import replies
from slack_app.actions import InvalidValue, StopWatch
from slack_app.listeners.frame import Click

log = logging.getLogger(__name__)


def stop_watching(click: Click) -> None:
    stop = StopWatch.from_value(click.value)
    attempt = click.attempt
    p, o = attempt.on_offer(stop.publisher_id, stop.offer_id)
    existing = click.durable.status(stop.instance_id)
    if existing is not None:
        try:  # authorize against what the watcher really watches, not only what the button says
            watched = WatchRequest.from_json(existing.input_json())
        except (KeyError, TypeError, ValueError):
            raise InvalidValue("the watcher's own request cannot be read") from None  # fail closed
        if (watched.publisher_id, watched.offer_id) != (p, o):
            raise InvalidValue("the button's offer is not the one this watcher follows")
    refusal = click.refusal()
    if refusal is not None:
        click.say(refusal, replace_original=False)
        return
    if existing is None or existing.is_finished or not _delivered(click, stop):
        attempt.record("allowed", "not_running")
        click.say(replies.watch_gone_message(p, o), replace_original=False)
        return
    attempt.record("allowed", "stopped")
    click.say(replies.stopped_watching_message(p, o), replace_original=False)


def _delivered(click: Click, stop: StopWatch) -> bool:
    """Raise the stop event; False when the watcher finished between the status read and now (404/410)."""
    caller = click.attempt.who
    data = {"userId": caller.user_id, "display": caller.display}
    try:
        click.durable.raise_event(stop.instance_id, STOP_WATCH_EVENT, data)
    except Exception as exc:
        log.info("stop event for %s not delivered (ref %s): %s", stop.instance_id, click.attempt.ref, exc)
        return False
    return True
