"""Many hands at once: however many people click Confirm, and however often a pipeline's delivery is retried, one
cancel reaches the Partner Portal and one watcher follows it.

The durable engine enforces "one live instance per ID" atomically (tests/devhost/durable/test_engine.py::
test_concurrent_starts_of_one_instance_id_let_exactly_one_through); the Slack front end's handling of three parked
double clicks is in tests/cancel_function/test_slack_interactions.py. Here the clicks and deliveries race through the
real HTTP functions into the real orchestrations, against the emulator.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cppcancel.audit import AUDIT_LOGGER
from devhost.standins.cpp import Fault
from devhost.standins.slack import SlackMessage
from tests.conftest import ALICE, BOB
from tests.devhost.conftest import fetch
from tests.reliability.conftest import RELEASE_CREW, Rig, sign_webhook

CLICKERS = (ALICE, *RELEASE_CREW)  # ten different people, each permitted (by name or through S0RELEASE)


def settled_reply(rig: Rig, key: str) -> SlackMessage:
    """Where the clicker's confirmation ended up (a later replace_original supersedes the earlier posts)."""
    posted = [m for m in rig.standin.messages if m.method == "response_url" and m.response_key == key]
    assert posted, f"nothing was said to {key}"
    return posted[-1]


def test_ten_people_clicking_confirm_at_once_cancel_once(rig: Rig) -> None:
    slack = rig.slack
    value = slack.command("cancel contoso contoso-vm-offer", channel=rig.channel).button("confirm_cancel")["value"]

    def click(user: str) -> int:
        return slack.click("confirm_cancel", value, user=user, channel=rig.channel, key=user).status

    with ThreadPoolExecutor(len(CLICKERS)) as pool:
        statuses = list(pool.map(click, CLICKERS))
    assert statuses == [200] * len(CLICKERS)

    [cancel] = rig.cancels()
    outcome = rig.output(cancel.instance_id)
    assert outcome["status"] == "accepted"
    [watcher] = rig.watchers()
    assert rig.output(watcher.instance_id, timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == 1, "one cancel"
    assert len(rig.announcements()) == 1 and len(rig.thread_replies()) == 1

    requester = json.loads(cancel.input_json or "{}")["requester"]["userId"]
    assert requester in CLICKERS
    texts = {user: settled_reply(rig, user).text or "" for user in CLICKERS}
    winners = [u for u, t in texts.items() if "already requested" not in t]
    assert winners == [requester], texts
    assert all(f"already requested by <@{requester}>" in t for u, t in texts.items() if u != requester), texts


def test_ten_deliveries_of_one_webhook_id_at_once_cancel_once(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    body = json.dumps(rig.webhook_body()).encode()
    headers = sign_webhook(body, msg_id="msg_retried_by_the_pipeline")

    def deliver(_: int) -> Any:
        return fetch("POST", rig.host.function_url("webhooks/cancel"), body, headers, timeout=30)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(deliver, range(10)))
    assert [a.status for a in answers] == [202] * 10, [a.body for a in answers]
    assert len({a.body for a in answers}) == 1, "every delivery gets the same answer"
    assert len(rig.cancels()) == 1
    [watcher] = rig.watchers()
    assert rig.output(watcher.instance_id, timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == 1 and len(rig.announcements()) == 1
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT_LOGGER]
    deliveries = [r["outcome"] for r in records if r["source"] == "webhook" and r["outcome"] != "accepted"]
    assert sorted(deliveries) == ["replayed"] * 9 + ["requested"], "one request, nine replays in the audit trail"


def test_a_second_confirmation_for_a_publish_being_cancelled_sends_nothing_and_joins_the_watch(rig: Rig) -> None:
    """Two people, two confirmations, one after the other: the second finds the offer's cancel in flight (the
    record's lock; the Partner Portal, as documented, cannot say so) and sends none."""
    rig.emulator.add_fault(Fault(method="POST", operation="never_ends"))
    slack = rig.slack
    for user in (ALICE, BOB):
        value = slack.command("cancel contoso contoso-vm-offer", user=user, channel=rig.channel).button(
            "confirm_cancel"
        )["value"]
        assert slack.click("confirm_cancel", value, user=user, channel=rig.channel, key=user).status == 200
        rig.wait_for_channel(
            lambda ms, n=user: sum(1 for m in ms if m.method == "chat.postMessage") >= (1 if n == ALICE else 2)
        )
    first, second = sorted(rig.cancels(), key=lambda r: r.created_time)
    assert rig.output(first.instance_id)["watchInstanceId"] == rig.output(second.instance_id)["watchInstanceId"]
    assert rig.output(second.instance_id)["statusCode"] is None, "the second request sent nothing"
    assert rig.cancel_posts() == 1 and len(rig.watchers()) == 1
    joined = json.dumps(rig.announcements()[-1].blocks)
    assert "joined the cancel already in flight" in joined and "nothing was sent again" in joined, joined
