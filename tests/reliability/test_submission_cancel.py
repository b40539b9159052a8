"""Azure Application submissions of the Partner Center submission API, cancelled end to end through the dev host
over signed HTTP.

The dev host embeds the submission API stand-in (no SUBMISSION_API_BASE_URL is configured) beside the CPP emulator
and the Product Ingestion stand-in, so each story runs through the real HTTP triggers, the real cancel and watch
orchestrations and the app's own record, with every API's token in play: each must reach only its own API. The
stand-in's refusal of a DELETE it will not carry out is undocumented-looking on purpose: nothing here depends on it,
because the app decides from what it read just before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from devhost.standins.cpp import AUTH_VALID
from devhost.standins.submission import Product
from tests.conftest import ALICE, MALLORY
from tests.reliability.conftest import RELEASE_CREW, Rig, settings_changed
from tests.reliability.test_exactly_once import at_the_same_instant

pytestmark = pytest.mark.e2e

OFFER = "contoso-managed-app"
SUBMISSION = "1152921505695131000"


@pytest.fixture
def served(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """The rig, with `contoso` a publisher this deployment serves on the submission API."""
    with settings_changed(monkeypatch, SUBMISSION_API_PUBLISHERS="contoso"):
        yield rig


def _product(rig: Rig, substate: str = "Submitted", state: str = "InProgress") -> Product:
    product = rig.submissions.add_product(OFFER)
    rig.submissions.add_submission(product.id, "1152921505695130999", state="Published", substate="InStore")
    rig.submissions.add_submission(product.id, SUBMISSION, state=state, substate=substate)
    return product


def _delete_path(product: Product) -> str:
    return f"/v1.0/ingestion/products/{product.id}/submissions/{SUBMISSION}"


def _open_and_confirm(rig: Rig, *, key: str = "open") -> str:
    """`/cpp ops` -> the submission's Cancel… button -> the confirmation's Confirm value."""
    ops = rig.slack.command(f"ops contoso {OFFER}", channel=rig.channel)
    [button] = [b for b in ops.buttons() if b["action_id"] == "open_cancel" and SUBMISSION in b["value"]]
    assert rig.slack.click("open_cancel", button["value"], channel=rig.channel, key=key).status == 200
    confirmation = rig.slack.last_response(key)
    confirm = [b for b in _buttons(confirmation.blocks) if b["action_id"] == "confirm_cancel"]
    assert confirm, confirmation.to_json()
    value: str = confirm[0]["value"]
    return value


def _buttons(blocks: list[dict[str, object]] | None) -> list[dict[str, str]]:
    found = []
    for block in blocks or []:
        elements = [*(block.get("elements") or []), *([block["accessory"]] if block.get("accessory") else [])]  # type: ignore[list-item, misc]
        found.extend(e for e in elements if isinstance(e, dict) and e.get("type") == "button")
    return found


def test_ops_lists_the_in_progress_submission_with_a_cancel_button(served: Rig) -> None:
    _product(served)
    ops = served.slack.command(f"ops contoso {OFFER}", channel=served.channel)
    shown = ops.readable()
    assert "Azure Application submission in flight" in shown and "does not know contoso/" in shown, shown
    assert "1 submission(s) in flight" in ops.text, ops.text
    assert f"Submission `{SUBMISSION}`" in shown and "InProgress (Submitted)" in shown, shown
    [button] = [b for b in ops.buttons() if b["action_id"] == "open_cancel"]
    assert json.loads(button["value"]) == {"p": "contoso", "o": OFFER, "s": SUBMISSION}
    assert "1152921505695130999" not in shown, "a live (InStore) submission is not in flight"
    assert served.submissions.deletes() == [], "nothing is sent before Confirm"


def test_status_shows_the_submissions_workflow_steps(served: Rig) -> None:
    _product(served)
    status = served.slack.command(f"status contoso {OFFER} submission={SUBMISSION}", channel=served.channel)
    shown = status.readable()
    assert "InProgress (Submitted)" in shown and "Automated validation" in shown and "Certification" in shown, shown
    assert f"submission={SUBMISSION}" in shown, "how to stop it"


def test_confirm_sends_one_delete_with_the_submission_token_and_the_watcher_sees_it_gone(served: Rig) -> None:
    product = _product(served)
    value = _open_and_confirm(served)
    confirmation = str(served.slack.last_response("open").to_json())
    assert "InProgress (Submitted), release 2, to Preview" in confirmation, confirmation
    assert f"cancel (delete) in-progress submission {SUBMISSION}" in confirmation
    refused = served.slack.click("confirm_cancel", value, user=MALLORY, channel=served.channel, key="mallory")
    assert refused.status == 200 and served.submissions.deletes() == [], "the policy holds for whoever clicks"
    assert served.slack.click("confirm_cancel", value, channel=served.channel).status == 200
    assert served.host.engine.wait_for(lambda engine: bool(served.watchers()), 20), "no watcher was started"
    [watcher] = served.watchers()
    ending = served.output(watcher.instance_id)
    assert ending["phase"] == "canceled", ending
    assert served.submissions.deletes() == [_delete_path(product)], "exactly one DELETE, of the submission"
    assert served.submissions.product_deletes() == []
    assert {r.token for r in served.submissions.requests} == {served.submissions.token}
    assert all(r.auth == AUTH_VALID for r in served.emulator.requests)
    assert served.foreign.visits == []
    [announcement] = served.announcements()
    assert f"submission `{SUBMISSION}`" in (announcement.text or "") and f"<@{ALICE}>" in (announcement.text or "")
    assert "was cancelled" in (served.thread_replies()[-1].text or "")
    history = served.slack.command(f"history contoso {OFFER}", channel=served.channel).readable()
    assert f"submission `{SUBMISSION}`" in history and "HTTP 204" in history, history


@pytest.mark.parametrize(("state", "substate"), [("Published", "ReadyToPublish"), ("InProgress", "Publishing")])
def test_a_submission_past_certification_gets_no_confirm_and_no_delete(served: Rig, state: str, substate: str) -> None:
    _product(served, substate=substate, state=state)
    reply = served.slack.command(f"cancel contoso {OFFER} submission={SUBMISSION}", channel=served.channel)
    shown = reply.readable()
    assert "too late to cancel; it has passed certification" in shown, shown
    assert not [b for b in reply.buttons() if b["action_id"] == "confirm_cancel"], shown
    if substate == "ReadyToPublish":
        assert "not to promote" in shown, shown
    ops = served.slack.command(f"ops contoso {OFFER}", channel=served.channel)
    assert not [b for b in ops.buttons() if b["action_id"] == "open_cancel"], ops.readable()
    assert "too late to cancel" in ops.readable()
    assert served.submissions.deletes() == []


def test_a_bare_cancel_says_plainly_when_nothing_is_in_progress_on_the_submission_api(served: Rig) -> None:
    product = served.submissions.add_product(OFFER)
    served.submissions.add_submission(product.id, "1152921505695130999", state="Published", substate="InStore")
    reply = served.slack.command(f"cancel contoso {OFFER}", channel=served.channel)
    shown = reply.readable()
    assert "is in progress on the Partner Center submission API: there is nothing to cancel" in shown, shown
    assert not reply.buttons() and served.submissions.deletes() == [] and served.emulator.requests == []
    served.submissions.add_submission(product.id, SUBMISSION, state="InProgress", substate="Submitted")
    picked = served.slack.command(f"cancel contoso {OFFER}", channel=served.channel)
    assert f"Cancel submission `{SUBMISSION}`" in picked.readable(), picked.readable()
    assert [b["action_id"] for b in picked.buttons()][:1] == ["confirm_cancel"]


def test_twenty_clicks_and_two_confirmations_send_one_delete(served: Rig) -> None:
    product = _product(served)
    first = _open_and_confirm(served, key="first")
    second = _open_and_confirm(served, key="second")
    clicks = [(ALICE, first)] * 10 + [(user, second) for user in (ALICE, *RELEASE_CREW)]
    clicks = clicks[:20]

    def click(pair: tuple[str, str]) -> int:
        user, value = pair
        return served.slack.click("confirm_cancel", value, user=user, channel=served.channel, key=user).status

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(click, clicks)) == [200] * len(clicks)
    assert served.host.engine.wait_for(lambda engine: len(served.cancels()) == 2, 20)
    for cancel in served.cancels():
        served.output(cancel.instance_id)
    for watcher in served.watchers():
        served.output(watcher.instance_id)
    assert served.submissions.deletes() == [_delete_path(product)], "one DELETE for two confirmations"


def test_two_confirmations_at_the_same_instant_send_one_delete(served: Rig) -> None:
    product = _product(served)
    values = [_open_and_confirm(served, key=f"k{n}") for n in range(2)]
    statuses = at_the_same_instant(
        *(
            lambda value=value: (
                served.slack.click("confirm_cancel", value, channel=served.channel, key=value[8:20]).status
            )
            for value in values
        )
    )
    assert statuses == [200, 200]
    assert served.host.engine.wait_for(lambda engine: len(served.cancels()) == 2, 20)
    outputs = [served.output(c.instance_id) for c in served.cancels()]
    # The second joins the first while it holds the product's lock; should the first's watch have ended already (the
    # stand-in removes the submission at once), the second reads it gone and sends nothing. Never a second DELETE.
    assert "accepted" in [o["status"] for o in outputs], outputs
    assert served.submissions.deletes() == [_delete_path(product)]


def test_a_submission_that_passed_certification_after_its_confirmation_gets_no_delete(served: Rig) -> None:
    product = _product(served)
    value = _open_and_confirm(served)
    # Between the confirmation and the click, the submission passed certification: the app reads it again first.
    served.submissions.move(product.id, SUBMISSION, state="Published", substate="ReadyToPublish")
    assert served.slack.click("confirm_cancel", value, channel=served.channel).status == 200
    [cancel] = served.cancels()
    assert served.output(cancel.instance_id)["status"] == "failed"
    assert served.submissions.deletes() == [], "decided from the read just before: no DELETE"
    served.wait_for_channel(lambda ms: bool(ms))
    [report] = served.announcements()
    assert "too late to cancel; it has passed certification" in (report.text or ""), report.text


def test_a_publisher_outside_the_list_is_never_looked_up(rig: Rig) -> None:
    _product(rig)
    ops = rig.slack.command(f"ops contoso {OFFER}", channel=rig.channel)
    assert not [b for b in ops.buttons() if b["action_id"] == "open_cancel"], ops.readable()
    named = rig.slack.command(f"cancel contoso {OFFER} submission={SUBMISSION}", channel=rig.channel)
    assert "SUBMISSION_API_PUBLISHERS" in named.readable(), named.readable()
    assert not [b for b in named.buttons() if b["action_id"] == "confirm_cancel"]
    assert rig.submissions.requests == [], "not one request to the submission API"


# -- the webhook ---------------------------------------------------------------------------------------------------


def test_a_webhook_naming_the_submission_sends_one_delete_and_follows_it(served: Rig) -> None:
    # What a 204 leaves behind is not documented: this test is about a DELETE that removes the submission (the
    # watcher's other endings are tests/backends/submission/test_backend.py's), so it says which it assumes.
    served.submissions.set_faults(after_delete="remove")
    product = _product(served)
    answer = served.webhook(served.webhook_body(OFFER, submissionId=SUBMISSION), msg_id="msg_first")
    assert answer.status == 202, answer.body
    body = answer.json()
    assert (body["status"], body["submissionId"]) == ("accepted", SUBMISSION), body
    assert f"/products/{product.id}/submissions/{SUBMISSION}" in body["operationUrl"]
    watch = served.output(body["instanceId"])
    assert watch["phase"] == "canceled", watch
    again = served.webhook(served.webhook_body(OFFER, submissionId=SUBMISSION), msg_id="msg_first")
    assert again.status == 202 and again.json()["instanceId"] == body["instanceId"], again.body
    assert served.submissions.deletes() == [_delete_path(product)], "one DELETE, however often it is delivered"
    gone = served.webhook(served.webhook_body(OFFER, submissionId=SUBMISSION))  # a new request: the API's own words
    assert gone.status >= 400 and "The submission was not found" in gone.body.decode(), gone.body
    assert served.submissions.deletes() == [_delete_path(product)]


def test_a_webhook_naming_the_offer_alone_cancels_its_one_in_progress_submission(served: Rig) -> None:
    product = _product(served)
    answer = served.webhook(served.webhook_body(OFFER))
    assert answer.status == 202, answer.body
    assert answer.json()["submissionId"] == SUBMISSION
    served.output(answer.json()["instanceId"])
    assert served.submissions.deletes() == [_delete_path(product)] and served.cancel_posts() == 0


def test_a_retried_delivery_naming_the_offer_alone_answers_from_the_record_not_from_a_new_lookup(served: Rig) -> None:
    """The retry of a delivery whose cancel already ran must get that cancel's answer: the submission it meant is
    what the app recorded, not what the offer has in flight now (nothing, once it was cancelled)."""
    product = _product(served)
    first = served.webhook(served.webhook_body(OFFER), msg_id="msg_offer_alone_retried")
    assert first.status == 202, first.body
    served.output(first.json()["instanceId"])
    served.submissions.add_submission(product.id, "1152921505695131003", state="InProgress", substate="Submitted")
    listed = len([r for r in served.submissions.requests if r.method == "GET"])
    again = served.webhook(served.webhook_body(OFFER), msg_id="msg_offer_alone_retried")
    assert again.status in (200, 202), again.body
    assert again.json()["instanceId"] == first.json()["instanceId"]
    assert again.json()["submissionId"] == SUBMISSION
    assert len([r for r in served.submissions.requests if r.method == "GET"]) == listed, "no new lookup"
    assert served.submissions.deletes() == [_delete_path(product)]


def test_a_webhook_naming_the_offer_alone_with_nothing_or_several_in_flight_is_409_with_the_list(
    served: Rig,
) -> None:
    product = served.submissions.add_product(OFFER)
    served.submissions.add_submission(product.id, "1152921505695130999", state="Published", substate="ReadyToPublish")
    none = served.webhook(served.webhook_body(OFFER))
    assert none.status == 409, none.body
    error = none.json()["error"]
    assert error["code"] == "nothing_in_flight", error
    assert [item["submissionId"] for item in error["inFlight"]] == ["1152921505695130999"]
    assert "too late to cancel" in error["inFlight"][0]["notCancellable"]
    served.submissions.add_submission(product.id, "1152921505695131001", state="InProgress", substate="Submitted")
    served.submissions.add_submission(product.id, "1152921505695131002", state="InProgress", substate="InDraft")
    several = served.webhook(served.webhook_body(OFFER))
    assert several.status == 409 and several.json()["error"]["code"] == "several_in_flight", several.body
    assert {item["submissionId"] for item in several.json()["error"]["inFlight"]} >= {
        "1152921505695131001",
        "1152921505695131002",
    }
    assert served.submissions.deletes() == [] and served.cancel_posts() == 0 and served.cancels() == []


def test_a_webhook_for_a_submission_past_certification_is_409_too_late_without_a_delete(served: Rig) -> None:
    _product(served, state="Published", substate="ReadyToPublish")
    answer = served.webhook(served.webhook_body(OFFER, submissionId=SUBMISSION))
    assert answer.status == 409, answer.body
    error = answer.json()["error"]
    assert error["code"] == "cpp_too_late" and "too late to cancel; it has passed certification" in error["message"]
    assert "not to promote" in error["message"]
    assert served.submissions.deletes() == []


def test_a_webhook_for_a_publisher_outside_the_list_is_refused_without_a_lookup(rig: Rig) -> None:
    _product(rig)
    answer = rig.webhook(rig.webhook_body(OFFER, submissionId=SUBMISSION))
    assert answer.status == 403 and answer.json()["error"]["code"] == "publisher_not_served", answer.body
    assert rig.submissions.requests == []


def test_a_hostile_next_link_never_gets_the_token(served: Rig) -> None:
    _product(served)
    hostile = (f"{served.foreign.base_url}/v1.0/ingestion/products", "//evil.example/v1.0/ingestion/products")
    for link in hostile:
        served.submissions.set_faults(next_link=link)
        ops = served.slack.command(f"ops contoso {OFFER}", channel=served.channel)
        assert not [b for b in ops.buttons() if b["action_id"] == "open_cancel"], ops.readable()
    assert served.foreign.visits == []
    assert {r.token for r in served.submissions.requests} == {served.submissions.token}
    assert served.submissions.deletes() == []
