"""Which submissions may be cancelled (only InProgress, decided from what was read), what "too late" says, and what the
watcher sees when it reads the submissions again after a cancel."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.submission.decisions import (
    DO_NOT_PROMOTE,
    PROMOTED,
    TOO_LATE,
    Phase,
    cancel_verdict,
    current_workflow,
    is_cancellable_product,
    watch_view,
)
from backends.submission.models import State, Submission, Substate, WorkflowDetail, WorkflowStep

PAST_CERTIFICATION = ("ReadyToPublish", "Publishing", "Published", "InStore")


def _submission(state: str | None, substate: str | None, submission_id: str = "1152921505695125040") -> Submission:
    body = {"id": submission_id, "state": state, "substate": substate, "releaseNumber": 29}
    return Submission.from_json({k: v for k, v in body.items() if v is not None})


@pytest.mark.parametrize("substate", ["InDraft", "Submitted", "Failed", "FailedInCertification", None, "Validating"])
def test_an_in_progress_submission_is_cancellable(substate: str | None) -> None:
    verdict = cancel_verdict(_submission("InProgress", substate))
    assert verdict.cancellable and not verdict.too_late and verdict.advice is None
    assert "release 29" in verdict.reason


@pytest.mark.parametrize("state", ["Published", "InProgress"])
@pytest.mark.parametrize("substate", PAST_CERTIFICATION)
def test_past_certification_is_too_late_whatever_the_state_says(state: str, substate: str) -> None:
    verdict = cancel_verdict(_submission(state, substate))
    assert not verdict.cancellable and verdict.too_late
    assert TOO_LATE in verdict.reason and f"{state} ({substate})" in verdict.reason


def test_ready_to_publish_says_not_to_promote_and_publishing_that_it_was_promoted() -> None:
    ready = cancel_verdict(_submission("Published", "ReadyToPublish"))
    assert ready.advice == DO_NOT_PROMOTE and ready.words.endswith(DO_NOT_PROMOTE)
    assert "promotes it" in DO_NOT_PROMOTE
    assert cancel_verdict(_submission("Published", "Publishing")).advice == PROMOTED
    assert cancel_verdict(_submission("Published", "InStore")).advice is None


@pytest.mark.parametrize(("state", "shown"), [("Cancelled", "Cancelled"), (None, "no state"), ("", "no state")])
def test_any_other_state_is_not_cancellable_and_says_what_the_api_reported(state: str | None, shown: str) -> None:
    verdict = cancel_verdict(_submission(state, None))
    assert not verdict.cancellable and not verdict.too_late
    assert f"the API reports {shown}" in verdict.reason and "Nothing was sent" in verdict.reason


_any_word = st.one_of(
    st.none(), st.text(max_size=15), st.sampled_from([*PAST_CERTIFICATION, "InProgress", "inprogress"])
)


@given(_any_word, _any_word)
def test_cancellable_only_when_in_progress_and_not_past_certification(state: str | None, substate: str | None) -> None:
    submission = _submission(state, substate)
    passed = submission.state is State.PUBLISHED or submission.substate.value in PAST_CERTIFICATION
    assert cancel_verdict(submission).cancellable == (submission.state is State.IN_PROGRESS and not passed)
    assert cancel_verdict(submission).too_late == passed


@pytest.mark.parametrize(
    ("resource_type", "expected"),
    [("AzureApplication", True), ("azureapplication", True), ("AzureContainer", False), (None, False), ("", False)],
)
def test_only_azure_application_products_are_cancelled_here(resource_type: str | None, expected: bool) -> None:
    assert is_cancellable_product(resource_type) is expected


def test_the_watch_ends_when_the_submission_is_no_longer_listed() -> None:
    others = [_submission("Published", "InStore", "1")]
    view = watch_view("2", others, delete_confirmed=True)
    assert (view.phase, view.ended) == (Phase.GONE, True)
    assert view.words == "submission 2 is no longer listed (the DELETE answered 204)"
    assert watch_view("2", [], delete_confirmed=False).words == "submission 2 is no longer listed"


@pytest.mark.parametrize(
    ("state", "substate", "confirmed", "phase"),
    [
        ("InProgress", "Submitted", True, Phase.IN_FLIGHT),
        ("InProgress", "InDraft", True, Phase.BACK_IN_DRAFT),
        ("InProgress", "InDraft", False, Phase.IN_FLIGHT),
        ("InProgress", "FailedInCertification", True, Phase.FAILED),
        ("Published", "ReadyToPublish", True, Phase.PASSED_CERTIFICATION),
        ("Published", "Whatever", False, Phase.PASSED_CERTIFICATION),
        ("Withdrawn", None, True, Phase.UNKNOWN),
    ],
)
def test_what_the_watcher_sees_in_a_fresh_read(state: str, substate: str | None, confirmed: bool, phase: Phase) -> None:
    view = watch_view("9", [_submission(state, substate, "9")], delete_confirmed=confirmed)
    assert view.phase is phase
    assert view.ended == (phase not in (Phase.IN_FLIGHT, Phase.UNKNOWN))
    assert view.words == _submission(state, substate).words


def test_the_view_shows_the_steps_of_the_workflow_under_way() -> None:
    done = WorkflowDetail("Push", "Success", "Preview", (WorkflowStep("Validation", "Success"),), "t0", "t1")
    running = WorkflowDetail("Push", "InProgress", "Live", (WorkflowStep("Certification", "InProgress"),), "t2")
    assert current_workflow([done, running]) is running and current_workflow([done]) is done
    assert current_workflow([]) is None
    view = watch_view("9", [_submission("InProgress", "Submitted", "9")], [done, running], delete_confirmed=False)
    assert [s.words for s in view.steps] == ["Certification: InProgress"]
    assert Substate.SUBMITTED.value in view.words
