"""The two-person rule's channel message in Slack (pure Block Kit): who asked, what will be cancelled, how many
approvals are still needed and until when, with **Approve** (danger, behind Slack's plain_text dialog) and
**Withdraw** (for whoever asked; the listener refuses anyone else). The same message is rewritten in place as
approvals arrive and when the request is approved, withdrawn or expires - then without buttons.
"""

from __future__ import annotations

from cppcancel.approvals import ApprovalRecord
from cppcancel.contracts import CancelRequest
from slack_app.actions import APPROVE_CANCEL, WITHDRAW_CANCEL, ApprovalRef
from slack_app.blockkit import Block, Message, actions, button, confirm_dialog, context, message, section
from slack_app.mrkdwn import escape, slack_time


def _who(user_id: str | None, display: str) -> str:
    return f"<@{user_id}>" if user_id else escape(display)


def _approvers(record: ApprovalRecord) -> str:
    return ", ".join(f"{_who(a.user_id, a.display)} ({slack_time(a.at)})" for a in record.approvals)


def _controls(request: CancelRequest, record: ApprovalRecord) -> Block:
    value = ApprovalRef(record.instance_id, record.publisher_id, record.offer_id).to_value()
    dialog = confirm_dialog(
        "Approve this cancel?",
        f"Your approval counts toward the {record.required} this cancel needs. When they are complete, the cancel "
        f"of {request.target.words} is sent at once and cannot be undone.",
        "Approve",
        "Not now",
        emoji=False,
    )
    approve = button("Approve", APPROVE_CANCEL, value, style="danger", confirm=dialog)
    return actions("approval_actions", approve, button("Withdraw", WITHDRAW_CANCEL, value))


def render_approval(request: CancelRequest, record: ApprovalRecord) -> Message:
    """The approval request as it stands in the record."""
    target = request.target
    asked = _who(request.requester.user_id, request.requester.display)
    so_far = f"*Approved so far ({record.count} of {record.required}):* {_approvers(record)}"
    deadline = slack_time(record.expires_at)
    if record.state == "approved":
        text = f"✅ Cancel of {target.words} approved ({record.count} of {record.required}): it is being sent."
        return message(text, [section(text), context(so_far)])
    if record.state == "withdrawn":
        text = (
            f"↩️ Cancel of {target.words} withdrawn by {escape(record.closed_by or 'its requester')}: nothing was sent."
        )
        return message(text, [section(text), context(so_far)])
    if record.state == "expired":
        text = (
            f"⌛ Cancel of {target.words} expired at {deadline} without the approvals it needed "
            f"({record.count} of {record.required}): nothing was sent."
        )
        return message(text, [section(text), context(so_far, "Ask again with /cpp cancel if it is still needed.")])
    needed = record.still_needed
    text = (
        f"✋ {asked} asks to cancel {target.marked}. This needs {needed} more approval{'s' if needed != 1 else ''} "
        f"from a permitted person (not {asked}) by {deadline}."
    )
    fallback = f"Approval needed: cancel of {target.words}, {needed} more approval(s) by {record.expires_at}."
    notes = context(
        so_far, "Only people allowed to cancel under the same rule can approve; only the requester can withdraw."
    )
    return message(fallback, [section(text), notes, _controls(request, record)])
