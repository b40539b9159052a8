"""The pure decisions about a submission: may it be cancelled, why not, and what a watcher sees after a cancel.

The rules, from the sources and nothing else:
- **Only `state == InProgress` may be cancelled.** Microsoft's own client (navcontainerhelper's
  Cancel-AppSourceSubmission, "aka. press the Cancel publish link") sends the DELETE only then and refuses otherwise;
  the swagger: "only inprogress Submission can be deleted". The decision is made from the submission as it was read
  just before (`cancel_verdict(submission)`), never from what a caller claims.
- **Past certification is too late.** `Published` (substates `ReadyToPublish`, `Publishing`, `Published`) and
  `InStore` get no DELETE: "too late to cancel; it has passed certification". A substate from that list wins over
  an `InProgress` state (a contradiction no source explains is not a reason to send a DELETE). For `ReadyToPublish`
  nothing goes live until someone promotes it (`POST .../promote`), so the safe action is not to promote; after a
  promote, Microsoft's note says it cannot be cancelled until it is live.
- Any other state (unknown, or missing) is not cancellable either, and says what the API reported.

`watch_view` is what the watcher shows after a DELETE: the API has no operation to follow, so the outcome is read
from the submissions list again. What a 204 leaves behind is not documented (the submission gone, or still listed),
so the view says what it sees, and only the app's own record (`delete_confirmed`: the DELETE answered 204) makes an
`InDraft` submission count as "back in draft".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from backends.submission.models import State, Submission, Substate, WorkflowDetail

TOO_LATE = "too late to cancel; it has passed certification"
DO_NOT_PROMOTE = (
    "Nothing goes live until someone promotes it, so the safe action is not to promote it "
    "(and not to let a pipeline promote it)."
)
PROMOTED = "A promoted submission cannot be cancelled or submitted again until it is live."
TOO_LATE_SUBSTATES = frozenset({Substate.READY_TO_PUBLISH, Substate.PUBLISHING, Substate.PUBLISHED, Substate.IN_STORE})
FAILED_SUBSTATES = frozenset({Substate.FAILED, Substate.FAILED_IN_CERTIFICATION})
# What the app cancels through this API: Azure Application offers (managed applications, solution templates). The
# same /products list holds other kinds (containers, VMs, SaaS), published through other APIs.
CANCELLABLE_RESOURCE_TYPES = frozenset({"azureapplication"})


@dataclass(frozen=True)
class CancelVerdict:
    """Whether the DELETE may be sent, in words for the person who asked."""

    cancellable: bool
    reason: str
    too_late: bool = False
    advice: str | None = None

    @property
    def words(self) -> str:
        return f"{self.reason} {self.advice}" if self.advice else self.reason


def cancel_verdict(submission: Submission) -> CancelVerdict:
    """Decide from the submission as just read. Too late when it has passed certification; cancellable only when
    InProgress; anything else refused with the API's own words."""
    name = f"{submission.title} ({submission.words})"
    if submission.state is State.PUBLISHED or submission.substate in TOO_LATE_SUBSTATES:
        advice = None
        if submission.substate is Substate.READY_TO_PUBLISH:
            advice = DO_NOT_PROMOTE
        elif submission.substate is Substate.PUBLISHING:
            advice = PROMOTED
        return CancelVerdict(False, f"{name}: {TOO_LATE}.", too_late=True, advice=advice)
    if submission.state is State.IN_PROGRESS:
        return CancelVerdict(True, f"{name} is in progress and can be cancelled.")
    return CancelVerdict(
        False,
        f"{name}: only an InProgress submission can be cancelled, and the API reports "
        f"{submission.raw_state or 'no state'}. Nothing was sent.",
    )


def is_cancellable_product(resource_type: str | None) -> bool:
    """Only Azure Application products are cancelled through this API (the issue's scope; the CLI's delete too)."""
    return (resource_type or "").lower() in CANCELLABLE_RESOURCE_TYPES


class Phase(StrEnum):
    """Where a submission is, in the watcher's words (not the API's)."""

    IN_FLIGHT = "in flight"
    GONE = "gone"  # no longer listed
    BACK_IN_DRAFT = "back in draft"  # still listed as InDraft after a 204
    FAILED = "failed"
    PASSED_CERTIFICATION = "passed certification"
    UNKNOWN = "unknown"


_ENDED = frozenset({Phase.GONE, Phase.BACK_IN_DRAFT, Phase.FAILED, Phase.PASSED_CERTIFICATION})


@dataclass(frozen=True)
class StepView:
    name: str
    state: str

    @property
    def words(self) -> str:
        return f"{self.name}: {self.state}"


@dataclass(frozen=True)
class WatchView:
    """What the watcher shows: a phase, the API's own words, the steps of the workflow under way, and whether the
    watch may end."""

    phase: Phase
    words: str
    steps: tuple[StepView, ...] = ()

    @property
    def ended(self) -> bool:
        return self.phase in _ENDED


def _phase(listed: Submission | None, delete_confirmed: bool) -> Phase:
    if listed is None:
        return Phase.GONE
    if listed.state is State.PUBLISHED or listed.substate in TOO_LATE_SUBSTATES:
        return Phase.PASSED_CERTIFICATION
    if listed.substate in FAILED_SUBSTATES:
        return Phase.FAILED
    if listed.state is State.IN_PROGRESS:
        return Phase.BACK_IN_DRAFT if delete_confirmed and listed.substate is Substate.IN_DRAFT else Phase.IN_FLIGHT
    return Phase.UNKNOWN


def current_workflow(details: Sequence[WorkflowDetail]) -> WorkflowDetail | None:
    """The workflow under way: the last one without a completion time, else the last one."""
    open_ones = [d for d in details if d.completed_at is None]
    candidates = open_ones or list(details)
    return candidates[-1] if candidates else None


def watch_view(
    submission_id: str,
    submissions: Sequence[Submission],
    details: Sequence[WorkflowDetail] = (),
    *,
    delete_confirmed: bool,
) -> WatchView:
    """The view of `submission_id` in a fresh read of the product's submissions (and its workflow details, if read)."""
    listed = next((s for s in submissions if s.id == submission_id), None)
    phase = _phase(listed, delete_confirmed)
    if listed is None:
        words = f"submission {submission_id} is no longer listed"
        return WatchView(phase, words + (" (the DELETE answered 204)" if delete_confirmed else ""))
    workflow = current_workflow(details)
    steps = tuple(StepView(s.name, s.state or "no state") for s in (workflow.steps if workflow else ()))
    return WatchView(phase, listed.words, steps)
