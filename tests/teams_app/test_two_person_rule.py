"""The two-person rule in Teams, through the dev host (a subprocess running the real cancel orchestration, waiting on
the durable engine) over signed activities, the Bot Connector stand-in playing Teams and the CPP emulator counting
cancels. A rule with `"approvals": 2` naming Amy and Ben (Mallory is not permitted):

Amy's Confirm sends nothing and posts the approval card; her own Approve is refused (self-approval) and says so;
Mallory's is refused; Ben's sends exactly one cancel; the card is replaced by PUTs to its one activity ID as the
request goes; a withdrawal by Amy closes it and nothing is sent; the timeout sends nothing; every click is audited
with the chat named. And a request posted in Slack takes no approvals from Teams.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from cppcancel.approvals import Approval, ApprovalRecord
from cppcancel.contracts import cancel_instance_id
from cppcancel.settings import get_settings, reset_settings_cache
from devhost.standins.slack import SlackStandIn
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, Person, SentActivity
from record_store import approvals
from record_store.factory import record_store
from slack_app.actions import ApprovalRef
from teams_app.cards import card_of_activity, readable
from tests.cancel_function.conftest import AuditLog
from tests.conftest import app_settings
from tests.devhost.conftest import free_port, wait_until
from tests.devhost.process import DevHostProcess
from tests.teams_app.conftest import AMY, APP_ID, BEN, MALLORY, TEAMS_POLICY, teams_settings
from tests.teams_app.test_confirm import ask, execute, verbs

CAROL = Person("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "Carol")
RULE = TEAMS_POLICY["rules"][0]
TWO_PERSON_POLICY = {"rules": [{**RULE, "users": [*RULE["users"], CAROL.aad_object_id], "approvals": 2}]}


@dataclass
class TwoPerson:
    teams: BotConnectorClient
    connector: BotConnectorStandIn
    host: DevHostProcess
    cpp: Any

    def approval_card(self) -> SentActivity:
        """The approval request's card, once the cancel orchestration has posted it."""

        def posted() -> SentActivity | None:
            found = [a for a in self.connector.activities if a.verb == "post" and "approveCancel" in _verbs(a)]
            return found[0] if found else None

        found: SentActivity = wait_until(posted, 30, "the approval request's card")
        return found

    def updates(self, card: SentActivity) -> list[SentActivity]:
        return [a for a in self.connector.activities if a.verb == "put" and a.activity_id == card.activity_id]

    def wait_for_update(self, card: SentActivity, says: str) -> SentActivity:
        found: SentActivity = wait_until(
            lambda: next((a for a in self.updates(card) if says in _text(a)), None), 30, f"the card saying {says!r}"
        )
        return found

    def audited(self) -> list[dict[str, Any]]:
        """The dev host's audit records about approvals (one JSON line each in its log), in order."""
        records = []
        for line in self.host.log().splitlines():
            start = line.find('{"')
            try:
                record = json.loads(line[start:]) if start >= 0 else None
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("command") in ("approval", "approve_cancel", "withdraw_cancel"):
                records.append(record)
        return records


def _verbs(activity: SentActivity) -> list[str]:
    return verbs(card_of_activity(activity.body) or {})


def _text(activity: SentActivity) -> str:
    card = card_of_activity(activity.body)
    return readable(card) if card is not None else str(activity.body.get("text", ""))


def _start(tmp_path: Path, cpp: Any, slack: SlackStandIn, connector: BotConnectorStandIn, **env: str) -> DevHostProcess:
    connector.reset()
    policy = json.dumps(TWO_PERSON_POLICY)
    settings = app_settings(cpp, slack, **teams_settings(connector, CANCEL_POLICY=policy, **env))
    process = DevHostProcess(
        app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=settings, log_path=tmp_path / "dh.log"
    )
    process.start()
    return process


@pytest.fixture
def two_person(
    tmp_path: Path, cpp_emulator: Any, slack_standin: SlackStandIn, connector: BotConnectorStandIn
) -> Iterator[TwoPerson]:
    process = _start(tmp_path, cpp_emulator, slack_standin, connector)
    try:
        teams = BotConnectorClient(connector, f"{process.origin}/api/messages", APP_ID)
        yield TwoPerson(teams, connector, process, cpp_emulator)
    finally:
        process.stop()


@pytest.fixture
def one_second(
    tmp_path: Path, cpp_emulator: Any, slack_standin: SlackStandIn, connector: BotConnectorStandIn
) -> Iterator[TwoPerson]:
    """`two_person`, with approvals due within a second (`APPROVAL_TIMEOUT_S`)."""
    process = _start(tmp_path, cpp_emulator, slack_standin, connector, APPROVAL_TIMEOUT_S="1")
    try:
        teams = BotConnectorClient(connector, f"{process.origin}/api/messages", APP_ID)
        yield TwoPerson(teams, connector, process, cpp_emulator)
    finally:
        process.stop()


def confirmed_by_amy(rig: TwoPerson) -> tuple[str, SentActivity, str]:
    """Amy asks and confirms: (the Approve action's value, the approval card, the conversation)."""
    ticket, card_id, conversation = ask(rig.teams, rig.connector)
    answer = execute(rig.teams, "confirmCancel", ticket, AMY, card_id, conversation)
    assert "first of 2 approvals" in readable(answer) and "posted in this channel" in readable(answer)
    card = rig.approval_card()
    content = card_of_activity(card.body)
    assert content is not None
    said = readable(content)
    assert "Amy asks to cancel" in said and "1 more approval" in said and "(not Amy)" in said, said
    approve, withdraw = content["actions"]
    assert (approve["verb"], approve["style"], withdraw["verb"]) == ("approveCancel", "destructive", "withdrawCancel")
    assert approve["data"] == withdraw["data"]
    assert rig.cpp.cancel_count() == 0, "one person's Confirm sends nothing"
    return str(approve["data"]["value"]), card, conversation


@pytest.mark.e2e
def test_a_second_permitted_teams_user_sends_exactly_one_cancel_and_nobody_else_can(two_person: TwoPerson) -> None:
    rig = two_person
    value, card, conversation = confirmed_by_amy(rig)

    def click(verb: str, who: Any) -> str:
        return readable(execute(rig.teams, verb, value, who, card.activity_id, conversation))

    assert "Refused: self-approval" in click("approveCancel", AMY)
    assert "Missing permission" in click("approveCancel", MALLORY)
    assert "only the person who asked" in click("withdrawCancel", BEN)
    assert rig.cpp.cancel_count() == 0

    assert "completes the 2" in click("approveCancel", BEN)
    wait_until(lambda: rig.cpp.cancel_count() == 1, 30, "the one cancel")
    final = rig.wait_for_update(card, "approved (2 of 2)")
    assert _verbs(final) == [], "the approved card has no actions left"
    assert "Ben" in _text(final) and "Amy" in _text(final)
    assert "already approved" in click("approveCancel", BEN)
    assert rig.cpp.cancel_count() == 1

    sent = [a for a in rig.connector.activities if a.activity_id == card.activity_id]
    assert sent[0].verb == "post" and all(a.verb == "put" for a in sent[1:]) and len(sent) > 1
    assert {a.conversation_id for a in sent} == {conversation}

    assert rig.teams.message("history contoso contoso-vm-offer", AMY).status == 200
    [history] = [_text(a) for a in rig.connector.activities if "via Microsoft Teams" in _text(a)]
    assert "Amy via Microsoft Teams" in history and "approved by Amy" in history and "Ben" in history, history

    audited = rig.audited()
    assert [(r["command"], r["outcome"], r["source"], r["who"]) for r in audited] == [
        ("approval", "awaiting_approval", "teams", AMY.aad_object_id),  # opened by the cancel orchestration
        ("approve_cancel", "refused", "teams", AMY.aad_object_id),
        ("approve_cancel", "refused", "teams", MALLORY.aad_object_id),
        ("withdraw_cancel", "refused", "teams", BEN.aad_object_id),
        ("approve_cancel", "approved", "teams", BEN.aad_object_id),
        ("approve_cancel", "refused", "teams", BEN.aad_object_id),
    ], audited
    reasons = [r["reason"] for r in audited]
    assert reasons[0].startswith("2 approvals needed by ") and "missing user/group" in reasons[2]
    assert [reasons[1], *reasons[3:]] == ["self_approval", "not_requester", "2 of 2 approvals", "already_approved"]


@pytest.mark.e2e
def test_the_requester_withdraws_in_teams_and_nothing_is_sent(two_person: TwoPerson) -> None:
    rig = two_person
    value, card, conversation = confirmed_by_amy(rig)
    withdrawn = execute(rig.teams, "withdrawCancel", value, AMY, card.activity_id, conversation)
    assert "You withdrew" in readable(withdrawn)
    final = rig.wait_for_update(card, "withdrawn by Amy")
    assert "nothing was sent" in _text(final) and _verbs(final) == []
    late = execute(rig.teams, "approveCancel", value, BEN, card.activity_id, conversation)
    assert "withdrawn by whoever asked for it" in readable(late) and "cannot be approved" in readable(late)
    assert rig.cpp.cancel_count() == 0
    assert {a.activity_id for a in rig.updates(card)} == {card.activity_id}
    outcomes = [(r["command"], r["outcome"], r["source"]) for r in rig.audited()]
    assert outcomes == [
        ("approval", "awaiting_approval", "teams"),
        ("withdraw_cancel", "withdrawn", "teams"),
        ("approve_cancel", "refused", "teams"),
    ]


@pytest.mark.e2e
def test_the_timeout_in_teams_sends_nothing_and_the_card_says_so(one_second: TwoPerson) -> None:
    rig = one_second
    value, card, conversation = confirmed_by_amy(rig)
    final = rig.wait_for_update(card, "expired")
    assert "nothing was sent" in _text(final) and _verbs(final) == []
    late = execute(rig.teams, "approveCancel", value, BEN, card.activity_id, conversation)
    assert "expired" in readable(late)
    assert rig.cpp.cancel_count() == 0
    assert [(r["command"], r["outcome"]) for r in rig.audited()] == [
        ("approval", "awaiting_approval"),
        ("approval", "approval_expired"),
        ("approve_cancel", "refused"),
    ]


@pytest.mark.e2e
def test_two_second_approvals_in_teams_at_the_same_instant_send_one_cancel(two_person: TwoPerson) -> None:
    rig = two_person
    value, card, conversation = confirmed_by_amy(rig)

    def approve(who: Person) -> str:
        return readable(execute(rig.teams, "approveCancel", value, who, card.activity_id, conversation))

    with ThreadPoolExecutor(2) as pool:
        said = list(pool.map(approve, (BEN, CAROL)))
    assert sum("completes the 2" in s for s in said) == 1, said
    assert sum("has all its approvals already" in s for s in said) == 1, said
    rig.wait_for_update(card, "approved (2 of 2)")
    wait_until(lambda: rig.cpp.cancel_count() == 1, 30, "the one cancel")
    outcomes = sorted(r["outcome"] for r in rig.audited() if r["command"] == "approve_cancel")
    assert outcomes == ["approved", "refused"]


def test_a_request_posted_in_slack_is_not_approved_from_teams(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One person may have a Slack and a Teams account, which the app cannot tell apart: approvals count only in the
    chat the request was posted to, so nobody approves their own Slack request from Teams (nor the reverse)."""
    monkeypatch.setenv("CANCEL_POLICY", json.dumps(TWO_PERSON_POLICY))
    reset_settings_cache()
    store = record_store(get_settings())
    instance_id = cancel_instance_id("slack", "0" * 32)
    amy_in_slack = Approval("slack:U0AMY", "amy", "2026-12-01T10:00:00Z", "U0AMY")
    asked = ApprovalRecord(
        instance_id, "contoso", "contoso-vm-offer", amy_in_slack.key, 2, "r1", "2099-01-01T00:00:00Z"
    )
    approvals.open_approval(store, replace(asked, approvals=(amy_in_slack,)))
    value = ApprovalRef(instance_id, "contoso", "contoso-vm-offer").to_value()
    for verb in ("approveCancel", "withdrawCancel"):
        card = execute(teams_cpp, verb, value, BEN, "1700000000001", "19:releases@thread.tacv2")
        assert "posted in Slack, and only approvals given there count" in readable(card), readable(card)
    record = approvals.read_approval(store, "contoso", "contoso-vm-offer", instance_id)
    assert record is not None and (record.count, record.state, record.changes) == (1, "pending", 0)
    refused = [r for r in audit_log.records() if r["command"] in ("approve_cancel", "withdraw_cancel")]
    assert [(r["source"], r["decision"], r["reason"]) for r in refused] == [
        ("teams", "refused", "the request was asked in slack")
    ] * 2
    assert connector.activities == []
