"""The one channel message that tells the story of a cancel: first post, in-place progress updates, final word.

Pure Block Kit rendering (no slack_sdk, no I/O, no clock: the caller passes `now`), shared by the cancel report
activity, which posts the message, and the watcher, which keeps it up to date. People reading it are release
engineers who want proof of what happened, so the message always says who asked, what the Partner Portal said in
its own words, when, and - for anything but success - what to do next.

Why a content digest: the watcher must not call Slack when nothing changed (rate limits; noise in "edited"
markers). The elapsed time and the poll count change on every poll, so `RenderedMessage.digest` covers only what a
person would call news: the status, each step's state and progress, messages, errors, who stopped the watch. The
elapsed time is therefore shown "as of" the moment the message was last rendered, which stays true between updates.

Block Kit limits respected here: at most 50 blocks, section text at most 3000 characters, header 150, button value
2000, and a `text` fallback on every message. Text that comes from the API (messageHtml, error messages) is shown as
plain text: tags stripped, entities decoded, and `&`, `<`, `>` escaped so it can never become a link or a mention.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cppcancel.contracts import CancelOutcome, Requester
from cppcancel.error_info import ErrorInfo
from cppcancel.times import iso
from partner_portal.models import Operation, OperationStatus, Step, StepStatus
from slack_app import mrkdwn
from slack_app.mrkdwn import MAX_BLOCKS, MAX_HEADER_CHARS, MAX_SECTION_CHARS, escape, slack_time, truncate

STOP_ACTION_ID = "stop_watching"
OPS_COMMAND = "/cpp ops"
MAX_FALLBACK_CHARS = 3000
MAX_STEP_BLOCKS = 40  # leaves room for header, summary, error, context and actions within MAX_BLOCKS
MAX_STATUS_STEPS = 20

Phase = Literal["watching", "completed", "canceled", "failed", "stopped", "timed_out", "lost"]
FINAL_PHASES: frozenset[str] = frozenset({"completed", "canceled", "failed", "stopped", "timed_out", "lost"})

_PHASE_EMOJI: dict[str, str] = {
    "watching": "⏳",
    "completed": "✅",
    "canceled": "🛑",
    "failed": "❌",
    "stopped": "⏹️",
    "timed_out": "⌛",
    "lost": "⚠️",
}
_STEP_EMOJI: dict[StepStatus, str] = {
    StepStatus.NOT_STARTED: "⚪",
    StepStatus.IN_PROGRESS: "🔄",
    StepStatus.WAITING: "⏸️",
    StepStatus.BLOCKED: "⛔",
    StepStatus.REJECTED: "❌",
    StepStatus.COMPLETE: "✅",
    StepStatus.CANCELED: "🛑",
    StepStatus.FAILED: "❌",
    StepStatus.UNKNOWN: "❔",
}
_LEVEL_PREFIX = {"warning": "⚠️ ", "error": "❗ "}


# -- text helpers ----------------------------------------------------------------------------------------------------


def html_to_text(markup: str) -> str:
    """The API's `messageHtml` as plain text on one line: tags dropped, entities decoded, whitespace collapsed."""
    return mrkdwn.html_to_text(markup, single_line=True)


def format_duration(seconds: float) -> str:
    """A person's rendering of a duration: `45 s`, `3 min`, `1 h 5 min`, `2 d 3 h`."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_CHARS)}}
    if block_id:
        block["block_id"] = block_id
    return block


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_CHARS), "emoji": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_SECTION_CHARS)}]}


def _digest(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class RenderedMessage:
    """What to send to Slack: the `text` fallback, the blocks, and the digest of the news they carry."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks, "digest": self.digest}


# -- the Stop watching button ----------------------------------------------------------------------------------------


def stop_button_value(watch_instance_id: str, publisher_id: str, offer_id: str) -> str:
    """Compact JSON the Slack handler reads back. Who clicked comes from the payload's `user`, never from here."""
    value = {"instanceId": watch_instance_id, "publisherId": publisher_id, "offerId": offer_id}
    return json.dumps(value, separators=(",", ":"))


def stop_actions(watch_instance_id: str, publisher_id: str, offer_id: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "watch_actions",
        "elements": [
            {
                "type": "button",
                "action_id": STOP_ACTION_ID,
                "text": {"type": "plain_text", "text": "Stop watching", "emoji": True},
                "style": "danger",
                "value": stop_button_value(watch_instance_id, publisher_id, offer_id),
                "confirm": {
                    "title": {"type": "plain_text", "text": "Stop watching?"},
                    "text": {
                        "type": "mrkdwn",
                        "text": "Only the updates here stop. The cancel itself is *not* undone: it carries on in "
                        "the Partner Portal.",
                    },
                    "confirm": {"type": "plain_text", "text": "Stop watching"},
                    "deny": {"type": "plain_text", "text": "Keep watching"},
                },
            }
        ],
    }


# -- progress of a watched operation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchView:
    """Everything the progress message shows, as of `now` (the orchestrator's replay-safe clock)."""

    publisher_id: str
    offer_id: str
    requester: Requester
    watch_instance_id: str
    phase: Phase
    started_at: datetime
    now: datetime
    operation: Operation | None = None
    polls: int = 0
    error: str | None = None
    stopped_by: Requester | None = None

    @property
    def is_final(self) -> bool:
        return self.phase in FINAL_PHASES

    @property
    def elapsed_s(self) -> float:
        return max(0.0, (self.now - self.started_at).total_seconds())

    @property
    def subject(self) -> str:
        return f"{self.publisher_id}/{self.offer_id}"

    @property
    def kind(self) -> str:
        """`cancel`, `publish`...: what the operation is, in the API's words, for headlines."""
        submission = self.operation.submission_type if self.operation else None
        return (submission or "cancel").strip().lower() or "cancel"


def phase_of(operation: Operation) -> Phase:
    """`watching` while the operation is in flight (or its status is unknown), else its terminal state."""
    if operation.status is OperationStatus.COMPLETED:
        return "completed"
    if operation.status is OperationStatus.CANCELED:
        return "canceled"
    if operation.status is OperationStatus.FAILED:
        return "failed"
    return "watching"


def _status_word(operation: Operation | None) -> str:
    if operation is None:
        return "not read yet"
    return operation.raw_status or operation.status.value


def _headline(view: WatchView) -> str:
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


def _step_position(operation: Operation) -> str:
    current = operation.current_step
    if current is None or not operation.steps:
        return ""
    index = next(i for i, step in enumerate(operation.steps) if step is current) + 1
    return f"step {index} of {len(operation.steps)}: {escape(current.name)}"


def _step_line(step: Step) -> str:
    parts = [f"{_STEP_EMOJI[step.status]} *{escape(step.name)}* — {escape(step.raw_status or step.status.value)}"]
    if step.progress_percentage is not None and step.status is not StepStatus.NOT_STARTED:
        parts.append(f"{step.progress_percentage}%")
    if step.estimated_time_frame:
        parts.append(f"est. {escape(step.estimated_time_frame)}")
    line = " · ".join(parts)
    if step.messages:
        latest = step.messages[-1]
        text = html_to_text(latest.html)
        if text:
            line += f"\n> {_LEVEL_PREFIX.get(latest.level.lower(), '')}{escape(truncate(text, 500))}"
    return line


def _api_error_text(operation: Operation | None) -> str | None:
    """The API's own words for a failure: the operation's `error`, else its latest error-level message."""
    if operation is None:
        return None
    if operation.error:
        return html_to_text(operation.error)
    messages = [*operation.messages, *(m for s in operation.steps for m in s.messages)]
    errors = [m for m in messages if m.level.lower() == "error"]
    return html_to_text(errors[-1].html) if errors else None


def _closing_text(view: WatchView) -> str | None:
    """The section that explains a final state (what happened, and what to do if it is not plain success)."""
    after = format_duration(view.elapsed_s)
    if view.phase == "failed":
        said = _api_error_text(view.operation) or "no error text was given"
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
            f"*{escape(_status_word(view.operation))}*. Check `{OPS_COMMAND}` to follow it."
        )
    if view.phase == "lost":
        why = escape(view.error or "the operation could not be read")
        return f"⚠️ Stopped watching: {why}\nThe cancel itself is not affected; check `{OPS_COMMAND}`."
    return None


def _summary(view: WatchView) -> str:
    operation = view.operation
    facts = [f"*Status:* {escape(_status_word(operation))}"]
    if operation is not None:
        position = _step_position(operation)
        if position and not view.is_final:
            facts.append(position)
        if operation.progress_percentage is not None:
            facts.append(f"{operation.progress_percentage}% overall")
    as_of = slack_time(view.now, "{time}")
    return (
        " · ".join(facts)
        + f"\n*Requested by:* {view.requester.mention} · *Elapsed:* {format_duration(view.elapsed_s)} (as of {as_of})"
    )


def _step_blocks(operation: Operation | None) -> list[dict[str, Any]]:
    if operation is None or not operation.steps:
        return []
    steps = operation.steps
    shown = steps if len(steps) <= MAX_STEP_BLOCKS else steps[: MAX_STEP_BLOCKS - 1]
    blocks = [_section(_step_line(step)) for step in shown]
    if len(shown) < len(steps):
        rest = steps[len(shown) :]
        done = sum(1 for s in rest if s.status is StepStatus.COMPLETE)
        blocks.append(_section(f"…and {len(rest)} more steps ({done} complete)."))
    return blocks


def progress_digest(view: WatchView) -> str:
    """A digest of the news in `view`: equal digests mean Slack need not be called."""
    operation = view.operation
    steps = [
        (
            s.name,
            s.raw_status,
            s.progress_percentage,
            s.estimated_time_frame,
            s.messages[-1].html if s.messages else None,
        )
        for s in (operation.steps if operation else ())
    ]
    return _digest(
        {
            "phase": view.phase,
            "status": operation.raw_status if operation else None,
            "error": view.error if view.is_final else None,  # a retried read is not news for the channel
            "apiError": _api_error_text(operation),
            "steps": steps,
            "stoppedBy": view.stopped_by.mention if view.stopped_by else None,
        }
    )


def render_progress(view: WatchView) -> RenderedMessage:
    """The main message: header, summary, one block per step, final explanation, context, Stop button."""
    title = f"{_PHASE_EMOJI[view.phase]} {view.subject}: {_headline(view)}"
    blocks: list[dict[str, Any]] = [_header(title), _section(_summary(view))]
    blocks.extend(_step_blocks(view.operation))
    closing = _closing_text(view)
    if closing:
        blocks.append(_section(closing))
    context = [f"Watch `{view.watch_instance_id}`", f"checked {view.polls}×"]
    if view.operation is not None and view.operation.id:
        context.insert(0, f"Operation `{escape(view.operation.id)}`")
    blocks.append(_context(" · ".join(context)))
    if not view.is_final:
        blocks.append(stop_actions(view.watch_instance_id, view.publisher_id, view.offer_id))
    text = f"{title} — status {_status_word(view.operation)}"
    if view.operation is not None and view.operation.progress_percentage is not None:
        text += f", {view.operation.progress_percentage}%"
    return RenderedMessage(truncate(text, MAX_FALLBACK_CHARS), blocks[:MAX_BLOCKS], progress_digest(view))


def status_key(view: WatchView) -> str:
    """What a thread reply announces: the operation's status while watching, the final phase at the end."""
    if view.is_final:
        return view.phase
    return f"operation:{view.operation.status.value if view.operation else 'unread'}"


def thread_reply(view: WatchView, previous_status: str | None = None) -> str:
    """The thread reply for a status change (`previous_status`: the raw status announced before) or the end."""
    after = format_duration(view.elapsed_s)
    kind = view.kind
    if view.phase == "completed":
        return f"✅ The {kind} operation completed after {after}."
    if view.phase == "canceled":
        return f"🛑 The {kind} operation was canceled (after {after})."
    if view.phase == "failed":
        said = _api_error_text(view.operation) or "no error text was given"
        return f"❌ The {kind} operation failed after {after}. The Partner Portal said: {escape(said)}"
    closing = _closing_text(view)
    if closing is not None:
        return closing
    status = escape(_status_word(view.operation))
    was = f" (was {escape(previous_status)})" if previous_status else ""
    position = _step_position(view.operation) if view.operation else ""
    return f"🔄 Status is now *{status}*{was}" + (f" — {position}." if position else ".")


def custom_status(view: WatchView) -> dict[str, Any]:
    """The same progress for HTTP status queries (the orchestration's custom status; kept well under 16 KB)."""
    operation = view.operation
    current = operation.current_step if operation else None
    steps = [
        {"name": truncate(s.name, 100), "status": s.raw_status or s.status.value, "progress": s.progress_percentage}
        for s in (operation.steps[:MAX_STATUS_STEPS] if operation else ())
    ]
    return {
        "phase": view.phase,
        "publisherId": view.publisher_id,
        "offerId": view.offer_id,
        "requestedBy": view.requester.display,
        "operationId": operation.id if operation else None,
        "operationStatus": _status_word(operation) if operation else None,
        "progress": operation.progress_percentage if operation else None,
        "currentStep": current.name if current else None,
        "steps": steps,
        "elapsedS": round(view.elapsed_s, 3),
        "polls": view.polls,
        "stoppedBy": view.stopped_by.display if view.stopped_by else None,
        "error": truncate(view.error or _api_error_text(operation) or "", 1000) or None,
        "updatedAt": iso(view.now),
    }


# -- the first message: the outcome of the cancel POST ---------------------------------------------------------------

_NEXT_STEP: dict[str, str] = {
    "forbidden": "Ask a Partner Center admin to add this app's identity to the publisher (Partner Center › Account "
    "settings › User management › Azure AD applications), then try again.",
    "not_found": f"Check the publisher and offer IDs with `{OPS_COMMAND}`.",
    "timeout": f"The outcome is unknown: the cancel may or may not have been taken. Check `{OPS_COMMAND}` before "
    "trying again.",
    "unknown_outcome": f"The outcome is unknown: the cancel may or may not have been taken. Check `{OPS_COMMAND}` "
    "before trying again.",
    "server_error": f"Try again in a minute; if it keeps failing, check `{OPS_COMMAND}` first.",
    "throttled": "The Partner Portal is busy: try again in a minute.",
    "connection_error": "The Partner Portal could not be reached: try again in a minute.",
    "unauthorized": "The app's credentials were refused: ask an admin to check its identity and token.",
    "conflict": f"The offer is not in a state that can be cancelled: check `{OPS_COMMAND}`.",
    "bad_request": f"Check the publisher and offer IDs with `{OPS_COMMAND}`.",
    "invalid_response": f"The outcome is unknown: check `{OPS_COMMAND}` before trying again.",
    # A failed cancel with an unsafe URL is a redirect (an accepted cancel with one is reported as accepted).
    "unsafe_url": "The app never follows a redirect (its token stays with the Partner Portal). The outcome is "
    f"unknown: check `{OPS_COMMAND}` before trying again.",
}
_STATUS_NEXT_STEP: dict[int, str] = {403: "forbidden", 404: "not_found", 429: "throttled"}
NOT_FOLLOWED_NEXT_STEP = (
    f"The Partner Portal took the cancel: do not send it again. Follow it with `{OPS_COMMAND}` until it ends."
)


def next_step_hint(error: ErrorInfo | Mapping[str, Any] | None) -> str:
    """What a person should do after a failed cancel, from its error (`code`, `statusCode`; JSON is parsed first).

    When the cancel may have been carried out (`outcomeUnknown`: a timeout, a dropped connection or a 5xx after it
    was sent), the advice is always to look before trying again, whatever the error's kind: "try again" could cancel
    twice - or cancel the next publish.
    """
    info = error if isinstance(error, ErrorInfo) else ErrorInfo.from_json(error or {})
    code, status, retry_after = info.code, info.status_code, info.retry_after_s
    if info.outcome_unknown:
        code = "unknown_outcome"
    if code not in _NEXT_STEP and status is not None:
        code = _STATUS_NEXT_STEP.get(status, "server_error" if status >= 500 else code)
    if code == "throttled" and retry_after is not None and 0 < retry_after <= 3600:
        return f"The Partner Portal is busy: try again in {format_duration(retry_after)}."
    return _NEXT_STEP.get(code, f"Check `{OPS_COMMAND}` before trying again.")


def render_cancel_report(
    *,
    publisher_id: str,
    offer_id: str,
    requester: Requester,
    outcome: CancelOutcome,
    at: datetime,
) -> RenderedMessage:
    """The channel message that reports the cancel POST; on 202 the watcher keeps updating this very message."""
    subject = f"{publisher_id}/{offer_id}"
    who = requester.mention
    when = slack_time(at)
    if outcome.status == "cancelled":
        text = f"✅ {subject}: publish cancelled by {who} at {when}"
        blocks = [_section(text), _context("The Partner Portal answered HTTP 200: the cancel took effect at once.")]
        return RenderedMessage(text, blocks, _digest(text))
    if outcome.status == "accepted" and outcome.error and not outcome.watch_instance_id:
        # Taken by the Partner Portal, but there is nothing this app may follow: say both, so nobody sends it again.
        what = escape(outcome.error.message or "The Partner Portal named no operation to follow.")
        text = f"⚠️ Cancel of {subject} accepted but not followed here — requested by {who} at {when}."
        detail = f"*What happened:* {what}\n*What to do:* {NOT_FOLLOWED_NEXT_STEP}"
        return RenderedMessage(f"{text} {what}", [_section(text), _section(detail)], _digest([text, detail]))
    if outcome.status == "accepted":
        text = f"🛑 Cancel of {subject} under way — requested by {who}; following the operation…"
        if outcome.status_code is None:  # this request sent nothing: a cancel of the publish was already under way
            how = "A cancel of this publish was already under way, so it was not sent again."
        else:
            how = f"The Partner Portal answered HTTP {outcome.status_code}."
        blocks = [_section(text), _context(f"Requested at {when}. {how}")]
        if outcome.watch_instance_id:
            blocks.append(stop_actions(outcome.watch_instance_id, publisher_id, offer_id))
        return RenderedMessage(text, blocks, _digest(text))
    error = outcome.error or ErrorInfo.none()
    what = escape(error.message or "The cancel failed for an unknown reason.")
    text = f"❌ Cancel of {subject} failed — requested by {who} at {when}."
    detail = f"*What happened:* {what}\n*What to do:* {next_step_hint(error)}"
    return RenderedMessage(f"{text} {what}", [_section(text), _section(detail)], _digest([text, detail]))


def render_channel_pointer(channel_id: str) -> RenderedMessage:
    """The short reply that replaces the ephemeral confirmation (response_url posts are limited: use one)."""
    text = f"Done — see <#{channel_id}> for the outcome and live progress."
    return RenderedMessage(text, [_section(text)], _digest(text))


def render_without_channel_access(report: RenderedMessage, channel_id: str) -> RenderedMessage:
    """The full report for the response_url when the bot may not post in the channel, with how to fix that."""
    note = (
        f"_I can't post in <#{channel_id}>, so this is the only place the outcome appears. Invite me to the channel "
        "(`/invite @cppcancel`) to get a live progress message next time._"
    )
    blocks: Sequence[dict[str, Any]] = report.blocks
    return RenderedMessage(f"{report.text}\n{note}", [*blocks, _context(note)], report.digest)
