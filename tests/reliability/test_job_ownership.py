"""A configure job is cancelled on the rights of the offer it belongs to (issue #21, item 1).

The Product Ingestion API addresses a job by its ID alone, and the app's one identity may cancel any job of the
seller account: the offer a caller names proves nothing. A registered job's offer is the one its pipeline registered
it under (the app's own record, found by the job's ID); an unregistered job is refused unless a policy rule that
matches the caller trusts it to name the job's offer (`"unregisteredJobs": true`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cppcancel.audit import AUDIT_LOGGER
from tests.conftest import ALICE, BOB
from tests.reliability.conftest import Rig, settings_changed
from tests.slack_app.helpers import has_button

pytestmark = pytest.mark.e2e

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0211"
# The caller: allowed only on contoso/contoso-saas-*; ALICE only on contoso-vm-*; BOB on fabrikam's offers.
NARROW_POLICY: dict[str, Any] = {
    "rules": [
        {"publishers": ["contoso"], "offers": ["contoso-saas-*"], "users": [], "callers": ["release-pipeline"]},
        {"publishers": ["contoso"], "offers": ["contoso-vm-*"], "users": [ALICE]},
        {"publishers": ["fabrikam"], "offers": ["*"], "users": [BOB], "callers": ["release-pipeline"]},
    ]
}


@pytest.fixture
def narrow_policy(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """The rig under NARROW_POLICY (no rule trusts anyone with an unregistered job)."""
    with settings_changed(monkeypatch, CANCEL_POLICY=json.dumps(NARROW_POLICY)):
        yield rig


def audits(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT_LOGGER]


def test_a_registered_job_named_under_another_offer_is_refused_and_nothing_is_sent(
    narrow_policy: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = narrow_policy
    caplog.set_level("INFO", logger=AUDIT_LOGGER)
    rig.jobs.add_job(JOB, finish_after_reads=50)
    registered = rig.register_job(JOB, publisherId="fabrikam", offerId="fabrikam-app")
    assert registered.status == 201, registered.body

    answer = rig.webhook(rig.webhook_body("contoso-saas-offer", jobId=JOB))  # allowed there, but not the job's offer
    assert answer.status == 403, answer.body
    error = answer.json()["error"]
    assert error["code"] == "job_offer_mismatch", error
    assert "fabrikam" not in error["message"], "the job's real offer is not told to someone who named another"
    assert rig.jobs.cancel_count(JOB) == 0 and rig.cancels() == []
    refused = [a for a in audits(caplog) if a.get("command") == "cancel" and a.get("decision") == "refused"]
    assert refused and "job_offer_mismatch" in (refused[-1].get("reason") or ""), refused

    reply = rig.slack.command(f"cancel contoso contoso-vm-offer job={JOB}", channel=rig.channel)  # ALICE: vm-* only
    assert not has_button(reply.blocks, "confirm_cancel"), reply.readable()
    assert "registered with this app under another offer" in reply.readable(), reply.readable()
    assert rig.jobs.cancel_count(JOB) == 0 and rig.cancels() == []


def test_an_unregistered_job_is_refused_by_default_and_told_how_to_register(narrow_policy: Rig) -> None:
    rig = narrow_policy
    rig.jobs.add_job(JOB, finish_after_reads=50)
    answer = rig.webhook(rig.webhook_body("contoso-saas-offer", jobId=JOB))
    assert answer.status == 403, answer.body
    error = answer.json()["error"]
    assert error["code"] == "job_not_registered" and "/api/webhooks/jobs" in error["message"], error
    reply = rig.slack.command(f"cancel contoso contoso-vm-offer job={JOB}", channel=rig.channel)
    assert not has_button(reply.blocks, "confirm_cancel") and "not registered" in reply.readable(), reply.readable()
    assert rig.jobs.cancel_count(JOB) == 0 and rig.cancels() == []


def test_a_job_belongs_to_the_offer_it_was_first_registered_for(rig: Rig) -> None:
    rig.jobs.add_job(JOB, finish_after_reads=50)
    assert rig.register_job(JOB, offerId="contoso-saas-offer").status == 201
    again = rig.register_job(JOB, offerId="contoso-vm-offer")
    assert again.status == 409 and again.json()["error"]["code"] == "job_offer_mismatch", again.body
    assert len(rig.watchers()) == 1, "nothing new is followed"
    mismatched = rig.webhook(rig.webhook_body("contoso-vm-offer", jobId=JOB))  # trusted for unregistered jobs only
    assert mismatched.status == 403 and mismatched.json()["error"]["code"] == "job_offer_mismatch", mismatched.body
    assert rig.jobs.cancel_count(JOB) == 0


def test_a_confirmation_is_checked_again_when_the_job_was_registered_elsewhere_meanwhile(rig: Rig) -> None:
    rig.jobs.add_job(JOB, finish_after_reads=50)
    slack = rig.slack
    reply = slack.command(f"cancel contoso contoso-vm-offer job={JOB}", channel=rig.channel)  # unregistered, trusted
    value = reply.button("confirm_cancel")["value"]
    assert rig.register_job(JOB, offerId="contoso-saas-offer").status == 201  # its pipeline registers it now
    assert slack.click("confirm_cancel", value, channel=rig.channel).status == 200
    assert "registered with this app under another offer" in (slack.last_response().text or "")
    assert rig.cancels() == [] and rig.jobs.cancel_count(JOB) == 0


def test_a_refused_webhook_caller_is_told_in_a_callers_words(narrow_policy: Rig) -> None:
    """Issue #21, item 5: a pipeline has no user group; its fix is the rule's `callers`."""
    answer = narrow_policy.webhook(narrow_policy.webhook_body("contoso-vm-offer"))  # its rule covers contoso-saas-*
    assert answer.status == 403, answer.body
    error = answer.json()["error"]
    assert error["code"] == "forbidden" and "caller 'release-pipeline'" in error["message"], error
    assert "user group" not in error["message"] and "'callers'" in error["message"], error
    assert narrow_policy.cancel_posts() == 0
