"""The submission API stand-in speaks the documented shapes and the recorded quirks, and is never kinder: a token on
every call, relative next links that drop the `$filter`, errors as a string holding JSON, 429 without `Retry-After`,
DELETE 204 only for an InProgress submission. Its switches are off unless a test turns them on."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from backends.submission.error_body import parse_error_body
from devhost.standins.server import AUTH_INVALID, AUTH_VALID
from devhost.standins.submission import AFTER_DELETE, REFUSED, THROTTLED, SubmissionStandIn
from tests.devhost.conftest import Response, fetch

OFFER = "contoso-managed-app"


def _get(api: SubmissionStandIn, path_or_url: str, token: str | None = None) -> Response:
    url = path_or_url if path_or_url.startswith("http") else f"{api.base_url}/{path_or_url}"
    return fetch("GET", url, headers={"Authorization": f"Bearer {token or api.token}"})


def _by_offer(offer: str) -> str:
    """The documented lookup, spelled here rather than by the client, so that the stand-in is tested on its own."""
    return "products?$filter=" + quote(f"externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq '{offer}')")


def _delete(api: SubmissionStandIn, path: str) -> Response:
    return fetch("DELETE", f"{api.base_url}/{path}", headers={"Authorization": f"Bearer {api.token}"})


def _control(api: SubmissionStandIn, name: str, body: dict[str, Any]) -> Response:
    return fetch("POST", f"{api.origin}/_standin/{name}", json.dumps(body))


def test_every_call_needs_the_token_and_is_recorded_with_it(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    refused = fetch("GET", f"{api.base_url}/products")
    assert refused.status == 401
    error = parse_error_body(refused.body)
    assert error.code == "ICH50401" and error.message is not None and "bearer token" in error.message
    assert _get(api, "products", token="someone-elses").status == 401
    assert [(r.auth, r.token) for r in api.requests] == [("<absent>", None), (AUTH_INVALID, "someone-elses")]
    answered = _get(api, "products")
    assert answered.status == 200 and api.requests[-1].auth == AUTH_VALID
    assert answered.headers["request-id"] and refused.headers["request-id"] != answered.headers["request-id"]


def test_an_offer_is_found_by_the_documented_filter_and_no_other(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    product = api.add_product(OFFER)
    api.add_product("contoso-saas", resource_type="SoftwareAsAService")
    found = _get(api, _by_offer(OFFER))
    assert found.status == 200 and found.json() == {"value": [product.body()]}
    assert found.json()["value"][0]["externalIDs"] == [{"type": "AzureOfferId", "value": OFFER}]
    other = quote("resourceType eq 'AzureApplication'")
    assert _get(api, f"products?$filter={other}").status == 400


def test_pages_link_relatively_and_drop_the_filter_as_recorded(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    for index in range(3):
        api.add_product(OFFER if index == 2 else f"offer-{index}")
    first = _get(api, _by_offer("offer-0")).json()
    assert len(first["value"]) == 1 and "nextLink" not in first
    everything = _get(api, "products").json()
    link = everything["nextLink"]
    assert link.startswith("v1.0/ingestion/products?$skipToken=") and len(everything["value"]) == 2
    rest = _get(api, f"{api.origin}/{link}").json()
    assert [p["externalIDs"][0]["value"] for p in rest["value"]] == [OFFER] and "nextLink" not in rest
    assert _get(api, "products?$skipToken=not-a-token").status == 400


def test_odata_paging_per_product_or_for_everything(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    product = api.add_product(OFFER, odata_paging=True)
    for _ in range(3):
        api.add_submission(product.id, state="Published", substate="InStore")
    page = _get(api, f"products/{product.id}/submissions").json()
    assert page["@odata.nextLink"].startswith(f"{api.base_url}/products/{product.id}/submissions?$skipToken=")
    assert "nextLink" not in page
    assert len(_get(api, page["@odata.nextLink"]).json()["value"]) == 1
    api.add_product("contoso-other")
    api.add_product("contoso-third")
    api.set_faults(odata_paging=True)
    assert "@odata.nextLink" in _get(api, "products").json()


def test_submissions_in_every_state_and_their_workflow(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    product = api.add_product(OFFER)
    draft = api.add_submission(product.id, state="InProgress", substate="InDraft")
    running = api.add_submission(product.id, state="InProgress", substate="Submitted")
    assert (draft.release_number, running.release_number) == (1, 2) and draft.id != running.id
    body = _get(api, f"products/{product.id}/submissions/{running.id}").json()
    assert (body["state"], body["substate"], body["friendlyName"]) == ("InProgress", "Submitted", "Submission 2")
    assert _get(api, f"products/{product.id}/submissions/{draft.id}/workflowdetails").json() == {"value": []}
    workflow = _get(api, f"products/{product.id}/submissions/{running.id}/workflowdetails").json()["value"]
    assert [(s["name"], s["state"]) for s in workflow[0]["workflowSteps"]][:2] == [
        ("Automated validation", "Success"),
        ("Certification", "InProgress"),
    ]
    assert _get(api, f"products/{product.id}/submissions/999").status == 404


def test_a_submission_moves_only_when_told(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    product = api.add_product(OFFER)
    submission = api.add_submission(product.id, state="InProgress", substate="Submitted")
    seen = []
    for _ in range(5):
        api.move(product.id, submission.id)
        seen.append((submission.state, submission.substate))
    assert seen == [
        ("Published", "ReadyToPublish"),
        ("Published", "Publishing"),
        ("Published", "Published"),
        ("Published", "InStore"),
        ("Published", "InStore"),
    ]
    moved = _control(api, "move", {"productId": product.id, "submissionId": submission.id, "substate": "Failed"})
    assert moved.status == 200 and (moved.json()["state"], moved.json()["substate"]) == ("Published", "Failed")


def test_delete_is_204_only_in_progress_and_refused_otherwise(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    product = api.add_product(OFFER)
    live = api.add_submission(product.id, state="Published", substate="ReadyToPublish")
    running = api.add_submission(product.id, state="InProgress", substate="Submitted")
    refused = _delete(api, f"products/{product.id}/submissions/{live.id}")
    assert refused.status == 409 and parse_error_body(refused.body).message is not None
    assert REFUSED in (parse_error_body(refused.body).message or "")
    api.set_faults(refusal_status=400)
    assert _delete(api, f"products/{product.id}/submissions/{live.id}").status == 400
    assert _delete(api, f"products/{product.id}/submissions/{running.id}").status == 204
    listed = _get(api, f"products/{product.id}/submissions").json()["value"]
    assert [s["id"] for s in listed] == [live.id], "by default a cancelled submission is no longer listed"
    assert api.product_deletes() == []


@pytest.mark.parametrize("after_delete", AFTER_DELETE)
def test_what_a_204_leaves_behind_is_a_switch(submission_standin: SubmissionStandIn, after_delete: str) -> None:
    api = submission_standin
    api.set_faults(after_delete=after_delete)
    product = api.add_product(OFFER)
    running = api.add_submission(product.id, state="InProgress", substate="Submitted")
    assert _delete(api, f"products/{product.id}/submissions/{running.id}").status == 204
    left = [
        (s["id"] == running.id, s["substate"]) for s in _get(api, f"products/{product.id}/submissions").json()["value"]
    ]
    expected = {"remove": [], "draft": [(True, "InDraft")], "new-draft": [(False, "InDraft")]}
    assert left == expected[after_delete]


def test_throttling_without_and_with_retry_after(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    api.set_faults(throttle=1)
    throttled = _get(api, "products")
    assert throttled.status == 429 and "retry-after" not in throttled.headers
    assert THROTTLED in (parse_error_body(throttled.body).message or "")
    assert _get(api, "products").status == 200
    api.set_faults(throttle=1, retry_after="7")
    assert _get(api, "products").headers["retry-after"] == "7"


def test_errors_can_be_a_bare_string_as_the_swagger_types_them(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    api.set_faults(error_style="bare")
    missing = _get(api, "products/8faa69e0-0de3-4c4e-ad7e-617ac7f6591b")
    assert missing.status == 404 and missing.json() == "The resource was not found."


def test_a_product_delete_is_carried_out_and_listed(submission_standin: SubmissionStandIn) -> None:
    """The real API deletes the whole product; the stand-in too, so a test that slipped would see the damage."""
    api = submission_standin
    product = api.add_product(OFFER)
    assert _delete(api, f"products/{product.id}").status == 204
    assert api.product_deletes() == [f"/v1.0/ingestion/products/{product.id}"]
    assert _get(api, f"products/{product.id}").status == 404


def test_the_control_endpoints_steer_it_and_are_not_recorded(submission_standin: SubmissionStandIn) -> None:
    api = submission_standin
    product = _control(api, "products", {"offerId": OFFER, "productId": "ABC-1"}).json()
    assert product["id"] == "abc-1"
    added = _control(api, "submissions", {"productId": "abc-1", "state": "InProgress", "substate": "Submitted"})
    assert added.status == 200 and added.json()["releaseNumber"] == 1
    faults = _control(api, "faults", {"throttle": 0, "afterDelete": "draft", "nextLink": "//evil/x"}).json()
    assert (faults["afterDelete"], faults["nextLink"]) == ("draft", "//evil/x")
    assert _get(api, "products").json()["nextLink"] == "//evil/x"
    for bad in ({"afterDelete": "vanish"}, {"colour": "red"}):
        assert _control(api, "faults", bad).status == 400
    assert _control(api, "submissions", {"state": "InProgress"}).status == 400
    seen = fetch("GET", f"{api.origin}/_standin/requests").json()["requests"]
    assert [(r["method"], r["path"], r["hasToken"]) for r in seen] == [("GET", "/v1.0/ingestion/products", True)]
    assert _control(api, "reset", {}).status == 200 and api.catalog.products == {} and api.requests == []
