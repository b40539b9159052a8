"""What a cancel webhook that names the offer alone (no `jobId`, no `submissionId`) cancels.

Each backend may claim the offer (`Backend.offer_claim`): an API that can list what is in flight and knows the offer
as its own - an Azure Application of a publisher this deployment serves, on the Partner Center submission API - says
what is in flight there. One cancellable target: that one is cancelled. None, or several: nothing is guessed - 409
with a code of its own (`nothing_in_flight`, `several_in_flight`) and the list, so the pipeline can name the one it
means. No claim: the offer's CPP publish, as always. An API that would know but cannot be read: 503, nothing sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backends.base import Running
from backends.http import errors
from backends.registry import every_backend, wording_for
from cppcancel.settings import Settings
from cppcancel.targets import Target, offer_target, target_json

NOTHING_IN_FLIGHT = "nothing_in_flight"
SEVERAL_IN_FLIGHT = "several_in_flight"
LOOKUP_FAILED = "lookup_failed"


@dataclass(frozen=True)
class Unresolved:
    """Why nothing was started: the HTTP status, a code, words, and what is in flight (each as the body names it)."""

    status: int
    code: str
    message: str
    listed: list[dict[str, Any]] = field(default_factory=list)


def _listed(running: Running) -> dict[str, Any]:
    item: dict[str, Any] = {**target_json(running.target), "state": running.detail}
    if running.refusal:
        item["notCancellable"] = running.refusal
    return item


def _claimed(target: Target, claimed: list[Running]) -> Target | Unresolved:
    cancellable = [known for known in claimed if known.refusal is None]
    if len(cancellable) == 1:
        return cancellable[0].target
    words = wording_for(target) if not claimed else wording_for(claimed[0].target)
    listed = [_listed(known) for known in claimed]
    if not cancellable:
        said = f"{words.service[:1].upper()}{words.service[1:]} has nothing of {target.offer} that can be cancelled"
        return Unresolved(409, NOTHING_IN_FLIGHT, f"{said}; nothing was cancelled.", listed)
    return Unresolved(
        409,
        SEVERAL_IN_FLIGHT,
        f"{len(cancellable)} {words.noun}s of {target.offer} are in flight on {words.service}: name the one to "
        "cancel; nothing was cancelled.",
        listed,
    )


def resolve(settings: Settings, target: Target, recorded: Target | None = None) -> Target | Unresolved:
    """`target` as named - or, for the offer alone, what its APIs say it means (see the module docstring).

    `recorded`: the target this delivery's cancel was started for, when it ran before (a retry of the same
    webhook-id). What the offer alone meant then is what the app recorded, not what the offer has in flight now -
    nothing, once that cancel went through - so a retry gets the first delivery's answer and no new lookup."""
    if target != offer_target(target.publisher_id, target.offer_id):
        return target
    if recorded is not None and (recorded.publisher_id, recorded.offer_id) == (target.publisher_id, target.offer_id):
        return recorded
    for backend in every_backend():
        try:
            claimed = backend.offer_claim(settings, target.publisher_id, target.offer_id)
        except errors.ApiError as exc:
            return Unresolved(
                503, LOOKUP_FAILED, f"What {target.offer} has in flight could not be read: {exc.describe()}"
            )
        if claimed is not None:
            return _claimed(target, claimed)
    return target
