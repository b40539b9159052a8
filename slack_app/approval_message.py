"""The two-person rule's channel message in Slack (pure Block Kit): who asked, what will be cancelled, how many
approvals are still needed and until when, with **Approve** (danger, behind Slack's plain_text dialog) and
**Withdraw** (for whoever asked; the listener refuses anyone else). The same message is rewritten in place as
approvals arrive and when the request is approved, withdrawn or expires - then without buttons.
"""

from __future__ import annotations

from cppcancel.approvals import ApprovalRecord, Decision
from cppcancel.contracts import CancelRequest
from cppcancel.targets import Target
from slack_app.actions import APPROVE_CANCEL, WITHDRAW_CANCEL, ApprovalRef
from slack_app.blockkit import Block, Message, actions, button, confirm_dialog, context, message, section
from slack_app.mrkdwn import code, escape, person, slack_time


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
            f"↩️ Cancel of {target.words} withdrawn by {person(record.closed_by or 'its requester')}: nothing was sent."
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


def render_approval_not_posted(request: CancelRequest, channel_id: str, slack_error: str) -> Message:
    """To the requester alone (the response_url) when the request cannot be posted where others could approve it:
    it is closed at once rather than left to expire unseen, and the person is told how to fix that."""
    target = request.target
    why = f"I can't post in <#{channel_id}> (Slack said {code(slack_error)})"
    fix = "Invite me to the channel (`/invite @cppcancel`) and ask again."
    text = f"{why}, so nobody else can see this request to approve it: it is closed and nothing was sent. {fix}"
    rich = (
        f"⚠️ {why}, so nobody else can see the request to cancel {target.marked} to approve it: it is closed and "
        f"*nothing was sent*. {fix}"
    )
    return message(text, [section(rich)])


# -- the ephemeral answers of Confirm, Approve and Withdraw ------------------------------------------------------------


def awaiting_message(target: Target, required: int, channel_id: str | None) -> Message:
    """Confirm's first answer under a two-person rule: nothing is sent until the others approve."""
    where = f"in <#{channel_id}>" if channel_id else "in the channel"
    others = required - 1
    people = "person approves" if others == 1 else "people approve"
    rest = f"Nothing is sent until {others} other permitted {people}: the request is posted {where}"
    rest += ", with Approve and Withdraw."
    text = f"Your confirmation is the first of {required} approvals the cancel of {target.words} needs. {rest}"
    rich = f"✋ Your confirmation is the first of {required} approvals the cancel of {target.marked} needs. {rest}"
    return message(text, [section(rich)])


def _refused(text: str, ref: str) -> Message:
    return message(text, [section(f":no_entry: {escape(text)}"), context(f"ref {code(ref)}")])


_NOT_PENDING = {
    "approved": "This cancel has all its approvals already: it was sent (or is being sent). Nothing more is needed.",
    "withdrawn": "This cancel was withdrawn by whoever asked for it: nothing was sent, and it cannot be approved.",
    "expired": "This request expired before it had its approvals: nothing was sent. Ask again with /cpp cancel.",
}


def approval_answer(decision: Decision, record: ApprovalRecord, ref: str) -> Message:
    """What the person who clicked Approve or Withdraw is told, for each decision of the record."""
    what = f"{record.publisher_id}/{record.offer_id}"
    if decision is Decision.RECORDED:
        text = f"Your approval of the cancel of {what} is recorded ({record.count} of {record.required}): "
        text += f"{record.still_needed} more needed. Nothing is sent yet."
        return message(text, [section(f":ballot_box_with_check: {escape(text)}"), context(f"ref {code(ref)}")])
    if decision is Decision.APPROVED:
        text = f"Your approval completes the {record.required} the cancel of {what} needed: it is being sent now."
        return message(text, [section(f":white_check_mark: {escape(text)}"), context(f"ref {code(ref)}")])
    if decision is Decision.WITHDRAWN:
        text = f"You withdrew the cancel of {what}: nothing was sent."
        return message(text, [section(f":leftwards_arrow_with_hook: {escape(text)}"), context(f"ref {code(ref)}")])
    return _refused(_REFUSALS.get(decision) or _NOT_PENDING.get(record.state, "This request is closed."), ref)


_REFUSALS = {
    Decision.SELF_APPROVAL: (
        "Refused: self-approval. You asked for this cancel, so your Confirm already counts as your approval; a "
        "second, different permitted person must approve it."
    ),
    Decision.ALREADY_APPROVED: "Refused: you have already approved this cancel. Another permitted person must approve.",
    Decision.TOO_LATE: "Refused: this request has expired. Nothing was sent; ask again with /cpp cancel.",
    Decision.NOT_REQUESTER: "Refused: only the person who asked for this cancel can withdraw it.",
}


def record_unavailable_message(ref: str) -> Message:
    text = "The app's record of approvals could not be read right now: nothing was changed. Try again in a minute."
    return message(text, [section(f":warning: {escape(text)}"), context(f"ref {code(ref)}")])


_CHAT_NAMES = {"slack": "Slack", "teams": "Microsoft Teams"}


def other_chat_message(chat: str, ref: str) -> Message:
    """Approve or Withdraw from another chat than the request's own (one person may have an account in each)."""
    return _refused(
        f"Refused: this request was posted in {_CHAT_NAMES.get(chat, chat)}, and only approvals given there count "
        "(the app cannot tell one person's accounts in two chats apart). Nothing was changed.",
        ref,
    )


def rule_changed_message(ref: str) -> Message:
    return _refused(
        "Refused: the policy rule this cancel was asked under has changed since, so nobody can approve it any more. "
        "Nothing was sent; ask again with /cpp cancel under the current policy.",
        ref,
    )
