"""Configure jobs of the Product Ingestion API, cancelled end to end through the dev host over loopback HTTP.

The dev host embeds the Product Ingestion stand-in (no INGESTION_BASE_URL is configured) beside the CPP emulator, so
each story runs through the real HTTP triggers, the real cancel and watch orchestrations and the app's own record,
with both APIs' tokens in play: each must reach only its own API.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from devhost.standins.cpp import AUTH_VALID
from tests.conftest import ALICE, BOB, MALLORY
from tests.devhost.conftest import fetch
from tests.reliability.conftest import RELEASE_CREW, Rig, sign_webhook
from tests.reliability.test_exactly_once import at_the_same_instant, records

pytestmark = pytest.mark.e2e

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0017"
PARTIAL = "may already have applied part of its resources"


def test_a_webhook_job_cancel_that_finishes_after_a_few_status_reads(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=3)
    answer = rig.webhook(rig.webhook_body(jobId=JOB))
    assert answer.status == 202, answer.body
    body = answer.json()
    assert body["status"] == "accepted" and body["jobId"] == JOB and PARTIAL in body["partialWarning"]
    assert body["operationUrl"].startswith(rig.jobs.base_url) and f"/configure/{JOB}/status" in body["operationUrl"]
    watch = rig.output(body["instanceId"])
    assert (watch["phase"], watch["operationStatus"]) == ("canceled", "cancelled"), watch
    assert watch["polls"] >= 3
    assert rig.jobs.cancel_count(JOB) == 1 and rig.cancel_posts() == 0, "one job cancel, no CPP cancel"
    final = rig.thread_replies()[-1]
    assert "configure job was cancelled" in (final.text or "") and PARTIAL in (final.text or "")
    assert "completed (cancelled)" in str(rig.last_edit().blocks)
    status = rig.webhook_status(body["instanceId"])
    assert status["customStatus"]["phase"] == "canceled"


def test_a_job_that_completed_already_is_too_late_409(rig: Rig) -> None:
    rig.jobs.add_job(JOB, status="completed", result="succeeded")
    answer = rig.webhook(rig.webhook_body(jobId=JOB))
    assert answer.status == 409, answer.body
    error = answer.json()["error"]
    assert error["code"] == "already_completed" and error["jobResult"] == "completed (succeeded)"
    assert "Too late" in error["message"] and "cannot change it" in error["message"]
    rig.wait_for_channel(lambda ms: bool(ms))
    [report] = rig.announcements()
    assert (report.text or "").startswith(f"⏱️ Too late to cancel configure job `{JOB}`"), report.text
    assert "Nothing to retry" in str(report.blocks) and "try again" not in str(report.blocks).lower()


def test_each_token_reaches_only_its_own_api(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=1)
    answer = rig.webhook(rig.webhook_body(jobId=JOB))
    assert answer.status == 202, answer.body
    rig.output(answer.json()["instanceId"])
    cpp = rig.webhook(rig.webhook_body())  # and a CPP cancel of the same offer: a different thing, never joined
    assert cpp.status == 202 and not cpp.json().get("joined"), cpp.body
    rig.output(cpp.json()["instanceId"])
    assert rig.cancel_posts() == 1 and rig.jobs.cancel_count(JOB) == 1
    assert {r.token for r in rig.jobs.requests} == {rig.jobs.token}
    assert rig.emulator.requests and {r.auth for r in rig.emulator.requests} == {AUTH_VALID}
    assert rig.jobs.token != rig.emulator.token
    assert rig.foreign.visits == []


def test_slack_job_cancel_after_the_usual_confirmation(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=2)
    slack = rig.slack
    status = slack.command(f"status contoso contoso-vm-offer job={JOB}", channel=rig.channel)
    assert f"configure job {JOB} running (pending)" in status.json["text"], status.json
    reply = slack.command(f"cancel contoso contoso-vm-offer job={JOB}", channel=rig.channel)
    shown = reply.readable()
    assert f"Cancel configure job `{JOB}`" in shown and PARTIAL in shown, shown
    assert rig.jobs.cancel_count(JOB) == 0, "nothing is sent before Confirm"
    value = reply.button("confirm_cancel")["value"]
    refused = slack.click("confirm_cancel", value, user=MALLORY, channel=rig.channel, key="mallory")
    assert refused.status == 200 and rig.jobs.cancel_count(JOB) == 0, "the same policy, for whoever clicks"
    assert slack.click("confirm_cancel", value, channel=rig.channel).status == 200
    assert rig.host.engine.wait_for(lambda engine: bool(rig.watchers()), 20), "no watcher was started"
    [watcher] = rig.watchers()
    ending = rig.output(watcher.instance_id)
    assert ending["phase"] == "canceled" and rig.jobs.cancel_count(JOB) == 1
    [announcement] = rig.announcements()
    assert "configure job" in (announcement.text or "") and f"<@{ALICE}>" in (announcement.text or "")
    edits = [m for m in rig.channel_messages() if m.method == "chat.update"]
    assert edits and all(m.ts == announcement.ts for m in edits), "one message, updated in place"
    assert PARTIAL in (rig.thread_replies()[-1].text or "")
    history = slack.command("history contoso contoso-vm-offer", channel=rig.channel).readable()
    assert f"configure job `{JOB}`" in history and "accepted (HTTP 200)" in history, history


def test_ten_people_confirming_one_job_cancel_send_one_post(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=2)
    slack = rig.slack
    value = slack.command(f"cancel contoso contoso-vm-offer job={JOB}", channel=rig.channel).button("confirm_cancel")
    clickers = (ALICE, *RELEASE_CREW)

    def click(user: str) -> int:
        return slack.click("confirm_cancel", value["value"], user=user, channel=rig.channel, key=user).status

    with ThreadPoolExecutor(len(clickers)) as pool:
        assert list(pool.map(click, clickers)) == [200] * len(clickers)
    [cancel] = rig.cancels()
    assert rig.output(cancel.instance_id)["status"] == "accepted"
    [watcher] = rig.watchers()
    assert rig.output(watcher.instance_id)["phase"] == "canceled"
    assert rig.jobs.cancel_count(JOB) == 1, "one POST"


def test_two_confirmations_of_one_job_at_the_same_instant_send_one_post_and_join(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=3)
    slack = rig.slack
    first = slack.command(f"cancel contoso contoso-vm-offer job={JOB}", channel=rig.channel).button("confirm_cancel")
    second = slack.command(f"cancel contoso contoso-vm-offer job={JOB}", user=BOB, channel=rig.channel)
    second_value = second.button("confirm_cancel")["value"]
    at_the_same_instant(
        lambda: slack.click("confirm_cancel", first["value"], channel=rig.channel, key="a"),
        lambda: slack.click("confirm_cancel", second_value, user=BOB, channel=rig.channel, key="b"),
    )
    cancels = rig.cancels()
    assert len(cancels) == 2
    for cancel in cancels:
        rig.output(cancel.instance_id)
    [watcher] = rig.watchers()
    assert rig.output(watcher.instance_id)["phase"] == "canceled"
    assert rig.jobs.cancel_count(JOB) == 1, "exactly one POST"
    states = sorted(r.state for r in records(rig).history("contoso", "contoso-vm-offer"))
    assert states == ["joined", "sent"], states


def test_a_job_cancel_and_a_cpp_cancel_of_one_offer_at_once_each_send_theirs(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=1)
    job_body = json.dumps(rig.webhook_body(jobId=JOB)).encode()
    cpp_body = json.dumps(rig.webhook_body()).encode()

    def deliver(body: bytes) -> Any:
        return fetch("POST", rig.host.function_url("webhooks/cancel"), body, sign_webhook(body), timeout=30)

    answers = at_the_same_instant(lambda: deliver(job_body), lambda: deliver(cpp_body))
    assert [a.status for a in answers] == [202, 202], [a.body for a in answers]
    assert not any(a.json().get("joined") for a in answers), "a job cancel never joins a CPP cancel, nor the reverse"
    for a in answers:
        rig.output(a.json()["instanceId"], timeout=30)
    assert rig.jobs.cancel_count(JOB) == 1 and rig.cancel_posts() == 1


def test_a_null_job_id_is_refused_never_read_as_the_offers_publish(rig: Rig) -> None:
    answer = rig.webhook(rig.webhook_body(jobId=None))  # a pipeline that lost its job's ID
    assert answer.status == 400, answer.body
    error = answer.json()["error"]
    assert error["code"] == "invalid_field" and "jobId" in error["message"], error
    assert rig.cancel_posts() == 0 and rig.jobs.cancel_count() == 0 and rig.cancels() == []


def test_one_job_named_under_two_offers_at_the_same_instant_is_cancelled_once(rig: Rig) -> None:
    """Issue #21, item 3: a job's lock is keyed by the job alone, not by the offer it is named under."""
    rig.jobs.add_job(JOB, cancel_after_reads=3)
    bodies = [json.dumps(rig.webhook_body(offer, jobId=JOB)).encode() for offer in ("contoso-saas-a", "contoso-saas-b")]

    def deliver(body: bytes) -> Any:
        return fetch("POST", rig.host.function_url("webhooks/cancel"), body, sign_webhook(body), timeout=30)

    answers = at_the_same_instant(*(lambda b=b: deliver(b) for b in bodies))
    assert [a.status for a in answers] == [202, 202], [a.body for a in answers]
    assert sorted(bool(a.json().get("joined")) for a in answers) == [False, True], [a.body for a in answers]
    for a in answers:
        if a.json()["instanceId"]:
            rig.output(a.json()["instanceId"], timeout=30)
    assert rig.jobs.cancel_count(JOB) == 1, "one job, one POST, whatever offer it was named under"
