"""The submission API client against the stand-in over loopback HTTP: finding an offer's product, every page of its
submissions (both link styles), a workflow, the one DELETE (204, refused, throttled, failed) and 429 on reads."""

from __future__ import annotations

import pytest

from backends.http import errors
from backends.submission.client import (
    Cancelled,
    NotCancellable,
    NotCancelled,
    PublisherNotServed,
    SubmissionClient,
    TooLate,
)
from backends.submission.models import Product, State, Substate
from devhost.standins.server import Reply, StandInRequest
from devhost.standins.submission import REFUSED, THROTTLED, SubmissionStandIn
from tests.backends.submission.conftest import OFFER, PRODUCT_ID, PUBLISHER, make_client


@pytest.fixture
def product(submission_standin: SubmissionStandIn) -> Product:
    return Product.from_json(submission_standin.add_product(OFFER, PRODUCT_ID).body())


def test_the_product_of_an_offer_is_found_by_its_offer_id(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    submission_standin.add_product("contoso-saas", resource_type="SoftwareAsAService")
    found = submission_client.find_product(PUBLISHER.upper(), OFFER)
    assert found == product and found.resource_type == "AzureApplication"
    assert submission_client.find_product(PUBLISHER, "contoso-unknown-offer") is None
    lookup = submission_standin.requests[0]
    assert lookup.query == {"$filter": f"externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq '{OFFER}')"}
    assert "$filter=externalIDs%2FAny%28i%3Ai%2Ftype%20eq%20%27AzureOfferId%27" in lookup.target


def test_a_publisher_this_deployment_does_not_serve_is_never_looked_up(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    for publisher in ("fabrikam", "contoso2", ""):
        with pytest.raises(PublisherNotServed, match="SUBMISSION_API_PUBLISHERS"):
            submission_client.find_product(publisher, OFFER)
    nobody = make_client(submission_standin, publishers=())  # the default: SUBMISSION_API_PUBLISHERS empty
    with pytest.raises(PublisherNotServed):
        nobody.find_product(PUBLISHER, OFFER)
    assert submission_standin.requests == []


def test_products_are_kept_only_when_they_name_the_offer_and_one_is_the_most(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient
) -> None:
    """The recorded next link drops the `$filter`: later pages list other offers' products, which are left out."""
    first = submission_standin.add_product(OFFER)
    other = submission_standin.add_product("contoso-other-app")
    second = submission_standin.add_product(OFFER)
    submission_standin.set_faults(page_size=1)
    with pytest.raises(errors.InvalidResponse, match="names 2 products") as ambiguous:
        submission_client.find_product(PUBLISHER, OFFER)
    assert first.id in ambiguous.value.message and second.id in ambiguous.value.message
    assert other.id not in ambiguous.value.message
    assert [r.query.get("$filter") is not None for r in submission_standin.requests] == [True, False, False]


@pytest.mark.parametrize("odata", [False, True])
def test_every_page_of_submissions_is_read_in_either_link_style(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product, odata: bool
) -> None:
    submission_standin.set_faults(odata_paging=odata)
    made = [submission_standin.add_submission(product.id, state="Published", substate="InStore") for _ in range(4)]
    made.append(submission_standin.add_submission(product.id, state="InProgress", substate="Submitted"))
    listed = submission_client.list_submissions(product.id)
    assert [s.id for s in listed] == [s.id for s in made]
    assert (listed[-1].state, listed[-1].substate, listed[-1].release_number) == (
        State.IN_PROGRESS,
        Substate.SUBMITTED,
        5,
    )
    assert len(submission_standin.requests) == 3 and all(
        r.token == submission_standin.token for r in submission_standin.requests
    )


def test_a_submission_and_its_workflow(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    made = submission_standin.add_submission(product.id, state="InProgress", substate="Submitted")
    submission = submission_client.get_submission(product.id, made.id)
    assert (submission.id, submission.words, submission.target_words) == (made.id, "InProgress (Submitted)", "Preview")
    details = submission_client.workflow_details(product.id, made.id)
    assert [(d.type, d.target_environment) for d in details] == [("Push", "Preview")]
    assert [(s.name, s.state) for s in details[0].steps][1] == ("Certification", "InProgress")
    with pytest.raises(errors.NotFound):
        submission_client.get_submission(product.id, "1152921505695999999")


def test_the_cancel_is_one_delete_answered_204(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    made = submission_standin.add_submission(product.id, state="InProgress", substate="Submitted")
    submission = submission_client.get_submission(product.id, made.id)
    answer = submission_client.cancel(product, submission)
    assert answer == Cancelled(product.id, made.id, 204, answer.request_id) and answer.request_id
    assert submission_standin.deletes() == [f"/v1.0/ingestion/products/{product.id}/submissions/{made.id}"]
    assert submission_client.list_submissions(product.id) == []
    assert submission_standin.product_deletes() == []


@pytest.mark.parametrize("refusal", [400, 405, 409, 422])
def test_any_other_answer_is_not_cancelled_with_the_apis_words_and_never_repeated(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product, refusal: int
) -> None:
    """The submission was InProgress when read, and promoted before the DELETE arrived: whatever code the refusal
    has (the sources do not say), it is "not cancelled", in the API's words."""
    submission_standin.set_faults(refusal_status=refusal)
    made = submission_standin.add_submission(product.id, state="InProgress", substate="Submitted")
    submission = submission_client.get_submission(product.id, made.id)
    submission_standin.move(product.id, made.id, "Published", "ReadyToPublish")
    with pytest.raises(NotCancelled) as refused:
        submission_client.cancel(product, submission)
    error = refused.value
    assert (error.status_code, error.outcome_unknown, error.transient) == (refusal, False, False)
    assert error.api_message is not None and REFUSED in error.api_message and error.api_code == f"ICH{50000 + refusal}"
    assert f"The Partner Center submission API said: {error.api_message}" in error.describe()
    assert len(submission_standin.deletes()) == 1


def test_a_throttled_delete_is_not_cancelled_and_not_repeated(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    made = submission_standin.add_submission(product.id, state="InProgress", substate="Submitted")
    submission = submission_client.get_submission(product.id, made.id)
    submission_standin.set_faults(throttle=1, retry_after="1")
    with pytest.raises(NotCancelled) as throttled:
        submission_client.cancel(product, submission)
    assert (throttled.value.status_code, throttled.value.transient, throttled.value.retry_after_s) == (429, True, 1.0)
    assert not throttled.value.outcome_unknown and THROTTLED in (throttled.value.api_message or "")
    assert len(submission_standin.deletes()) == 1 and submission_client.list_submissions(product.id)[0].id == made.id


class _FailingDeletes(SubmissionStandIn):
    def answer(self, request: StandInRequest) -> Reply:
        if request.method == "DELETE":
            return self.error_reply(503, "ServiceUnavailable", "The service is unavailable.")
        return super().answer(request)


def test_a_server_error_on_the_delete_leaves_the_outcome_unknown() -> None:
    with _FailingDeletes() as api:
        client = make_client(api)
        product = Product.from_json(api.add_product(OFFER).body())
        made = api.add_submission(product.id, state="InProgress", substate="Submitted")
        with pytest.raises(NotCancelled) as failed:
            client.cancel(product, client.get_submission(product.id, made.id))
        assert (
            failed.value.outcome_unknown
            and failed.value.transient
            and "read the submissions again" in str(failed.value)
        )
        assert len(api.deletes()) == 1, "a DELETE is never retried once it may have left"


@pytest.mark.parametrize(("state", "substate"), [("Published", "ReadyToPublish"), ("Published", "InStore")])
def test_too_late_sends_nothing(
    submission_standin: SubmissionStandIn,
    submission_client: SubmissionClient,
    product: Product,
    state: str,
    substate: str,
) -> None:
    made = submission_standin.add_submission(product.id, state=state, substate=substate)
    with pytest.raises(TooLate, match="too late to cancel; it has passed certification") as late:
        submission_client.cancel(product, submission_client.get_submission(product.id, made.id))
    assert late.value.verdict is not None and late.value.verdict.too_late
    assert submission_standin.deletes() == []


def test_a_product_that_is_not_an_azure_application_is_not_cancelled_here(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient
) -> None:
    saas = Product.from_json(submission_standin.add_product(OFFER, resource_type="SoftwareAsAService").body())
    made = submission_standin.add_submission(saas.id, state="InProgress", substate="Submitted")
    with pytest.raises(NotCancellable, match="Azure Application submissions only"):
        submission_client.cancel(saas, submission_client.get_submission(saas.id, made.id))
    assert submission_standin.deletes() == []


def test_429_without_retry_after_backs_off_and_reads_again(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    submission_standin.set_faults(throttle=2)
    assert submission_client.list_submissions(product.id) == []
    assert [r.path for r in submission_standin.requests] == [f"/v1.0/ingestion/products/{product.id}/submissions"] * 3


def test_429_with_retry_after_is_honoured_within_the_cap(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, product: Product
) -> None:
    submission_standin.set_faults(throttle=1, retry_after="1")
    assert submission_client.list_submissions(product.id) == [] and len(submission_standin.requests) == 2
    submission_standin.clear_requests()
    submission_standin.set_faults(throttle=1, retry_after="31")
    with pytest.raises(errors.Throttled) as waited:
        submission_client.list_submissions(product.id)
    assert waited.value.retry_after_s == 31.0 and len(submission_standin.requests) == 1, "not slept through"


def test_throttled_beyond_the_retries_says_so(submission_standin: SubmissionStandIn, product: Product) -> None:
    client = make_client(submission_standin, max_retries=1)
    submission_standin.set_faults(throttle=5)
    with pytest.raises(errors.Throttled) as throttled:
        client.list_submissions(product.id)
    assert throttled.value.transient and THROTTLED in (throttled.value.api_message or "")
    assert len(submission_standin.requests) == 2


def test_a_wrong_token_is_unauthorized_and_bare_error_strings_are_read(
    submission_standin: SubmissionStandIn, product: Product
) -> None:
    submission_standin.set_faults(error_style="bare")
    client = make_client(submission_standin, token="the-ingestion-token")
    with pytest.raises(errors.Unauthorized) as refused:
        client.list_submissions(product.id)
    assert refused.value.api_message == "Missing or invalid bearer token." and refused.value.api_code is None
    assert "Partner Portal" not in refused.value.describe()
