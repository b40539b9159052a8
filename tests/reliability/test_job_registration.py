"""Registered configure jobs end to end through the dev host: `POST /api/webhooks/jobs`, the job followed to its
end in the pipeline's channel, `/cpp ops` listing it with a Cancel button, and a bare `/cpp cancel` targeting it.

The Product Ingestion API cannot list jobs, so this registration is the only way the app learns of a job it was not
given by hand; the registration lives in the same record store as the cancel record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import MALLORY
from tests.reliability.conftest import Rig, settings_changed
from tests.reliability.test_exactly_once import records
from tests.slack_app.helpers import has_button

pytestmark = pytest.mark.e2e

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0101"
OTHER = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0102"


def test_a_registered_job_is_followed_to_its_end_in_the_pipelines_channel(rig: Rig) -> None:
    rig.jobs.add_job(JOB, finish_after_reads=3)
    answer = rig.register_job(JOB)
    assert answer.status == 201, answer.body
    body = answer.json()
    assert (body["status"], body["jobId"]) == ("registered", JOB)
    watch = rig.output(body["instanceId"])
    assert (watch["phase"], watch["operationStatus"]) == ("completed", "succeeded"), watch
    [message] = rig.announcements()
    assert "configure job" in (message.text or "")
    assert "completed" in (rig.thread_replies()[-1].text or "")
    [job] = records(rig).registered_jobs("contoso", "contoso-vm-offer")
    assert (job.state, job.job_status, job.requested_by) == ("completed", "succeeded", "release-pipeline")
    assert rig.jobs.cancel_count() == 0, "following a job never cancels it"


def test_a_retried_registration_finds_the_first(rig: Rig) -> None:
    rig.jobs.add_job(JOB, finish_after_reads=50)
    first = rig.register_job(JOB)
    again = rig.register_job(JOB)
    assert (first.status, again.status) == (201, 200), (first.body, again.body)
    assert again.json()["alreadyRegistered"] is True and again.json()["instanceId"] == first.json()["instanceId"]
    assert len(rig.watchers()) == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"requestedBy": "someone-else"}, 403, "caller_mismatch"),
        ({"notificationEmails": ["a@x.com"]}, 400, "unknown_field"),
        ({"jobId": "../etc"}, 400, "invalid_value"),
        ({"publisherId": "fabrikam"}, 403, "forbidden"),
    ],
)
def test_a_registration_is_refused_like_a_cancel(rig: Rig, change: dict[str, object], status: int, code: str) -> None:
    answer = rig.register_job(JOB, **change)
    assert (answer.status, answer.json()["error"]["code"]) == (status, code), answer.body
    assert rig.watchers() == [] and records(rig).registered_jobs("contoso", "contoso-vm-offer") == []


def test_ops_lists_the_running_registered_job_and_a_bare_cancel_targets_it(rig: Rig) -> None:
    rig.jobs.add_job(JOB, cancel_after_reads=2)
    assert rig.register_job(JOB, slackChannel=None).status == 201
    slack = rig.slack
    ops = slack.command("ops contoso contoso-vm-offer", channel=rig.channel)
    assert f"`{JOB}`" in ops.readable() and "1 registered configure job(s) running" in ops.json["text"]
    [button] = [b for b in ops.buttons() if b["action_id"] == "open_cancel" and JOB in b["value"]]
    assert json.loads(button["value"])["j"] == JOB

    refused = slack.command("cancel contoso contoso-vm-offer", user=MALLORY, channel=rig.channel)
    assert "Not allowed" in refused.json["text"], "the same policy for a job"
    reply = slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    assert f"Cancel configure job `{JOB}`" in reply.readable(), reply.readable()
    assert slack.click("confirm_cancel", reply.button("confirm_cancel")["value"], channel=rig.channel).status == 200
    assert rig.host.engine.wait_for(lambda engine: len(rig.watchers()) == 2, 20), "the cancel's watcher"
    endings = [rig.output(w.instance_id) for w in rig.watchers()]
    assert [e["phase"] for e in endings] == ["canceled", "canceled"], endings
    assert rig.jobs.cancel_count(JOB) == 1 and rig.cancel_posts() == 0
    [job] = records(rig).registered_jobs("contoso", "contoso-vm-offer")
    assert job.state == "completed"

    after = slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    assert "Cancel the publish of" in after.readable(), "no running job: the CPP publish, as before"


def test_a_bare_cancel_asks_which_job_when_several_run(rig: Rig) -> None:
    for job in (JOB, OTHER):
        rig.jobs.add_job(job, finish_after_reads=50)
        assert rig.register_job(job, slackChannel=None).status == 201
    reply = rig.slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    assert "2 registered configure jobs" in reply.readable()
    values = sorted(json.loads(b["value"]).get("j") for b in reply.buttons() if b["action_id"] == "open_cancel")
    assert values == sorted([JOB, OTHER])
    assert rig.jobs.cancel_count() == 0 and not has_button(reply.blocks, "confirm_cancel")
    chosen = next(b for b in reply.buttons() if OTHER in b["value"])
    assert rig.slack.click("open_cancel", chosen["value"], channel=rig.channel, key="pick").status == 200
    picked = rig.slack.last_response("pick")
    assert f"Cancel configure job `{OTHER}`" in (picked.text or "") + json.dumps(picked.blocks)


@pytest.fixture
def capped(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """At most 2 running registrations per offer and 3 per caller."""
    with settings_changed(monkeypatch, JOB_REGISTRATION_MAX_PER_OFFER="2", JOB_REGISTRATION_MAX_PER_CALLER="3"):
        yield rig


def test_running_registrations_are_capped_per_offer_and_per_caller(capped: Rig) -> None:
    rig = capped
    jobs = [f"d4261631-ad84-4a9b-9f1e-5b7e8a1c02{n:02d}" for n in range(5)]
    for job in jobs:
        rig.jobs.add_job(job, finish_after_reads=1000)
    assert [rig.register_job(job, slackChannel=None).status for job in jobs[:2]] == [201, 201]
    third = rig.register_job(jobs[2], slackChannel=None)
    assert third.status == 429 and third.headers.get("retry-after"), third.body
    error = third.json()["error"]
    assert error["code"] == "too_many_jobs" and "JOB_REGISTRATION_MAX_PER_OFFER is 2" in error["message"], error
    assert rig.register_job(jobs[0], slackChannel=None).status == 200, "a known job is not a new one"
    assert rig.register_job(jobs[2], offerId="contoso-saas-offer", slackChannel=None).status == 201
    fourth = rig.register_job(jobs[3], offerId="contoso-other-offer", slackChannel=None)
    assert fourth.status == 429 and "JOB_REGISTRATION_MAX_PER_CALLER is 3" in fourth.json()["error"]["message"]
    assert len(rig.watchers()) == 3, "nothing is followed beyond the caps"

    rig.jobs.job(jobs[0]).reads_left = 1  # one of them ends at its next status read: its place is free again
    assert rig.host.engine.wait_for(
        lambda engine: sum(w.runtime_status == "Completed" for w in rig.watchers()) == 1, 30
    )
    assert rig.register_job(jobs[3], offerId="contoso-other-offer", slackChannel=None).status == 201


def test_a_registration_the_api_does_not_know_ends_and_is_not_offered(rig: Rig) -> None:
    answer = rig.register_job(OTHER, slackChannel=None)  # no such job: the API answers 404
    assert answer.status == 201, answer.body
    watch = rig.output(answer.json()["instanceId"])
    assert watch["phase"] == "lost", watch
    [job] = records(rig).registered_jobs("contoso", "contoso-vm-offer")
    assert job.state == "not_found" and not job.running
    ops = rig.slack.command("ops contoso contoso-vm-offer", channel=rig.channel)
    assert OTHER not in ops.readable() and "registered configure job" not in ops.json["text"]
    bare = rig.slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    assert "Cancel the publish of" in bare.readable(), "the CPP publish, not a job the API does not know"
