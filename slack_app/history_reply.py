"""`/cpp history <publisher> <offer>`: the offer's last cancel attempts, read from the app's own record.

The record is what decides whether a cancel may be sent (record_store/), so it is also the proof a release engineer
asks for afterwards: who asked, from where, when, and what came of it - including the requests that sent nothing
because they joined a cancel already in flight, or because their first attempt may already have reached the Portal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cppcancel.times import parse_iso
from record_store.base import CancelRecord
from slack_app.blockkit import Block, Message, context, message, section
from slack_app.mrkdwn import USER_ID, code, escape, person, slack_time, target

if TYPE_CHECKING:  # the two-person rule's records are read only by /cpp history (not on other commands' path)
    from cppcancel.approvals import Approval, ApprovalRecord

MAX_SHOWN = 10
# What each state of the record means for the person reading the history.
_STATE_TEXT = {
    "recorded": "recorded, not sent yet",
    "sending": "sent; its answer was not recorded (the app restarted) - it was never sent again",
    "joined": "joined the cancel already in flight; nothing was sent",
    "not_sent": "nothing was sent",
}
_OUTCOME_TEXT = {"cancelled": "cancelled at once", "accepted": "accepted", "failed": "failed"}
_EMOJI = {"sent": ":white_check_mark:", "failed": ":x:", "joined": ":arrow_right_hook:", "not_sent": ":x:"}


def _when(text: str | None) -> str:
    moment = parse_iso(text)
    return slack_time(moment) if moment else escape(text or "an unknown time")


def _what(record: CancelRecord) -> str:
    if record.state in ("sent", "failed"):
        said = _OUTCOME_TEXT.get(record.outcome or "", record.outcome or record.state)
        status = f" (HTTP {record.status_code})" if record.status_code else ""
        detail = f": {escape(record.message[:200])}" if record.state == "failed" and record.message else ""
        return f"{said}{status}{detail}"
    return _STATE_TEXT.get(record.state, record.state)


# Where a request came from, as the history names it (every chat's cancels are in the one record of the offer).
_VIA = {"slack": "Slack", "teams": "Microsoft Teams"}


def attempt_line(record: CancelRecord) -> str:
    """One request: who, via which chat (or the webhook), where, when, and what came of it. A Slack channel is
    linked; a Teams request is named by the person's name (its IDs mean nothing in Slack)."""
    where = f" in <#{record.channel}>" if record.channel and record.source == "slack" else ""
    via = _VIA.get(record.source) or f"the {escape(record.source)}"
    who = escape(record.display or record.requested_by) if record.source == "teams" else person(record.requested_by)
    head = f"{_EMOJI.get(record.state, ':hourglass_flowing_sand:')} {who} via {via}{where}, "
    line = head + f"{_when(record.requested_at)}: {_what(record)}"
    about = record.target.about(record.operation_url)  # a job by its ID; a publish by the operation its cancel started
    if about:
        line += f"\n      {about}"
    return line


def _approver(approval: Approval) -> str:
    """A Slack user as a mention; anyone else (a Teams person by their Entra object ID, a webhook caller) by name."""
    user_id = approval.user_id
    return person(user_id) if user_id and USER_ID.match(user_id) else escape(approval.display)


def _approvers(approval: ApprovalRecord) -> str:
    return ", ".join(f"{_approver(a)} ({_when(a.at)})" for a in approval.approvals)


def _withdrawer(approval: ApprovalRecord, closed_by: str) -> str:
    """Who withdrew (their user ID, or a name): named as their approval names them (only the requester withdraws)."""
    mine = [a for a in approval.approvals if a.user_id == closed_by]
    return _approver(mine[0]) if mine else person(closed_by)


_APPROVAL_STATE = {
    "pending": ":raised_hand: awaiting approval",
    "approved": ":ballot_box_with_check: approved, not sent yet",
    "withdrawn": ":leftwards_arrow_with_hook: withdrawn; nothing was sent",
    "expired": ":hourglass: expired without its approvals; nothing was sent",
}


def approval_line(approval: ApprovalRecord) -> str:
    """A request under a two-person rule that sent nothing (yet): who asked, who approved, how it stands."""
    first = approval.approvals[0] if approval.approvals else None
    asked = f"{_approver(first)}, {_when(first.at)}" if first else "someone"
    state = _APPROVAL_STATE.get(approval.state, approval.state)
    line = f"{state} ({approval.count} of {approval.required} approvals): asked by {asked}"
    if approval.state == "withdrawn" and approval.closed_by:
        line += f"; withdrawn by {_withdrawer(approval, approval.closed_by)}"
    return line + f"\n      approved by {_approvers(approval)}"


def _entries(records: Sequence[CancelRecord], approvals: Mapping[str, ApprovalRecord]) -> list[tuple[str, str]]:
    """(when, line) of every attempt: the records (with who approved them, under a two-person rule) and the approval
    requests that sent nothing, newest first."""
    entries = []
    for record in records:
        line = attempt_line(record)
        approval = approvals.get(record.instance_id)
        if approval is not None:
            line += f"\n      approved by {_approvers(approval)} ({approval.required} needed)"
        entries.append((record.requested_at, line))
    sent = {r.instance_id for r in records}
    for instance_id, approval in approvals.items():
        if instance_id not in sent and approval.approvals:
            entries.append((approval.approvals[0].at, approval_line(approval)))
    return sorted(entries, key=lambda e: parse_iso(e[0]) or datetime.min.replace(tzinfo=UTC), reverse=True)


def history_message(
    publisher_id: str,
    offer_id: str,
    records: Sequence[CancelRecord],
    *,
    ref: str,
    approvals: Mapping[str, ApprovalRecord] | None = None,
) -> Message:
    """The offer's last attempts; `approvals`: the two-person rule's requests by instance ID (who approved)."""
    head = f"*Cancel attempts for {target(publisher_id, offer_id)}* (newest first)"
    entries = _entries(records, approvals or {})
    if not entries:
        text = f"No cancel attempts are recorded for {publisher_id}/{offer_id}."
        return message(text, [section(f"{head}\n{text}"), context(f"ref {code(ref)}")])
    shown = [line for _, line in entries[:MAX_SHOWN]]
    blocks: list[Block] = [section(head), *(section(line) for line in shown)]
    blocks.append(context(f"The last {len(shown)} from this app's record.", f"ref {code(ref)}"))
    return message(f"{len(shown)} cancel attempt(s) recorded for {publisher_id}/{offer_id}.", blocks)


def history_unavailable_message(publisher_id: str, offer_id: str, ref: str) -> Message:
    text = f"The cancel history of {publisher_id}/{offer_id} could not be read right now; try again in a minute."
    return message(text, [section(f":warning: {escape(text)}"), context(f"ref {code(ref)}")])
