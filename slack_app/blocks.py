"""Block Kit for every message the Slack front end sends: pure functions from values to `Message`.

Written for a release engineer reading on a phone mid-incident: one idea per section, IDs as inline code (an offer
called `my_offer_x` must not turn italic), times as Slack `<!date>` tokens so each reader sees their own time zone,
and always a plain-text `text` fallback (notifications, screen readers, old clients).

Slack's limits are respected here rather than discovered in production: at most 50 blocks, 3000 characters per
section, 75 per button label; anything longer is cut with an ellipsis and a note. Text from the Partner Portal
(`messageHtml`) is shown as plain text: tags stripped, entities decoded, then `&`, `<`, `>` escaped so it can neither
format, link nor mention (`<!channel>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cppcancel.audit import AuditRecord
from partner_portal import errors
from partner_portal.models import Operation, Step, StepStatus
from slack_app import mrkdwn
from slack_app.actions import ABORT_CANCEL, CONFIRM_CANCEL, OPEN_CANCEL, CancelTicket, OfferRef
from slack_app.grammar import USAGE
from slack_app.mrkdwn import (
    ELLIPSIS,
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    escape,
    plain_time,
    slack_time,
    truncate,
)

Block = dict[str, Any]

MAX_SECTION_TEXT = MAX_SECTION_CHARS
MAX_BUTTON_TEXT = 75
MAX_OPERATIONS_SHOWN = 10


@dataclass(frozen=True)
class Message:
    """A message body: the fallback `text` and its `blocks`."""

    text: str
    blocks: tuple[Block, ...]

    def to_kwargs(self) -> dict[str, Any]:
        """For `ack(**...)`, `respond(**...)`, `chat_postMessage(**...)`."""
        return {"text": self.text, "blocks": list(self.blocks)}


# ---- text helpers ---------------------------------------------------------------------------------------------


def html_to_text(fragment: str) -> str:
    """The CPP's `messageHtml` as escaped plain text (line breaks kept, tags dropped)."""
    return escape(mrkdwn.html_to_text(fragment))


def code(text: str) -> str:
    """Inline code; backticks are not valid in IDs, but a stray one must not end the span early."""
    return "`" + escape(text).replace("`", "'") + "`"


def target(publisher_id: str, offer_id: str) -> str:
    return code(f"{publisher_id}/{offer_id}")


# ---- block helpers --------------------------------------------------------------------------------------------


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*parts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(p, MAX_SECTION_TEXT)} for p in parts]}


def button(label: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(label, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def message(text: str, blocks: Iterable[Block]) -> Message:
    """Cap the block count (keeping the last block, usually the context/actions) and the fallback length."""
    items = list(blocks)
    if len(items) > MAX_BLOCKS:
        hidden = len(items) - (MAX_BLOCKS - 1)
        items = [*items[: MAX_BLOCKS - 2], context(f"{ELLIPSIS} {hidden} more not shown."), items[-1]]
    return Message(truncate(text, MAX_SECTION_TEXT), tuple(items))


def _ref(ref: str | None) -> list[Block]:
    return [context(f"ref {code(ref)}")] if ref else []


# ---- operations -----------------------------------------------------------------------------------------------

_STEP_ICONS = {
    StepStatus.COMPLETE: ":white_check_mark:",
    StepStatus.IN_PROGRESS: ":arrows_counterclockwise:",
    StepStatus.WAITING: ":hourglass_flowing_sand:",
    StepStatus.BLOCKED: ":no_entry_sign:",
    StepStatus.REJECTED: ":x:",
    StepStatus.FAILED: ":x:",
    StepStatus.CANCELED: ":heavy_minus_sign:",
    StepStatus.NOT_STARTED: ":white_circle:",
}


_STEP_ACTIVE = (StepStatus.IN_PROGRESS, StepStatus.WAITING, StepStatus.BLOCKED)


def _status_word(raw: str | None, normalised: str) -> str:
    return escape(raw) if raw else normalised


def step_line(step: Step) -> str:
    icon = _STEP_ICONS.get(step.status, ":grey_question:")
    facts = [_status_word(step.raw_status, step.status.value)]
    if step.progress_percentage is not None and step.status in _STEP_ACTIVE:
        facts.append(f"{step.progress_percentage}%")
    if step.estimated_time_frame and step.status is not StepStatus.COMPLETE:
        facts.append(escape(step.estimated_time_frame))
    line = f"{icon} *{escape(step.name)}* - {', '.join(facts)}"
    latest = step.messages[-1] if step.messages else None
    if latest is not None and step.status is not StepStatus.COMPLETE:
        line += f"\n      _{truncate(html_to_text(latest.html), 300)}_"
    return line


def operation_summary(operation: Operation) -> str:
    """One line: kind, status, current step, progress."""
    kind = code((operation.submission_type or "operation").lower())
    parts = [f"{kind} *{_status_word(operation.raw_status, operation.status.value)}*"]
    step = operation.current_step
    if step is not None and operation.is_in_flight:
        parts.append(f"on step *{escape(step.name)}*")
    progress = operation.progress_percentage
    if progress is not None and operation.is_in_flight:
        parts.append(f"{progress}% overall")
    return " · ".join(parts)


def _operation_times(operation: Operation) -> str:
    times = []
    if operation.created_at:
        times.append(f"started {slack_time(operation.created_at)}")
    if operation.last_action_at:
        times.append(f"last change {slack_time(operation.last_action_at)}")
    if operation.id:
        times.append(f"id {code(operation.id)}")
    return " · ".join(times)


def _operation_error(operation: Operation) -> str | None:
    return f":x: {truncate(html_to_text(operation.error), 1000)}" if operation.error else None


# ---- messages -------------------------------------------------------------------------------------------------


def help_message(command: str, unknown: str | None = None) -> Message:
    intro = (
        f"I don't know {code(unknown)}. Here is what I can do:"
        if unknown
        else "Stop a Partner Portal publish from Slack - safely, by the right person, with a record."
    )
    described = (
        (USAGE["ops"], "recent and in-flight operations, with a Cancel button"),
        (USAGE["status"], "the latest operation and its steps"),
        (USAGE["cancel"], "shows what will be cancelled and asks you to confirm"),
        (USAGE["help"], "this message"),
    )
    lines = [f"{code(command + ' ' + usage)}\n      {what}" for usage, what in described]
    example = f"Example: {code(f'{command} cancel contoso contoso-vm-offer notify=release@contoso.com')}"
    text = f"{'Unknown command. ' if unknown else ''}Usage: {command} ops|status|cancel <publisher> <offer>"
    return message(text, [section(intro), section("\n".join(lines)), context(example)])


def parse_error_message(command: str, problem: str, usage: str) -> Message:
    form = f"{command} {usage}"
    return message(
        f"{problem} Use: {form}",
        [
            section(f":warning: {escape(problem)}\nUse: {code(form)}"),
            context(f"{code(f'{command} help')} shows every command, with examples."),
        ],
    )


def refusal_message(explanation: str, ref: str) -> Message:
    return message(f"Not allowed. {explanation}", [section(f":no_entry: {escape(explanation)}"), *_ref(ref)])


def next_step(error: errors.CppError, publisher_id: str) -> str:
    """What the person can do about a Partner Portal failure."""
    if isinstance(error, errors.Forbidden):
        return (
            f"Ask an admin to add the app's identity to publisher {code(publisher_id)} in Partner Center "
            "(Manage Azure AD applications)."
        )
    if isinstance(error, errors.NotFound | errors.InvalidRequest):
        return "Check the publisher and offer IDs (they are the ones in the Partner Portal's URLs)."
    if isinstance(error, errors.Unauthorized | errors.TokenUnavailable):
        return "The app could not sign in to the Partner Portal: ask an admin to check its identity."
    if error.transient:
        return "Try again in a minute."
    return "Try again in a minute; if it keeps failing, ask an admin and quote the ref below."


def cpp_error_message(
    publisher_id: str, offer_id: str, error: errors.CppError, ref: str, *, doing: str = "read the operations of"
) -> Message:
    what = f"I could not {doing} {target(publisher_id, offer_id)}."
    step = next_step(error, publisher_id)
    return message(
        f"Could not {doing} {publisher_id}/{offer_id}: {error.describe()}",
        [section(f":x: {what}\n{escape(error.describe())}"), section(f"*What to do:* {step}"), *_ref(ref)],
    )


def unexpected_error_message(ref: str) -> Message:
    text = f"Something went wrong (ref {ref}). Nothing was sent to the Partner Portal by this click or command."
    return message(text, [section(f":x: Something went wrong (ref {code(ref)}).")])


def invalid_button_message(ref: str) -> Message:
    text = "This button is no longer valid. Run the command again to get a fresh one."
    return message(text, [section(f":warning: {text}"), *_ref(ref)])


def ops_message(
    publisher_id: str, offer_id: str, operations: Sequence[Operation], *, command: str, ref: str
) -> Message:
    head = f"*Operations of {target(publisher_id, offer_id)}*"
    if not operations:
        return message(
            f"No operations found for {publisher_id}/{offer_id}.",
            [section(f"{head}\nThe Partner Portal lists no operations for this offer."), *_ref(ref)],
        )
    shown = list(operations[:MAX_OPERATIONS_SHOWN])
    blocks: list[Block] = [section(head)]
    in_flight = 0
    for operation in shown:
        accessory = None
        if operation.is_in_flight:
            in_flight += 1
            accessory = button("Cancel…", OPEN_CANCEL, OfferRef(publisher_id, offer_id).to_value(), style="danger")
        body = operation_summary(operation)
        times = _operation_times(operation)
        problem = _operation_error(operation)
        blocks.append(section("\n".join(p for p in (body, times, problem) if p), accessory))
    notes = []
    if len(operations) > len(shown):
        notes.append(f"Showing the {len(shown)} most recent of {len(operations)}.")
    notes.append(
        f"{in_flight} in flight."
        if in_flight
        else f"Nothing in flight. {code(f'{command} status {publisher_id} {offer_id}')} shows details."
    )
    blocks.append(context(" ".join(notes), f"ref {code(ref)}"))
    state = f"{in_flight} in flight" if in_flight else "nothing in flight"
    return message(f"{len(operations)} operations for {publisher_id}/{offer_id}, {state}.", blocks)


def status_message(publisher_id: str, offer_id: str, operation: Operation | None, *, command: str, ref: str) -> Message:
    if operation is None:
        return message(
            f"No operations found for {publisher_id}/{offer_id}.",
            [section(f"*{target(publisher_id, offer_id)}*: the Partner Portal lists no operations."), *_ref(ref)],
        )
    blocks = [section(f"*Latest operation of {target(publisher_id, offer_id)}*\n{operation_summary(operation)}")]
    times = _operation_times(operation)
    if times:
        blocks.append(context(times))
    if operation.steps:
        blocks.append(section("\n".join(step_line(step) for step in operation.steps)))
    else:
        blocks.append(context("The Partner Portal listed no steps for this operation."))
    problem = _operation_error(operation)
    if problem:
        blocks.append(section(problem))
    for note in operation.messages[-3:]:
        blocks.append(context(truncate(html_to_text(note.html), 500)))
    if operation.is_in_flight:
        blocks.append(context(f"To stop it: {code(f'{command} cancel {publisher_id} {offer_id}')}", f"ref {code(ref)}"))
    else:
        blocks.extend(_ref(ref))
    status = operation.raw_status or operation.status.value
    step = operation.current_step
    fallback = f"{publisher_id}/{offer_id}: {(operation.submission_type or 'operation').lower()} {status}"
    if step is not None and operation.is_in_flight:
        fallback += f", on step {step.name}"
    return message(fallback + ".", blocks)


def confirmation_message(
    ticket: CancelTicket, in_flight: Operation | None, *, lookup_problem: str | None, ref: str
) -> Message:
    """The "are you sure" message: what will be cancelled, a danger Confirm (with Slack's dialog), Never mind."""
    where = target(ticket.publisher_id, ticket.offer_id)
    if in_flight is not None:
        what = f"In flight: {operation_summary(in_flight)}"
        times = _operation_times(in_flight)
        what += f"\n{times}" if times else ""
    elif lookup_problem is not None:
        what = (
            f"I could not check what is in flight ({escape(lookup_problem)}). "
            "You can still send the cancel; the Partner Portal decides what there is to stop."
        )
    else:
        what = (
            "Nothing is in flight for this offer right now. You can still send the cancel; "
            "the Partner Portal decides whether there is anything to stop."
        )
    blocks = [section(f":warning: *Cancel the publish of {where}?*"), section(what)]
    if ticket.notify:
        blocks.append(section("Partner Portal e-mails will go to: " + ", ".join(escape(e) for e in ticket.notify)))
    dialog = {
        "title": _plain("Cancel this publish?", 100),
        "text": {
            "type": "mrkdwn",
            "text": truncate(
                f"This asks the Partner Portal to cancel the publish of {where}. It cannot be undone.", 300
            ),
        },
        "confirm": _plain("Yes, cancel it", 30),
        "deny": _plain("Keep publishing", 30),
        "style": "danger",
    }
    value = ticket.to_value()
    blocks.append(
        {
            "type": "actions",
            "block_id": "cancel_confirmation",
            "elements": [
                button("Confirm cancel", CONFIRM_CANCEL, value, style="danger", confirm=dialog),
                button("Never mind", ABORT_CANCEL, value),
            ],
        }
    )
    asked = f"Asked by <@{ticket.asked_by}>" if ticket.asked_by else "Asked"
    blocks.append(context(f"{asked} · only people allowed to cancel this offer can confirm · ref {code(ref)}"))
    state = f"in flight: {(in_flight.submission_type or 'operation').lower()}" if in_flight else "nothing in flight"
    return message(
        f"Cancel the publish of {ticket.publisher_id}/{ticket.offer_id}? ({state}) Confirm or never mind.", blocks
    )


def requested_message(publisher_id: str, offer_id: str, user_id: str, at: datetime) -> Message:
    text = (
        f"Cancel of {publisher_id}/{offer_id} requested by <@{user_id}> at {plain_time(at)}; "
        "sending it to the Partner Portal…"
    )
    rich = (
        f":hourglass_flowing_sand: Cancel of {target(publisher_id, offer_id)} requested by <@{user_id}> "
        f"at {slack_time(at)}; sending it to the Partner Portal…"
    )
    return message(text, [section(rich)])


def already_requested_message(publisher_id: str, offer_id: str, by: str | None, at: str | None) -> Message:
    who = f"<@{by}>" if by else "someone"
    when = f" at {slack_time(at)}" if at else ""
    rich = (
        f":information_source: The cancel of {target(publisher_id, offer_id)} was already requested by {who}{when}; "
        "nothing more was sent."
    )
    plain = f"The cancel of {publisher_id}/{offer_id} was already requested by {who}"
    plain += f" at {plain_time(at)}" if at else ""
    return message(plain + "; nothing more was sent.", [section(rich)])


def expired_confirmation_message(publisher_id: str, offer_id: str, asked_at: str | None) -> Message:
    when = f" (it was shown at {plain_time(asked_at)})" if asked_at else ""
    text = (
        f"This confirmation to cancel {publisher_id}/{offer_id} has expired{when}, so nothing was sent: what is in "
        "flight may have changed. Run the cancel command again to see what it would stop now."
    )
    return message(text, [section(f":hourglass: {escape(text)}")])


def start_failed_message(publisher_id: str, offer_id: str, ref: str) -> Message:
    text = (
        f"The cancel of {publisher_id}/{offer_id} could not be started, so nothing was sent to the Partner Portal. "
        "Try again in a minute with a new /cpp cancel."
    )
    return message(text, [section(f":x: {escape(text)}"), *_ref(ref)])


def abandoned_message(publisher_id: str, offer_id: str, user_id: str) -> Message:
    text = f"Cancel of {publisher_id}/{offer_id} abandoned by <@{user_id}>. Nothing was sent to the Partner Portal."
    rich = (
        f"Cancel of {target(publisher_id, offer_id)} abandoned by <@{user_id}>. Nothing was sent to the Partner Portal."
    )
    return message(text, [section(rich)])


def stopped_watching_message(publisher_id: str, offer_id: str) -> Message:
    text = f"Stopped watching {publisher_id}/{offer_id}; the cancel itself is not undone."
    return message(
        text, [section(f":eyes: Stopped watching {target(publisher_id, offer_id)}; the cancel itself is not undone.")]
    )


def watch_gone_message(publisher_id: str, offer_id: str) -> Message:
    text = f"Nothing to stop: the watch of {publisher_id}/{offer_id} has already finished."
    rich = f"Nothing to stop: the watch of {target(publisher_id, offer_id)} has already finished."
    return message(text, [section(f":information_source: {rich}")])


def audit_message(record: AuditRecord) -> Message:
    """The optional copy of an audit record in AUDIT_CHANNEL_ID (the record is redacted by the caller)."""
    who = f"<@{record.who}>" if record.who and record.who.startswith(("U", "W")) else escape(record.who or "someone")
    what = f"{record.publisher}/{record.offer}" if record.publisher and record.offer else None
    parts = [f"{code(record.command)}", f"by {who}"]
    if what:
        parts.append(f"on {code(what)}")
    if record.channel:
        parts.append(f"in <#{record.channel}>")
    line = " ".join(parts) + f": {record.decision} → *{escape(record.outcome)}*"
    if record.cpp_status_code is not None:
        line += f" (HTTP {record.cpp_status_code})"
    facts = [f"ref {code(record.correlation_id)}", f"{record.source}"]
    if record.reason:
        facts.append(escape(truncate(record.reason, 300)))
    plain = f"{record.command} by {record.who or 'someone'}"
    plain += f" on {what}" if what else ""
    return message(f"{plain}: {record.decision} -> {record.outcome}", [section(line), context(" · ".join(facts))])
