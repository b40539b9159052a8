"""The demo's two-person act: a rule that asks for two approvals, from Slack.

The policy gives `contoso-ha-app` (an Azure Application on the submission API stand-in, with a submission in
certification) a rule of `"approvals": 2` for alice and bob. alice asks and confirms: nothing is sent, and #releases
shows who asked, what would be cancelled and how many approvals are still needed, with Approve and Withdraw. alice's
own Approve is refused (self-approval); bob's completes the two, and exactly one DELETE reaches the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from devhost.demo.story import ALICE, CHANNEL, CONFIRM_ACTION, PUBLISHER, StepFailed, Story
from devhost.standins.slack.client import Button

BOB = "U0BOB"
APPROVAL_OFFER = "contoso-ha-app"
APPROVAL_SUBMISSION = "1152921505695132000"
APPROVE_ACTION = "approve_cancel"
T = TypeVar("T")
# The strictest allowing rule decides: for this offer, alice's everyday rule is outranked by this one.
APPROVAL_RULE: dict[str, Any] = {
    "publishers": [PUBLISHER],
    "offers": [APPROVAL_OFFER],
    "users": [ALICE, BOB],
    "approvals": 2,
}


def _deletes(story: Story, product_id: str) -> list[str]:
    api = story.host.emulation.submission
    return [path for path in api.deletes() if product_id in path] if api is not None else []


def _wait(story: Story, probe: Callable[[], T | None], what: str) -> T:
    while time.monotonic() < story.deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.05)
    raise StepFailed(f"gave up waiting for {what}")


def _approval_request(story: Story) -> Any | None:
    """The approval request posted in #releases (the channel message with the Approve button), if there is one."""
    asked = [
        m
        for m in story.messages()
        if m.method == "chat.postMessage" and any(b.get("block_id") == "approval_actions" for b in m.blocks)
    ]
    return asked[-1] if asked else None


def _approve_button(message: Any) -> Button:
    for block in message.blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == APPROVE_ACTION:
                return Button(APPROVE_ACTION, element.get("value"), block.get("block_id"), "Approve", "danger")
    raise StepFailed("the approval request in the channel has no Approve button")


def _approve(story: Story, user: str, message: Any) -> str:
    """`user` clicks Approve on the channel's request; what the app answers them (ephemeral, on the response_url)."""
    story.talk.user_clicks(user, "Approve")
    key = story.response_url(f"approve-{user.lower()}")
    answer = story.slack.click(
        _approve_button(message), user=user, channel=CHANNEL, response_url=key, message_ts=message.ts
    )
    story.expect_ok(answer, "slack/interactions")
    said = [m for m in story.messages() if m.method == "response_url" and m.response_key and m.response_key in key]
    return (said[-1].text if said else answer.text) or ""  # the stand-in has shown it as it arrived


def two_person_cancel(story: Story) -> None:
    api = story.host.emulation.submission
    if api is None:
        raise StepFailed("the submission API stand-in did not start (devhost.standins.submission.SubmissionStandIn)")
    product = api.add_product(APPROVAL_OFFER)
    api.add_submission(product.id, APPROVAL_SUBMISSION, state="InProgress", substate="Submitted")
    reply = story.command(ALICE, f"/cpp cancel {PUBLISHER} {APPROVAL_OFFER}")
    if reply.button(CONFIRM_ACTION) is None:
        raise StepFailed(f"the two-person cancel's reply has no Confirm button: {reply.readable()[:400]}")
    story.confirm(reply)
    asked = _wait(story, lambda: _approval_request(story), "the approval request in the channel")
    if _deletes(story, product.id):
        raise StepFailed("a DELETE reached the submission API on the first of two approvals")
    story.passed.append("two-person rule: alice's Confirm sent nothing; #releases asks for a second approval")
    own = _approve(story, ALICE, asked)
    if "self-approval" not in own or _deletes(story, product.id):
        raise StepFailed(f"alice's own Approve was not refused as a self-approval: {own[:300]}")
    story.passed.append("two-person rule: alice's own Approve was refused (self-approval)")
    second = _approve(story, BOB, asked)
    if "being sent now" not in second:
        raise StepFailed(f"bob's Approve did not complete the approvals: {second[:300]}")
    _wait(story, lambda: _deletes(story, product.id) or None, "the one DELETE after the second approval")
    time.sleep(0.5)  # room for a wrongly sent second DELETE to show
    if len(_deletes(story, product.id)) != 1:
        raise StepFailed(f"expected exactly one DELETE after bob's approval, saw {_deletes(story, product.id)}")
    story.passed.append("two-person rule: bob's Approve sent exactly one cancel (one DELETE)")
