"""The one channel message that tells the story of a cancel: first post, in-place progress updates, final word.

Pure Block Kit rendering (no slack_sdk, no I/O, no clock: the caller passes `now`), shared by the cancel report
activity, which posts the message, and the watcher, which keeps it up to date. People reading it are release
engineers who want proof of what happened, so the message always says who asked, what the Partner Portal said in
its own words, when, and - for anything but success - what to do next (`slack_app.advice`).

What is shown comes from the watcher as a `cppcancel.chat.ProgressView` (`poll_function.watch_view.WatchView`): the
phase, what counts as news (`digest`: the watcher must not call Slack when nothing changed) and the API's own error
text are decided there. What is said of the target and its API - a configure job's ending in its own words, what a
cancelled one may have left behind - comes from the target and its backend's `Wording`
(`backends.registry.wording_for`), never from asking which API it is. The elapsed time is shown "as of" the moment
the message was last rendered, which stays true between updates. The progress message travels in orchestration
histories (the `update_slack` activity's input), so its wording and its blocks - key order included - are a wire
format.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from backends.base import Wording
from backends.http.operation import Operation, StepStatus
from backends.registry import wording_for
from cppcancel.chat import ProgressView
from cppcancel.contracts import CancelOutcome, Requester
from cppcancel.error_info import ErrorInfo
from cppcancel.sending import Joined, NotRepeated, TooLate, UnderWay
from cppcancel.targets import Target
from cppcancel.times import parse_iso
from slack_app.actions import STOP_WATCHING, StopWatch
from slack_app.advice import NOT_FOLLOWED_NEXT_STEP, OPS_COMMAND, look_command, next_step_hint
from slack_app.blockkit import (
    MAX_FALLBACK_CHARS,
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    header,
    section,
)
from slack_app.mrkdwn import MAX_BLOCKS, escape, format_duration, person, slack_time, truncate
from slack_app.operation_text import PROGRESS_STEPS, step_line, step_position

MAX_STEP_BLOCKS = 40  # leaves room for header, summary, error, context and actions within MAX_BLOCKS

_PHASE_EMOJI: dict[str, str] = {
    "watching": "⏳",
    "completed": "✅",
    "canceled": "🛑",
    "failed": "❌",
    "stopped": "⏹️",
    "timed_out": "⌛",
    "lost": "⚠️",
}


def _digest(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


# -- the Stop watching button ----------------------------------------------------------------------------------------


def stop_actions(watch_instance_id: str, publisher_id: str, offer_id: str) -> Block:
    """The watcher's "Stop watching" button; its value is `actions.StopWatch`, read back by the Slack listener."""
    dialog = confirm_dialog(
        "Stop watching?",
        "Only the updates here stop. The cancel itself is not undone: it carries on in the Partner Portal.",
        "Stop watching",
        "Keep watching",
        emoji=False,
    )
    value = StopWatch(watch_instance_id, publisher_id, offer_id).to_value()
    return actions("watch_actions", button("Stop watching", STOP_WATCHING, value, style="danger", confirm=dialog))


# -- progress of a watched operation ---------------------------------------------------------------------------------


def _headline(view: ProgressView) -> str:
    kind = view.kind
    return {
        "watching": f"{kind} under way",
        "completed": f"{kind} completed",
        "canceled": f"{kind} canceled",
        "failed": f"{kind} failed",
        "stopped": "no longer watched",
        "timed_out": "no longer watched (time limit)",
        "lost": "lost track of the operation",
    }[view.phase]


def _ended(view: ProgressView) -> str | None:
    """How the target ended in its API's own words, when the API says more than the status (a configure job's
    `jobStatus (jobResult)`), and what a cancelled one may have left behind."""
    words = wording_for(view.target)
    said = words.ended(view.operation)
    if said is None or view.phase not in ("completed", "canceled"):
        return None
    ended = f"*The {words.item.lower()} ended:* {escape(said)}."
    return f"{ended}\n{words.caveat}" if view.phase == "canceled" and words.caveat else ended


def _closing_text(view: ProgressView) -> str | None:
    """The section that explains a final state (what happened, and what to do if it is not plain success)."""
    ended = _ended(view)
    if ended is not None:
        return ended
    after = format_duration(view.elapsed_s)
    if view.phase == "failed":
        said = view.api_error or "no error text was given"
        return f"*The Partner Portal said:* {escape(said)}\nCheck `{OPS_COMMAND}` before trying again."
    if view.phase == "stopped":
        who = view.stopped_by.mention if view.stopped_by else "someone"
        return (
            f"⏹️ {who} stopped watching after {after}. The cancel itself is *not* undone: it carries on in the "
            f"Partner Portal (`{OPS_COMMAND}` shows where it is)."
        )
    if view.phase == "timed_out":
        return (
            f"⌛ Stopped watching after {after}, the watch's time limit; the operation was still "
            f"*{escape(view.status_word)}*. Check `{OPS_COMMAND}` to follow it."
        )
    if view.phase == "lost":
        why = escape(view.error or "the operation could not be read")
        return f"⚠️ Stopped watching: {why}\nThe cancel itself is not affected; check `{OPS_COMMAND}`."
    return None


def _summary(view: ProgressView) -> str:
    operation = view.operation
    facts = [f"*Status:* {escape(view.status_word)}"]
    if operation is not None:
        position = step_position(operation)
        if position and not view.is_final:
            facts.append(position)
        if operation.progress_percentage is not None:
            facts.append(f"{operation.progress_percentage}% overall")
    as_of = slack_time(view.now, "{time}")
    return (
        " · ".join(facts)
        + f"\n*Requested by:* {view.requester.mention} · *Elapsed:* {format_duration(view.elapsed_s)} (as of {as_of})"
    )


def _step_blocks(operation: Operation | None) -> list[Block]:
    if operation is None or not operation.steps:
        return []
    steps = operation.steps
    shown = steps if len(steps) <= MAX_STEP_BLOCKS else steps[: MAX_STEP_BLOCKS - 1]
    blocks = [section(step_line(step, PROGRESS_STEPS)) for step in shown]
    if len(shown) < len(steps):
        rest = steps[len(shown) :]
        done = sum(1 for s in rest if s.status is StepStatus.COMPLETE)
        blocks.append(section(f"…and {len(rest)} more steps ({done} complete)."))
    return blocks


def render_progress(view: ProgressView) -> Message:
    """The main message: header, summary, one block per step, final explanation, context, Stop button."""
    title = f"{_PHASE_EMOJI[view.phase]} {view.target.offer}: {_headline(view)}"
    blocks: list[Block] = [header(title), section(_summary(view))]
    blocks.extend(_step_blocks(view.operation))
    closing = _closing_text(view)
    if closing:
        blocks.append(section(closing))
    facts = [f"Watch `{view.watch_instance_id}`", f"checked {view.polls}×"]
    if view.operation is not None and view.operation.id:
        facts.insert(0, f"{wording_for(view.target).item} `{escape(view.operation.id)}`")
    blocks.append(context(" · ".join(facts)))
    if not view.is_final:
        blocks.append(stop_actions(view.watch_instance_id, view.target.publisher_id, view.target.offer_id))
    text = f"{title} — status {view.status_word}"
    if view.operation is not None and view.operation.progress_percentage is not None:
        text += f", {view.operation.progress_percentage}%"
    return Message(truncate(text, MAX_FALLBACK_CHARS), tuple(blocks[:MAX_BLOCKS]), view.digest)


def thread_reply(view: ProgressView, previous_status: str | None = None) -> str:
    """The thread reply for a status change (`previous_status`: the raw status announced before) or the end."""
    after = format_duration(view.elapsed_s)
    kind = view.kind
    if view.phase == "completed":
        return f"✅ The {kind} operation completed after {after}."
    if view.phase == "canceled":
        return wording_for(view.target).canceled_reply.format(kind=kind, after=after)
    if view.phase == "failed":
        said = view.api_error or "no error text was given"
        service = wording_for(view.target).service
        return f"❌ The {kind} operation failed after {after}. {service[:1].upper()}{service[1:]} said: {escape(said)}"
    closing = _closing_text(view)
    if closing is not None:
        return closing
    status = escape(view.status_word)
    was = f" (was {escape(previous_status)})" if previous_status else ""
    position = step_position(view.operation) if view.operation else ""
    return f"🔄 Status is now *{status}*{was}" + (f" — {position}." if position else ".")


# -- the first message: the outcome of the cancel POST ---------------------------------------------------------------


def render_cancel_report(*, target: Target, requester: Requester, outcome: CancelOutcome, at: datetime) -> Message:
    """The channel message that reports the cancel POST; on 202 the watcher keeps updating this very message. What
    is said of the target and its API comes from them (`Target.thing`, `headline`, `words`; the backend's
    `Wording`)."""
    who, when, words = requester.mention, slack_time(at), wording_for(target)
    if outcome.status == "cancelled":
        text = f"✅ {target.offer}: {target.thing} cancelled by {who} at {when}"
        note = words.at_once.format(code=outcome.status_code or 200)
        return Message(text, (section(text), context(note)), _digest([text, note]))
    if outcome.status == "accepted" and isinstance(outcome.error, Joined):
        return _joined_report(target.words, who, when, outcome.error)
    if outcome.status == "accepted" and outcome.error and not outcome.watch_instance_id:
        # Taken by the API, but there is nothing this app may follow: say both, so nobody sends it again.
        what = escape(outcome.error.message or "The Partner Portal named no operation to follow.")
        text = f"⚠️ Cancel of {target.words} accepted but not followed here — requested by {who} at {when}."
        detail = f"*What happened:* {what}\n*What to do:* {NOT_FOLLOWED_NEXT_STEP}"
        return Message(f"{text} {what}", (section(text), section(detail)), _digest([text, detail]))
    if outcome.status == "accepted":
        return _under_way_report(target, words, who, when, outcome)
    if isinstance(outcome.error, TooLate):
        text = f"⏱️ Too late to cancel {target.headline} — requested by {who} at {when}."
        hint = next_step_hint(outcome.error.error)
        detail = f"*What happened:* {escape(outcome.error.message)}\n*What to do:* {hint}"
        return Message(f"{text} {outcome.error.message}", (section(text), section(detail)), _digest([text, detail]))
    error = outcome.error.error if outcome.error else ErrorInfo.none()
    what = escape(error.message or "The cancel failed for an unknown reason.")
    text = f"❌ Cancel of {target.words} failed — requested by {who} at {when}."
    detail = f"*What happened:* {what}\n*What to do:* {next_step_hint(error, words, look_command(target, words))}"
    return Message(f"{text} {what}", (section(text), section(detail)), _digest([text, detail]))


def _under_way_report(target: Target, words: Wording, who: str, when: str, outcome: CancelOutcome) -> Message:
    """A cancel under way: who asked, what answered, and the Stop button of its watcher."""
    text = f"🛑 Cancel of {target.headline} under way — requested by {who}; following {words.followed}…"
    if isinstance(outcome.error, NotRepeated):  # this request's first run may have sent it
        how = escape(outcome.error.message)
    elif isinstance(outcome.error, UnderWay) or outcome.status_code is None:  # sent nothing: under way already
        how = "A cancel of this publish was already under way, so it was not sent again."
    else:
        how = words.taken.format(code=outcome.status_code)
    blocks = [section(text), context(f"Requested at {when}. {how}")]
    if outcome.watch_instance_id:
        blocks.append(stop_actions(outcome.watch_instance_id, target.publisher_id, target.offer_id))
    return Message(text, tuple(blocks), _digest(text))


def _joined_report(subject: str, who: str, when: str, joined: Joined) -> Message:
    """A request that joined another's cancel: a pointer, final in itself (no Stop button, nothing to keep current),
    so it can never be left saying "under way" after that cancel ended. The joined cancel's own message is live."""
    by = person(joined.by)
    moment = parse_iso(joined.at)
    when_joined = slack_time(moment) if moment else "earlier"
    channel = joined.channel
    text = f"↪️ Cancel of {subject} requested by {who} at {when} joined the cancel already in flight"
    where = f"its progress is posted in <#{channel}>" if isinstance(channel, str) and channel else "its progress is "
    where += "" if isinstance(channel, str) and channel else "posted where it was requested"
    detail = (
        f"A cancel of this offer requested by {by} at {when_joined} holds the offer, so nothing was "
        f"sent again; {where}. `/cpp history` lists every attempt."
    )
    return Message(f"{text}: nothing was sent again.", (section(text), context(detail)), _digest([text, detail]))


def render_channel_pointer(channel_id: str) -> Message:
    """The short reply that replaces the ephemeral confirmation (response_url posts are limited: use one)."""
    text = f"Done — see <#{channel_id}> for the outcome and live progress."
    return Message(text, (section(text),), _digest(text))


def render_without_channel_access(report: Message, channel_id: str) -> Message:
    """The full report for the response_url when the bot may not post in the channel, with how to fix that."""
    note = (
        f"_I can't post in <#{channel_id}>, so this is the only place the outcome appears. Invite me to the channel "
        "(`/invite @cppcancel`) to get a live progress message next time._"
    )
    return Message(f"{report.text}\n{note}", (*report.blocks, context(note)), report.digest)
