"""What a target demands of a person beyond the policy on the offer they named, and what naming an offer alone means.

- `refusal`: the target's own rule, asked of its backend (`Backend.refusal`): a configure job is acted on only under
  the offer it is registered for, and an unregistered one only by a caller a policy rule trusts to name its offer -
  for `job=`, a bare `/cpp cancel`, the Cancel… button and Confirm (for whoever clicks). Audited when refused.
- `bare_cancel`: `/cpp cancel <publisher> <offer>` names the offer alone: the one target its APIs' records know to
  be running (a registered job, an Azure Application's in-progress submission), a question when there are several (a
  Cancel… button each), "nothing to cancel" when the API that owns the offer lists nothing in flight, the offer's
  own target (its publish) when no API claims it. `notify=` means the offer's publish (a job's cancel sends no
  e-mail), and so does a picked target that turns out to have ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from backends.base import Asker, Running
from backends.http import errors
from backends.registry import backend_for, every_backend
from cppcancel.targets import Target
from slack_app import replies, target_replies
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.runtime import Runtime

log = logging.getLogger(__name__)


def refusal(rt: Runtime, attempt: Attempt, target: Target, *, cancel: bool = True) -> Message | None:
    """The target's own check for the attempt's caller (audited when refused): None when it may go on."""
    is_member, is_entra_member = rt.group_lookups()  # the chat's own lookups (Teams' runtime answers Entra groups)
    asker = Asker(rt.policy, attempt.who.subject, is_member=is_member, is_entra_member=is_entra_member, cancel=cancel)
    refused = backend_for(target).refusal(rt.settings, target, asker)
    if refused is None:
        return None
    if refused.unverified:
        attempt.record("allowed", "failed", reason=f"{target.words}: the app's record could not be read")
        return target_replies.unverified_message(refused.message, attempt.ref)
    attempt.record("refused", "refused", reason=f"{refused.code}: {target.words}")
    return replies.refusal_message(refused.message, attempt.ref)


def _in_flight(rt: Runtime, p: str, o: str) -> tuple[list[Running], list[str]]:
    """What the offer's APIs know to be running (an API that claims the offer says so itself: `offer_claim`, read
    once), and the APIs that own the offer and have nothing in flight."""
    running: list[Running] = []
    idle: list[str] = []
    for backend in every_backend():
        try:
            claimed = backend.offer_claim(rt.settings, p, o)
        except errors.ApiError as exc:
            log.warning("%s could not say what %s/%s has in flight: %s", backend.service, p, o, exc.describe())
            continue
        if claimed == []:
            idle.append(backend.service)
        running.extend(claimed if claimed is not None else backend.running(rt.settings, p, o))
    return running, idle


def bare_cancel(
    rt: Runtime, attempt: Attempt, notify: tuple[str, ...], confirm: Callable[[Target, bool], Message]
) -> Message:
    """`/cpp cancel <publisher> <offer>`: `confirm(target, may_fall_back)` for the target it means (see the module
    docstring), or which one, when several run."""
    p, o = attempt.offer
    running, idle = ([], []) if notify else _in_flight(rt, p, o)
    if not running and idle:  # an API that owns the offer lists nothing to cancel: said, not guessed at
        attempt.record("allowed", "shown", reason=f"nothing in flight on {idle[0]}")
        return target_replies.nothing_in_flight_message(p, o, idle[0], attempt.ref)
    if len(running) > 1:
        attempt.record("allowed", "shown", reason=f"{len(running)} registered targets running: asked which")
        return target_replies.which_message(p, o, running, attempt.ref)
    if running:
        return confirm(running[0].target, True)
    return confirm(attempt.offer_target, False)
