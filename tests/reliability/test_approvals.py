"""The two-person rule through the dev host over signed HTTP: the real Slack handling, the real cancel orchestration
waiting on the durable engine (an external event raced against a durable timer), the app's record deciding, the
CPP emulator counting cancels. A policy rule with `"approvals": 2`:

one person's Confirm sends nothing; the same person's Approve is refused; an unpermitted person's Approve is
refused; a second permitted person's Approve sends exactly one cancel; the timeout sends nothing and says so; a
withdrawal sends nothing; two (or nine) second approvals at the same instant send one cancel; a webhook request
waits for a human. The restart case is in test_approval_restarts.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cppcancel.audit import AUDIT_LOGGER
from devhost.standins.slack import SlackFault, SlackMessage
from tests.conftest import ALICE, BOB, MALLORY
from tests.reliability.conftest import RELEASE_CREW, Rig, settings_changed
from tests.slack_app.helpers import find_button

CAROL = "U0CAROL"
# People named by ID (no user-group lookup that a loaded machine could time out); Mallory is refused through the
# group lookup all the same.
TWO_PERSON_POLICY: dict[str, Any] = {
    "rules": [
        {
            "publishers": ["contoso"],
            "offers": ["*"],
            "users": [ALICE, BOB, CAROL, *RELEASE_CREW],
            "usergroups": ["S0RELEASE"],
            "approvals": 2,
        },
        {"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], "callers": ["release-pipeline"], "approvals": 2},
    ]
}


@pytest.fixture
def two_person(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    with settings_changed(monkeypatch, CANCEL_POLICY=json.dumps(TWO_PERSON_POLICY)):
        yield rig


def approval_requests(rig: Rig) -> list[SlackMessage]:
    return [m for m in rig.announcements() if any(b.get("block_id") == "approval_actions" for b in m.blocks)]


def confirmed_by_alice(rig: Rig) -> str:
    """Alice asks and confirms; returns the Approve button's value once the request is in the channel."""
    slack = rig.slack
    reply = slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    found = [b for b in reply.buttons() if b.get("action_id") == "confirm_cancel"]
    if not found:  # a loaded machine: the answer was "Looking up…", the confirmation follows on the response_url
        rig.standin.wait_for(lambda ms: any("confirm_cancel" in json.dumps(m.blocks) for m in ms), 20)
        later = [m for m in rig.standin.messages if "confirm_cancel" in json.dumps(m.blocks)]
        found = [find_button(later[0].blocks, "confirm_cancel")]
    value = found[0]["value"]
    assert slack.click("confirm_cancel", value, channel=rig.channel, key="alice").status == 200
    assert "first of 2 approvals" in (slack.last_response("alice").text or "")
    rig.wait_for_channel(lambda ms: bool(approval_requests(rig)))
    [asked] = approval_requests(rig)
    assert f"<@{ALICE}> asks to cancel" in json.dumps(asked.blocks) and "1 more approval" in json.dumps(asked.blocks)
    value = find_button(asked.blocks, "approve_cancel")
    assert value["style"] == "danger" and value["confirm"]["text"]["type"] == "plain_text"
    return str(value["value"])


def _status(rig: Rig) -> dict[str, Any] | None:
    cancels = rig.cancels()
    loaded = json.loads(cancels[0].custom_status_json or "null") if len(cancels) == 1 else None
    return loaded if isinstance(loaded, dict) else None


def awaiting(rig: Rig, approvals: int = 1) -> dict[str, Any]:
    """The one cancel orchestration, waiting with `approvals` recorded: nothing has reached the Partner Portal."""

    def waits(_: object) -> bool:
        status = _status(rig)
        return (
            status is not None
            and status["status"] == "awaiting_approval"
            and (len(status["approval"]["approvals"]) == approvals)
        )

    assert rig.host.engine.wait_for(waits, 20), _status(rig)
    [cancel] = rig.cancels()
    assert cancel.runtime_status == "Running", cancel
    assert rig.cancel_posts() == 0
    status = _status(rig)
    assert status is not None
    return status


def answer(rig: Rig, key: str) -> str:
    return rig.slack.only_response(key).text or ""


def audited(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str | None, str | None]]:
    """(command, outcome, who, reason) of every audit record about approvals, in order."""
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT_LOGGER]
    return [
        (r["command"], r["outcome"], r.get("who"), r.get("reason"))
        for r in records
        if r["command"] in ("approval", "approve_cancel", "withdraw_cancel")
    ]


def test_a_second_permitted_person_sends_exactly_one_cancel_and_nobody_else_can(
    two_person: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    rig = two_person
    approve = confirmed_by_alice(rig)
    awaiting(rig)
    rig.slack.click("approve_cancel", approve, user=ALICE, channel=rig.channel, key="self")
    assert "self-approval" in answer(rig, "self")
    rig.slack.click("approve_cancel", approve, user=MALLORY, channel=rig.channel, key="mallory")
    assert "Missing permission: user/group" in answer(rig, "mallory")
    status = awaiting(rig)
    assert [a["userId"] for a in status["approval"]["approvals"]] == [ALICE]

    rig.slack.click("approve_cancel", approve, user=BOB, channel=rig.channel, key="bob")
    assert "completes the 2" in answer(rig, "bob")
    [cancel] = rig.cancels()
    assert rig.output(cancel.instance_id)["status"] == "accepted"
    assert rig.cancel_posts() == 1
    rig.wait_for_channel(
        lambda ms: any(m.method == "chat.update" and "approved (2 of 2)" in (m.text or "") for m in ms)
    )
    rig.slack.click("approve_cancel", approve, user=CAROL, channel=rig.channel, key="late")
    assert "has all its approvals already" in answer(rig, "late")
    assert rig.cancel_posts() == 1
    history = rig.slack.command("history contoso contoso-vm-offer", channel=rig.channel).readable()
    assert f"<@{ALICE}> via Slack" in history, history  # who asked
    assert f"approved by <@{ALICE}>" in history and f"<@{BOB}>" in history and "(2 needed)" in history, history
    assert [(c, o, w) for c, o, w, _ in audited(caplog)] == [
        ("approval", "awaiting_approval", ALICE),  # the request opened, by the cancel orchestration
        ("approve_cancel", "refused", ALICE),
        ("approve_cancel", "refused", MALLORY),
        ("approve_cancel", "approved", BOB),
        ("approve_cancel", "refused", CAROL),
    ]
    reasons = [r for *_, r in audited(caplog)]
    assert reasons[1] == "self_approval" and "missing user/group" in (reasons[2] or "")
    assert reasons[4] == "request approved"


def test_the_timeout_sends_nothing_and_says_so(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    with settings_changed(monkeypatch, CANCEL_POLICY=json.dumps(TWO_PERSON_POLICY), APPROVAL_TIMEOUT_S="1"):
        approve = confirmed_by_alice(rig)
        [cancel] = rig.cancels()
        ended = rig.output(cancel.instance_id)
        assert ended["status"] == "expired" and ended["approval"]["approvals"][0]["userId"] == ALICE
        rig.wait_for_channel(lambda ms: any(m.method == "chat.update" and "expired" in (m.text or "") for m in ms))
        [update] = [m for m in rig.channel_messages() if m.method == "chat.update"]
        assert "nothing was sent" in (update.text or "") and not find_buttons(update, "approve_cancel")
        rig.slack.click("approve_cancel", approve, user=BOB, channel=rig.channel, key="bob")
        assert "expired" in answer(rig, "bob")
    assert rig.cancel_posts() == 0
    outcomes = [(c, o) for c, o, *_ in audited(caplog)]
    assert outcomes == [
        ("approval", "awaiting_approval"),
        ("approval", "approval_expired"),
        ("approve_cancel", "refused"),
    ]


def test_a_request_the_bot_cannot_post_is_closed_at_once_and_the_requester_is_told_why(
    two_person: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """The app is not in the channel: nobody else could see the request to approve it, so it is closed at once
    (not left to expire unseen for APPROVAL_TIMEOUT_S) and the requester is told, on her own reply, how to fix it."""
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    rig = two_person
    rig.standin.add_fault(
        SlackFault(method="chat.postMessage", status=200, error="not_in_channel", contains="asks to cancel")
    )
    reply = rig.slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    found = [b for b in reply.buttons() if b.get("action_id") == "confirm_cancel"]
    if not found:  # a loaded machine: the answer was "Looking up…", the confirmation follows on the response_url
        rig.standin.wait_for(lambda ms: any("confirm_cancel" in json.dumps(m.blocks) for m in ms), 20)
        later = [m for m in rig.standin.messages if "confirm_cancel" in json.dumps(m.blocks)]
        found = [find_button(later[0].blocks, "confirm_cancel")]
    assert rig.slack.click("confirm_cancel", found[0]["value"], channel=rig.channel, key="alice").status == 200
    [cancel] = rig.cancels()
    ended = rig.output(cancel.instance_id)
    assert ended["status"] == "expired"
    # The click's own answer and the orchestration's notice both go to alice's reply, in either order: pick by content.
    rig.standin.wait_for(lambda ms: any("I can't post in" in (m.text or "") for m in ms), 20)
    [notice] = [m for m in rig.slack.responses("alice") if "I can't post in" in (m.text or "")]
    assert not notice.replace_original, "a message of its own, which Confirm's answer cannot replace"
    told = notice.text or ""
    assert "I can't post in" in told and "not_in_channel" in told and "nothing was sent" in told, told
    assert "/invite" in told
    assert approval_requests(rig) == [] and rig.cancel_posts() == 0
    assert [o for _, o, *_ in audited(caplog)] == ["awaiting_approval", "approval_expired"]


def test_the_requester_withdraws_and_nothing_is_sent(two_person: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    rig = two_person
    value = confirmed_by_alice(rig)
    rig.slack.click("withdraw_cancel", value, user=BOB, channel=rig.channel, key="bob")
    assert "only the person who asked" in answer(rig, "bob")
    awaiting(rig)
    rig.slack.click("withdraw_cancel", value, user=ALICE, channel=rig.channel, key="alice-withdraws")
    assert "You withdrew" in answer(rig, "alice-withdraws")
    [cancel] = rig.cancels()
    assert rig.output(cancel.instance_id)["status"] == "withdrawn"
    rig.slack.click("approve_cancel", value, user=BOB, channel=rig.channel, key="bob-late")
    assert "withdrawn" in answer(rig, "bob-late")
    assert rig.cancel_posts() == 0
    history = rig.slack.command("history contoso contoso-vm-offer", channel=rig.channel).readable()
    assert "withdrawn; nothing was sent (1 of 2 approvals): asked by" in history, history
    assert f"withdrawn by <@{ALICE}>" in history, history
    assert [(c, o, w) for c, o, w, _ in audited(caplog)][1:] == [
        ("withdraw_cancel", "refused", BOB),
        ("withdraw_cancel", "withdrawn", ALICE),
        ("approve_cancel", "refused", BOB),
    ]


def test_simultaneous_second_approvals_send_one_cancel(two_person: Rig) -> None:
    rig = two_person
    value = confirmed_by_alice(rig)
    awaiting(rig)

    def click(user: str) -> int:
        return rig.slack.click("approve_cancel", value, user=user, channel=rig.channel, key=user).status

    with ThreadPoolExecutor(len(RELEASE_CREW)) as pool:
        assert list(pool.map(click, RELEASE_CREW)) == [200] * len(RELEASE_CREW)
    [cancel] = rig.cancels()
    assert rig.output(cancel.instance_id)["status"] == "accepted"
    texts = [answer(rig, user) for user in RELEASE_CREW]
    assert sum("completes the 2" in t for t in texts) == 1, texts
    assert sum("has all its approvals already" in t for t in texts) == len(RELEASE_CREW) - 1, texts
    [watcher] = rig.watchers()
    assert rig.output(watcher.instance_id, timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == 1


def find_buttons(message: SlackMessage, action_id: str) -> list[dict[str, Any]]:
    return [e for b in message.blocks for e in b.get("elements") or [] if e.get("action_id") == action_id]


def test_a_webhook_request_waits_for_a_human(two_person: Rig) -> None:
    rig = two_person
    without = {k: v for k, v in rig.webhook_body().items() if k != "slackChannel"}
    refused = rig.webhook(without)
    assert refused.status == 400 and refused.json()["error"]["code"] == "approval_channel_required"
    assert rig.cancels() == []

    answer_ = rig.webhook(rig.webhook_body(), msg_id="msg_two_person")
    assert answer_.status == 202, answer_.body
    body = answer_.json()
    assert body["status"] == "awaiting_approval" and body["approval"]["stillNeeded"] == 1
    assert [a["by"] for a in body["approval"]["approvals"]] == ["release-pipeline"]
    status = rig.webhook_status(body["instanceId"])
    assert status["approval"]["required"] == 2 and len(status["approval"]["approvals"]) == 1
    assert rig.cancel_posts() == 0

    rig.wait_for_channel(lambda ms: bool(approval_requests(rig)))
    [asked] = approval_requests(rig)
    approve = find_button(asked.blocks, "approve_cancel")["value"]
    rig.slack.click("approve_cancel", approve, user=BOB, channel=rig.channel, key="bob")
    assert "Missing permission" in answer(rig, "bob")  # the pipeline's rule names Alice, not Bob's group
    rig.slack.click("approve_cancel", approve, user=ALICE, channel=rig.channel, key="alice")
    assert "completes the 2" in answer(rig, "alice")
    assert rig.output(body["instanceId"])["status"] == "accepted"
    assert rig.cancel_posts() == 1
    done = rig.webhook_status(body["instanceId"])
    assert [a["userId"] for a in done["approval"]["approvals"]] == [None, ALICE]
    assert done["approval"]["state"] == "approved" and done["customStatus"]["status"] == "accepted"
    again = rig.webhook(rig.webhook_body(), msg_id="msg_two_person")  # a retried delivery: the first's answer
    assert again.status == 202 and again.json()["status"] == "accepted"
    assert rig.cancel_posts() == 1


@pytest.mark.parametrize(
    "crafted",
    [
        None,
        "not json",
        json.dumps({"i": "watch-" + "0" * 32, "p": "contoso", "o": "contoso-vm-offer"}),  # not a cancel
        json.dumps({"i": "cancel-slack-" + "0" * 32, "p": "contoso", "o": "contoso-vm-offer"}),  # nobody asked
    ],
)
def test_a_crafted_approve_or_withdraw_changes_nothing(two_person: Rig, crafted: str | None) -> None:
    rig = two_person
    for action in ("approve_cancel", "withdraw_cancel"):
        assert rig.slack.click(action, crafted, user=BOB, channel=rig.channel, key=action).status == 200
        assert "no longer valid" in answer(rig, action)
    assert rig.cancels() == [] and rig.cancel_posts() == 0


def test_an_approve_naming_another_offer_than_its_request_changes_nothing(two_person: Rig) -> None:
    """The record is read under the offer the button names: a request recorded under another offer is not found."""
    rig = two_person
    value = json.loads(confirmed_by_alice(rig))
    moved = json.dumps({**value, "o": "contoso-other-offer"})
    rig.slack.click("approve_cancel", moved, user=BOB, channel=rig.channel, key="moved")
    assert "no longer valid" in answer(rig, "moved")
    awaiting(rig)


def test_a_rule_changed_while_waiting_approves_nobody(two_person: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = two_person
    approve = confirmed_by_alice(rig)
    changed = json.loads(json.dumps(TWO_PERSON_POLICY))
    changed["rules"][0]["channels"] = [rig.channel]
    with settings_changed(monkeypatch, CANCEL_POLICY=json.dumps(changed)):
        rig.slack.click("approve_cancel", approve, user=BOB, channel=rig.channel, key="bob")
        assert "has changed since" in answer(rig, "bob")
    awaiting(rig)
