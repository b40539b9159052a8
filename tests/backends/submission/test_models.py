"""Products, submissions, workflow details and pages: the documented shapes, any capitalisation, unknown values
kept, and a JSON round trip (how a submission crosses the durable boundary)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.submission.models import Page, Product, State, Submission, Substate, WorkflowDetail

# The recorded traffic of Microsoft's CLI extension and navcontainerhelper's documented example.
PRODUCT = {
    "resourceType": "AzureApplication",
    "name": "bobjennytest",
    "externalIDs": [{"type": "AzureOfferId", "value": "bobjennytest"}],
    "isModularPublishing": True,
    "id": "8faa69e0-0de3-4c4e-ad7e-617ac7f6591b",
}
SUBMISSION = {
    "resourceType": "Submission",
    "state": "Published",
    "substate": "InStore",
    "targets": [{"type": "Scope", "value": "Preview"}],
    "resources": [{"type": "Availability", "value": "4b8c7499-1cb3-acf6-9b5b-c45d2a7040e2"}],
    "publishedTimeInUtc": "2022-08-04T13:53:31.2590809Z",
    "pendingUpdateInfo": {"updateType": "Create", "status": "Completed"},
    "releaseNumber": 28,
    "friendlyName": "Submission 28",
    "areResourcesReady": True,
    "id": "1152921505695125040",
}
WORKFLOW = {
    "type": "Push",
    "state": "Success",
    "targetEnvironment": "Preview",
    "workflowSteps": [
        {"name": "Validation", "state": "Success", "startDateTimeInUtc": "2022-08-04T10:37:37.4038218"},
        {"name": "Certification", "state": "InProgress"},
    ],
    "startDateTimeInUtc": "2022-08-04T10:37:37.4038218",
    "completeDateTimeInUtc": "2022-08-04T10:51:26.8132496",
}


def test_the_recorded_product_parses() -> None:
    product = Product.from_json(PRODUCT)
    assert (product.id, product.resource_type, product.name) == (PRODUCT["id"], "AzureApplication", "bobjennytest")
    assert product.offer_ids == ("bobjennytest",) and product.is_offer("BobJennyTest")
    assert not product.is_offer("bobjennytest2")
    assert product.extra == {"isModularPublishing": True}
    assert Product.from_json(product.to_json()) == product


def test_only_offer_id_external_ids_name_the_offer() -> None:
    product = Product.from_json(
        PRODUCT
        | {"externalIDs": [{"type": "StoreID", "value": "9nblggh"}, {"type": "AZUREOFFERID", "value": "app"}, "junk"]}
    )
    assert product.offer_ids == ("app",) and not product.is_offer("9nblggh")


def test_the_documented_submission_parses() -> None:
    submission = Submission.from_json(SUBMISSION)
    assert (submission.state, submission.substate) == (State.PUBLISHED, Substate.IN_STORE)
    assert (submission.words, submission.target_words, submission.title) == (
        "Published (InStore)",
        "Preview",
        "Submission 28",
    )
    assert submission.release_number == 28 and submission.are_resources_ready is True
    assert submission.pending_update is not None and submission.pending_update.status == "Completed"
    assert submission.extra["resources"] == SUBMISSION["resources"]


@pytest.mark.parametrize(
    ("state", "substate", "expected"),
    [
        ("InProgress", "Submitted", (State.IN_PROGRESS, Substate.SUBMITTED)),
        ("inprogress", "readytopublish", (State.IN_PROGRESS, Substate.READY_TO_PUBLISH)),
        ("IN_PROGRESS", "Failed_In_Certification", (State.IN_PROGRESS, Substate.FAILED_IN_CERTIFICATION)),
        ("PUBLISHED", "inStore", (State.PUBLISHED, Substate.IN_STORE)),
    ],
)
def test_state_and_substate_in_any_capitalisation(state: str, substate: str, expected: tuple[State, Substate]) -> None:
    submission = Submission.from_json({"id": "1", "state": state, "substate": substate})
    assert (submission.state, submission.substate) == expected
    assert submission.words == f"{state} ({substate})", "the API's own words are shown, as sent"


def test_unknown_values_are_kept_verbatim() -> None:
    submission = Submission.from_json({"id": 7, "state": "Cancelled", "substate": "Withdrawn", "releaseNumber": "3"})
    assert (submission.id, submission.state, submission.substate) == ("7", State.UNKNOWN, Substate.UNKNOWN)
    assert submission.words == "Cancelled (Withdrawn)" and submission.release_number == 3
    assert Submission.from_json({"id": "8"}).words == "no state" and Submission.from_json({"id": "8"}).title == (
        "submission 8"
    )


@pytest.mark.parametrize("body", [[], "x", None, {"state": "InProgress"}, {"id": ""}])
def test_what_is_not_a_submission_is_refused(body: Any) -> None:
    with pytest.raises(ValueError, match="submission"):
        Submission.from_json(body)


def test_a_workflow_detail_and_its_steps() -> None:
    detail = WorkflowDetail.from_json(WORKFLOW)
    assert (detail.type, detail.state, detail.target_environment) == ("Push", "Success", "Preview")
    assert [(s.name, s.state) for s in detail.steps] == [("Validation", "Success"), ("Certification", "InProgress")]
    assert detail.steps[0].started_at == "2022-08-04T10:37:37.4038218" and detail.steps[1].completed_at is None
    assert WorkflowDetail.from_json(detail.to_json()) == detail


@pytest.mark.parametrize(
    ("body", "items", "link"),
    [
        ({"value": [PRODUCT]}, 1, None),
        ({"nextLink": "v1.0/ingestion/products?$skipToken=eyJ", "value": [PRODUCT, 3]}, 1, "v1.0/ingestion/products"),
        ({"@odata.nextLink": "https://api.partner.microsoft.com/v1.0/ingestion/products?$skipToken=x"}, 0, "https"),
        ({"value": [], "nextLink": ""}, 0, None),
    ],
)
def test_a_page_and_its_next_link_in_either_spelling(body: dict[str, Any], items: int, link: str | None) -> None:
    page = Page.from_json(body)
    assert len(page.items) == items
    assert (page.next_link or "").startswith(link or "") and (page.next_link is None) == (link is None)


def test_a_page_whose_value_is_not_a_list_is_refused() -> None:
    with pytest.raises(ValueError, match="not a list"):
        Page.from_json({"value": {"id": "1"}})


_words = st.text(st.characters(codec="utf-8"), max_size=20)
_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), _words)
_submission_body = st.fixed_dictionaries(
    {"id": st.from_regex(r"[0-9]{1,19}", fullmatch=True)},
    optional={
        "state": st.one_of(st.sampled_from([s.value for s in State]), _json_scalar),
        "substate": st.one_of(st.sampled_from([s.value for s in Substate]), _json_scalar),
        "targets": st.lists(st.one_of(st.fixed_dictionaries({"type": _words, "value": _words}), _json_scalar)),
        "releaseNumber": _json_scalar,
        "friendlyName": _json_scalar,
        "pendingUpdateInfo": st.one_of(st.fixed_dictionaries({}, optional={"status": _words}), _json_scalar),
        "areResourcesReady": _json_scalar,
        "publishOption": st.dictionaries(_words, _json_scalar, max_size=3),
    },
)


@given(_submission_body)
def test_any_submission_survives_its_json_round_trip(body: dict[str, Any]) -> None:
    submission = Submission.from_json(body)
    assert Submission.from_json(submission.to_json()) == submission


_keys = st.one_of(
    st.sampled_from(["id", "state", "substate", "value", "workflowSteps", "externalIDs", "nextLink"]), _words
)


@given(st.dictionaries(_keys, _json_scalar | st.lists(_json_scalar, max_size=3), max_size=8))
def test_any_object_is_read_or_refused_with_a_value_error(body: dict[str, Any]) -> None:
    detail = WorkflowDetail.from_json(body)  # no field of a workflow detail is required
    assert WorkflowDetail.from_json(detail.to_json()) == detail
    has_id = isinstance(body.get("id"), str | int | float) and not isinstance(body.get("id"), bool) and body["id"] != ""
    for parse in (Product.from_json, Submission.from_json):
        if has_id:
            assert parse(body).id == str(body["id"])
        else:
            with pytest.raises(ValueError, match="no id"):
                parse(body)
