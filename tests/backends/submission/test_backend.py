"""The submission backend through the `Backend` Protocol, against the stand-in over loopback HTTP: what it reads for
the chats, the one DELETE its sender sends (decided from the read just before, never repeated), and what a watcher
sees after it, whatever a 204 leaves behind."""

from __future__ import annotations

from typing import Any

import pytest

from backends.base import Asker
from backends.http.operation import OperationStatus
from backends.registry import backend_for
from backends.submission import reads
from cppcancel.contracts import CancelRequest, Requester
from cppcancel.policy import Subject, parse_policy
from cppcancel.sending import Failed, Sent
from cppcancel.settings import Settings
from cppcancel.submission_settings import SubmissionApiSettings
from cppcancel.targets import SubmissionTarget
from devhost.standins.submission import Product, SubmissionStandIn
from tests.backends.submission.conftest import OFFER, PUBLISHER

SUBMISSION = "1152921505695131000"
TARGET = SubmissionTarget(PUBLISHER, OFFER, SUBMISSION)
BACKEND = backend_for(TARGET)


def settings_for(api: SubmissionStandIn, publishers: tuple[str, ...] = (PUBLISHER,)) -> Settings:
    own = SubmissionApiSettings(base_url=api.base_url, access_token=api.token, publishers=publishers, max_retries=1)
    return Settings(submission_api=own)


def request() -> CancelRequest:
    return CancelRequest("r1", "webhook", TARGET, Requester("pipeline", caller="pipeline"), "c1", "2026-12-01T00:00Z")


@pytest.fixture
def product(submission_standin: SubmissionStandIn) -> Product:
    found = submission_standin.add_product(OFFER)
    submission_standin.add_submission(found.id, "1152921505695130999", state="Published", substate="InStore")
    submission_standin.add_submission(found.id, SUBMISSION, state="InProgress", substate="Submitted")
    return found


def _send(settings: Settings) -> Any:
    with BACKEND.sender(settings, TARGET) as sender:
        assert sender.reachable() is None
        return sender.post(request())


def test_the_offer_is_claimed_with_its_submission_in_flight(
    submission_standin: SubmissionStandIn, product: Product
) -> None:
    settings = settings_for(submission_standin)
    [running] = BACKEND.offer_claim(settings, PUBLISHER, OFFER) or []
    assert running.target == TARGET and running.refusal is None
    assert running.detail is not None and "InProgress (Submitted)" in running.detail
    assert BACKEND.offer_claim(settings, PUBLISHER, "another-offer") is None, "no product: not this API's offer"
    look = BACKEND.look(settings, TARGET)
    assert look.focus is not None and look.focus.status is OperationStatus.RUNNING and not look.ended
    assert [step.name for step in look.focus.steps][:2] == ["Automated validation", "Certification"]


def test_a_publisher_not_served_is_never_looked_up(submission_standin: SubmissionStandIn, product: Product) -> None:
    settings = settings_for(submission_standin, publishers=("fabrikam",))
    assert BACKEND.offer_claim(settings, PUBLISHER, OFFER) is None
    assert BACKEND.running(settings, PUBLISHER, OFFER) == []
    refused = BACKEND.refusal(settings, TARGET, Asker(None, Subject(caller="pipeline")))
    assert refused is not None and refused.code == "publisher_not_served"
    assert submission_standin.requests == []


def test_when_the_account_serves_several_publishers_the_caller_needs_the_offer_under_each(
    submission_standin: SubmissionStandIn,
) -> None:
    """The API never says whose an offer is: naming a publisher one is allowed on must not reach another's offer."""
    settings = settings_for(submission_standin, publishers=(PUBLISHER, "fabrikam"))
    only_contoso = parse_policy({"rules": [{"publishers": [PUBLISHER], "offers": ["*"], "users": ["U0ALICE"]}]})
    refused = BACKEND.refusal(settings, TARGET, Asker(only_contoso, Subject(user_id="U0ALICE")))
    assert refused is not None and refused.code == "publisher_unverified" and "fabrikam" in refused.message
    both = parse_policy({"rules": [{"publishers": [PUBLISHER, "fabrikam"], "offers": ["*"], "users": ["U0ALICE"]}]})
    assert BACKEND.refusal(settings, TARGET, Asker(both, Subject(user_id="U0ALICE"))) is None
    stricter = parse_policy(
        {
            "rules": [
                {"publishers": [PUBLISHER], "offers": ["*"], "users": ["U0ALICE"]},
                {"publishers": ["fabrikam"], "offers": ["*"], "users": ["U0ALICE", "U0BOB"], "approvals": 2},
            ]
        }
    )
    refused = BACKEND.refusal(settings, TARGET, Asker(stricter, Subject(user_id="U0ALICE")))
    assert refused is not None and refused.code == "publisher_unverified", "another publisher's two-person rule"
    one = settings_for(submission_standin)
    assert BACKEND.refusal(one, TARGET, Asker(only_contoso, Subject(user_id="U0ALICE"))) is None
    assert submission_standin.requests == [], "decided from the settings and the policy, nothing read"


def test_the_one_delete_is_sent_and_followed_until_gone(
    submission_standin: SubmissionStandIn, product: Product
) -> None:
    settings = settings_for(submission_standin)
    posted = _send(settings)
    assert isinstance(posted.result, Sent) and posted.result.status_code == 204
    assert posted.answer.outcome == "accepted" and posted.result.operation_url == posted.answer.operation_url
    assert submission_standin.deletes() == [f"/v1.0/ingestion/products/{product.id}/submissions/{SUBMISSION}"]
    poll = BACKEND.follow(settings, {"operationUrl": posted.result.operation_url})
    assert poll.ok and poll.operation is not None and poll.operation.status is OperationStatus.CANCELED


@pytest.mark.parametrize("after_delete", ["draft", "new-draft", "remove"])
def test_whatever_a_204_leaves_behind_the_watcher_ends(
    submission_standin: SubmissionStandIn, product: Product, after_delete: str
) -> None:
    """Still listed as InProgress/InDraft after this app's own 204 is "back in draft"; gone, or replaced by a new
    draft, is gone: either way the watch ends as cancelled."""
    submission_standin.set_faults(after_delete=after_delete)
    settings = settings_for(submission_standin)
    posted = _send(settings)
    poll = BACKEND.follow(settings, {"operationUrl": posted.result.operation_url})
    assert poll.ok and poll.operation is not None
    assert poll.operation.status is OperationStatus.CANCELED, (after_delete, poll.operation)
    assert BACKEND.to_follow(settings, TARGET) == posted.result.operation_url.split("?", 1)[0]


def test_a_delete_that_is_not_204_is_shown_with_the_apis_words_and_sent_once(
    submission_standin: SubmissionStandIn, product: Product
) -> None:
    settings = settings_for(submission_standin)
    with BACKEND.sender(settings, TARGET) as sender:
        assert sender.reachable() is None  # read: InProgress
        submission_standin.move(product.id, SUBMISSION, state="Published", substate="Publishing")  # then it moved on
        posted = sender.post(request())
    assert isinstance(posted.result, Failed) and posted.answer.outcome == "failed"
    assert "Only an InProgress submission can be deleted." in posted.result.message
    assert posted.result.status_code == 409
    assert len(submission_standin.deletes()) == 1, "never sent again"


def test_a_throttled_delete_is_never_retried(submission_standin: SubmissionStandIn, product: Product) -> None:
    settings = settings_for(submission_standin)
    with BACKEND.sender(settings, TARGET) as sender:
        assert sender.reachable() is None
        submission_standin.set_faults(throttle=3)
        posted = sender.post(request())
    assert isinstance(posted.result, Failed) and posted.result.status_code == 429
    assert "Request rate exceeds limit" in posted.result.message
    assert len(submission_standin.deletes()) == 1


def test_too_late_sends_nothing_and_says_why(submission_standin: SubmissionStandIn, product: Product) -> None:
    submission_standin.move(product.id, SUBMISSION, state="Published", substate="ReadyToPublish")
    settings = settings_for(submission_standin)
    look = BACKEND.look(settings, TARGET)
    assert look.ended and look.refusal is not None and "not to promote" in look.refusal
    posted = _send(settings)
    assert isinstance(posted.result, Failed) and "too late to cancel" in posted.result.message
    assert submission_standin.deletes() == []


def test_a_followed_url_is_checked_before_any_read(submission_standin: SubmissionStandIn) -> None:
    settings = settings_for(submission_standin)
    for url in (
        "https://elsewhere.example/v1.0/ingestion/products/p/submissions/s",
        f"{submission_standin.base_url}/products/p",
    ):
        poll = BACKEND.follow(settings, {"operationUrl": url})
        assert not poll.ok and poll.error.code == "unsafe_url", poll
    assert submission_standin.requests == []
    assert reads.follow_url("https://h/v1.0/ingestion", "p", "s", delete_answered=True).endswith("?deleteAnswered=204")
