"""The two-person rule's Slack message and answers (pure Block Kit)."""

from __future__ import annotations

import json
from dataclasses import replace

from cppcancel.approvals import Approval, ApprovalNeed, ApprovalRecord, Decision
from slack_app.actions import ApprovalRef
from slack_app.approval_message import approval_answer, render_approval
from tests.cancel_function.conftest import cancel_request
from tests.slack_app.helpers import find_button

REQUEST = replace(cancel_request(), approval=ApprovalNeed(2, "r1", 900.0))
RECORD = ApprovalRecord(
    instance_id=REQUEST.instance_id,
    publisher_id="contoso",
    offer_id="contoso-vm-offer",
    requested_by="slack:U0ALICE",
    required=2,
    rule="r1",
    expires_at="2026-11-25T10:15:00Z",
    approvals=(Approval("slack:U0ALICE", "alice", "2026-11-25T10:00:00Z", "U0ALICE"),),
)


def test_the_request_says_who_asked_what_how_many_and_until_when_with_approve_and_withdraw() -> None:
    body = render_approval(REQUEST, RECORD)
    text = json.dumps(body.blocks)
    assert "<@U0ALICE> asks to cancel `contoso`/`contoso-vm-offer`" in text and "1 more approval" in text
    assert "<!date^" in text  # the deadline, in each reader's time zone
    approve = find_button(list(body.blocks), "approve_cancel")
    assert approve["style"] == "danger"
    dialog = approve["confirm"]
    assert all(dialog[k]["type"] == "plain_text" for k in ("title", "text", "confirm", "deny"))
    assert len(dialog["text"]["text"]) <= 300
    assert ApprovalRef.from_value(approve["value"]) == ApprovalRef(REQUEST.instance_id, "contoso", "contoso-vm-offer")
    assert find_button(list(body.blocks), "withdraw_cancel")["value"] == approve["value"]


def test_a_closed_request_has_no_buttons_and_says_what_happened() -> None:
    for state, words in (
        ("approved", "approved (2 of 2)"),
        ("withdrawn", "withdrawn by <@U0ALICE>"),
        ("expired", "nothing was sent"),
    ):
        closed = replace(RECORD, state=state, closed_by="U0ALICE")
        if state == "approved":
            closed = replace(closed, approvals=(*RECORD.approvals, Approval("slack:U0BOB", "bob", "t", "U0BOB")))
        body = render_approval(REQUEST, closed)
        assert words in json.dumps(body.blocks) and "approval_actions" not in json.dumps(body.blocks)


def test_every_refusal_names_its_reason() -> None:
    said = {d: approval_answer(d, RECORD, "ref1").text for d in Decision}
    assert "self-approval" in said[Decision.SELF_APPROVAL]
    assert "already approved" in said[Decision.ALREADY_APPROVED]
    assert "expired" in said[Decision.TOO_LATE]
    assert "only the person who asked" in said[Decision.NOT_REQUESTER]
    assert "(1 of 3): 2 more needed" in approval_answer(Decision.RECORDED, replace(RECORD, required=3), "r").text
    for state, words in (("approved", "has all its approvals"), ("withdrawn", "withdrawn"), ("expired", "expired")):
        assert words in approval_answer(Decision.NOT_PENDING, replace(RECORD, state=state), "r").text
