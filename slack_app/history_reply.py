"""`/cpp history <publisher> <offer>`: the offer's last cancel attempts, read from the app's own record.

The record is what decides whether a cancel may be sent (record_store/), so it is also the proof a release engineer
asks for afterwards: who asked, from where, when, and what came of it - including the requests that sent nothing
because they joined a cancel already in flight, or because their first attempt may already have reached the Portal.
"""

from __future__ import annotations

from collections.abc import Sequence

from cppcancel.times import parse_iso
from record_store.base import CancelRecord
from slack_app.blockkit import Block, Message, context, message, section
from slack_app.mrkdwn import code, escape, person, slack_time, target

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


def history_message(publisher_id: str, offer_id: str, records: Sequence[CancelRecord], *, ref: str) -> Message:
    head = f"*Cancel attempts for {target(publisher_id, offer_id)}* (newest first)"
    if not records:
        text = f"No cancel attempts are recorded for {publisher_id}/{offer_id}."
        return message(text, [section(f"{head}\n{text}"), context(f"ref {code(ref)}")])
    shown = list(records[:MAX_SHOWN])
    blocks: list[Block] = [section(head), *(section(attempt_line(r)) for r in shown)]
    blocks.append(context(f"The last {len(shown)} from this app's record.", f"ref {code(ref)}"))
    return message(f"{len(shown)} cancel attempt(s) recorded for {publisher_id}/{offer_id}.", blocks)


def history_unavailable_message(publisher_id: str, offer_id: str, ref: str) -> Message:
    text = f"The cancel history of {publisher_id}/{offer_id} could not be read right now; try again in a minute."
    return message(text, [section(f":warning: {escape(text)}"), context(f"ref {code(ref)}")])
