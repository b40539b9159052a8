"""The submission backend's reads, turned into the app's neutral values: an offer's submissions in flight
(`in_flight`), one submission with its workflow as an `Operation` (`read_one`), and a watcher's read of a cancelled
submission (`follow`). Imported when a read runs (it loads the HTTP client), never on a chat's ack path otherwise.

The DELETE has no operation to follow, so what a cancel's watcher follows is the submission's own URL,
`{base}/products/{productId}/submissions/{submissionId}`, with `?deleteAnswered=204` when this app's DELETE was
answered 204 (`follow_url`): the watcher's instance ID ignores the query, so a re-run that must not send again
(`to_follow`, without it) finds the same watcher. The query only ever tells `follow` what the app's own record
knows - that an `InDraft` submission seen after it is "back in draft" (`decisions.watch_view`); nothing is sent to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from backends.base import Look, PollResult, Running
from backends.http import errors
from backends.http.operation import Operation, OperationStatus, Step, normalize_step_status
from backends.submission import decisions, urls
from backends.submission.client import SubmissionClient
from backends.submission.models import State, Submission, Substate, WorkflowDetail
from backends.submission.words import SERVICE, SUBMISSION_KIND, WORDS_KEY
from cppcancel.targets import SubmissionTarget

DELETE_ANSWERED = "deleteAnswered"
_STEP_WORDS = {"success": "complete", "succeeded": "complete", "notstarted": "notStarted"}
_PHASE_STATUS = {
    decisions.Phase.IN_FLIGHT: OperationStatus.RUNNING,
    decisions.Phase.GONE: OperationStatus.CANCELED,
    decisions.Phase.BACK_IN_DRAFT: OperationStatus.CANCELED,
    decisions.Phase.FAILED: OperationStatus.FAILED,
    decisions.Phase.PASSED_CERTIFICATION: OperationStatus.FAILED,
    decisions.Phase.UNKNOWN: OperationStatus.UNKNOWN,
}


def follow_url(base_url: str, product_id: str, submission_id: str, *, delete_answered: bool) -> str:
    url = urls.submission_url(base_url, product_id, submission_id)
    return f"{url}?{DELETE_ANSWERED}=204" if delete_answered else url


def _steps(details: Sequence[WorkflowDetail]) -> tuple[Step, ...]:
    workflow = decisions.current_workflow(details)
    steps = []
    for step in workflow.steps if workflow else ():
        raw = step.state or "unknown"
        status = normalize_step_status(_STEP_WORDS.get(raw.lower(), raw))
        steps.append(Step(None, step.name, status, raw))
    return tuple(steps)


def as_operation(
    submission: Submission, details: Sequence[WorkflowDetail], status: OperationStatus, error: str | None = None
) -> Operation:
    """A submission as the neutral `Operation` every chat and the watcher render: the status the app decided, and
    the API's own words (`InProgress (Submitted)`) beside it, which `words.submission_words` shows."""
    extra: dict[str, Any] = {WORDS_KEY: submission.words, "releaseNumber": submission.release_number}
    extra["targets"] = submission.target_words
    extra["title"] = submission.title
    return Operation(
        id=submission.id,
        status=status,
        raw_status=status.value,  # what the watcher reads back from JSON; the API's own words are in `extra`
        submission_type=SUBMISSION_KIND,
        steps=_steps(details),
        error=error,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def find(client: SubmissionClient, publisher_id: str, offer_id: str) -> tuple[str, list[Submission]] | None:
    """The offer's product ID and its submissions; None when the account has no product for the offer."""
    product = client.find_product(publisher_id, offer_id)
    if product is None or not decisions.is_cancellable_product(product.resource_type):
        return None
    return product.id, client.list_submissions(product.id)


def read_one(client: SubmissionClient, target: SubmissionTarget) -> Look:
    """The submission named, its steps, and whether it may still be cancelled (NotFound when it is not listed)."""
    found = find(client, target.publisher_id, target.offer_id)
    if found is None:
        raise errors.NotFound(
            f"{SERVICE.capitalize()} has no Azure Application offer {target.offer_id}.", service=SERVICE
        )
    product_id, submissions = found
    submission = next((s for s in submissions if s.id == target.submission_id), None)
    if submission is None:
        raise errors.NotFound(
            f"{SERVICE.capitalize()} lists no submission {target.submission_id} of offer {target.offer_id}.",
            service=SERVICE,
        )
    verdict = decisions.cancel_verdict(submission)
    details = client.workflow_details(product_id, submission.id) if submission.state is State.IN_PROGRESS else []
    status = OperationStatus.RUNNING if verdict.cancellable else OperationStatus.UNKNOWN
    operation = as_operation(submission, details, status)
    if verdict.cancellable:
        return Look(operation)
    return Look(operation, ended=True, refusal=verdict.words)


def _in_flight(submission: Submission) -> bool:
    """Shown by `/cpp ops`: in progress, or past certification and not yet live (too late, said so)."""
    return submission.state is State.IN_PROGRESS or submission.substate in decisions.TOO_LATE_SUBSTATES - {
        Substate.PUBLISHED,
        Substate.IN_STORE,
    }


def in_flight(client: SubmissionClient, publisher_id: str, offer_id: str) -> list[Running] | None:
    """The offer's submissions in flight, newest release first: each a target, its words, and - when it may no longer
    be cancelled - why (no Cancel… button is offered then). None when the account has no such Azure Application."""
    found = find(client, publisher_id, offer_id)
    if found is None:
        return None
    shown = sorted((s for s in found[1] if _in_flight(s)), key=lambda s: s.release_number or 0, reverse=True)
    running = []
    for submission in shown:
        verdict = decisions.cancel_verdict(submission)
        detail = f"{submission.title} · {submission.words}" + (
            f" · to {submission.target_words}" if submission.target_words else ""
        )
        target = SubmissionTarget(publisher_id, offer_id, submission.id)
        running.append(Running(target, "", "", detail=detail, refusal=None if verdict.cancellable else verdict.words))
    return running


def _ids(base_url: str, url: str) -> tuple[str, str, bool]:
    """The product and submission a followed URL names, and whether this app's DELETE was answered 204."""
    urls.ensure_api_url(base_url, url)
    tail = urlsplit(url).path[len(urlsplit(base_url).path.rstrip("/")) :].split("/")[1:]
    if len(tail) != 4 or tail[0] != "products" or tail[2] != "submissions":
        raise errors.UnsafeUrl(f"{url[:120]!r} is not a submission of {SERVICE}.")
    answered = parse_qs(urlsplit(url).query).get(DELETE_ANSWERED) == ["204"]
    return urls.validate_resource_id("product", tail[1]), urls.validate_resource_id("submission", tail[3]), answered


def follow(client: SubmissionClient, data: Mapping[str, Any]) -> PollResult:
    """One watcher read: the product's submissions again (and the submission's workflow while it is listed)."""
    try:
        product_id, submission_id, answered = _ids(client.base_url, str(data.get("operationUrl") or ""))
        submissions = client.list_submissions(product_id)
        listed = next((s for s in submissions if s.id == submission_id), None)
        details = client.workflow_details(product_id, submission_id) if listed is not None else []
    except errors.ApiError as exc:
        return PollResult(False, error=exc.error_info(), retry_after_s=exc.retry_after_s)
    view = decisions.watch_view(submission_id, submissions, details, delete_confirmed=answered)
    status = _PHASE_STATUS[view.phase]
    error = None
    if view.phase is decisions.Phase.PASSED_CERTIFICATION:
        error = f"{view.words}: {decisions.TOO_LATE}."
    elif view.phase is decisions.Phase.FAILED:
        error = f"the submission ended {view.words}"
    shown = listed or Submission(submission_id, raw_state=view.words)
    return PollResult(True, as_operation(shown, details, status, error))
