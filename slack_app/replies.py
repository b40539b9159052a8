"""Every reply to a slash command or a click: pure functions from values to `blockkit.Message`.

Written for a release engineer reading on a phone mid-incident: one idea per section, IDs as inline code (an offer
called `my_offer_x` must not turn italic), times as Slack `<!date>` tokens so each reader sees their own time zone,
and always a plain-text `text` fallback (notifications, screen readers, old clients). Built from the shared
vocabulary: `blockkit` (blocks and limits), `operation_text` (operations and steps), `advice` (what to do next).
The watcher's channel messages are `progress.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backends.http import errors
from backends.http.operation import Operation
from backends.registry import wording_for
from cppcancel import offer_apis
from cppcancel.audit import AuditRecord
from cppcancel.targets import PublishTarget, Target
from slack_app.actions import ABORT_CANCEL, CONFIRM_CANCEL, OPEN_CANCEL, CancelTicket, OfferRef
from slack_app.advice import next_step_after_read
from slack_app.blockkit import Block, Message, actions, button, confirm_dialog, context, message, section
from slack_app.grammar import USAGE
from slack_app.mrkdwn import code, escape, plain_time, slack_time, target, truncate
from slack_app.operation_text import (
    html_to_text,
    kind,
    operation_error,
    operation_summary,
    operation_times,
    step_line,
)

MAX_OPERATIONS_SHOWN = 10


def _ref(ref: str | None) -> list[Block]:
    return [context(f"ref {code(ref)}")] if ref else []


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
        (USAGE["history"], "the last 10 cancel attempts: who, where, when, and what came of each"),
        (USAGE["help"], "this message"),
    )
    lines = [f"{code(command + ' ' + usage)}\n      {what}" for usage, what in described]
    example = f"Example: {code(f'{command} cancel contoso contoso-vm-offer notify=release@contoso.com')}"
    text = f"{'Unknown command. ' if unknown else ''}Usage: {command} ops|status|cancel <publisher> <offer>"
    return message(text, [section(intro), section("\n".join(lines)), _which_api(), context(example)])


def _which_api() -> Block:
    """Which API serves which offer (`cppcancel.offer_apis`), and how to name a cancel through each."""
    return section(
        "*Which API serves your offer*\n"
        f"• {escape(offer_apis.CPP_OFFERS)}: name the publisher and offer.\n"
        f"• {escape(offer_apis.INGESTION_OFFERS)}: add {code('job=<jobId>')}, the ID your pipeline's "
        "`POST configure` returned (or let the pipeline register its job).\n"
        f"• {escape(offer_apis.SUBMISSION_OFFERS)}: {code('ops')} lists the in-progress submission, or add "
        f"{code('submission=<submissionId>')}."
    )


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


def cpp_error_message(
    publisher_id: str, offer_id: str, error: errors.ApiError, ref: str, *, doing: str = "read the operations of"
) -> Message:
    what = f"I could not {doing} {target(publisher_id, offer_id)}."
    step = next_step_after_read(error, publisher_id)
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


def nameless_command_message(ref: str) -> Message:
    """A command whose signed payload names no user: nothing can be checked against the policy, so nothing is done."""
    text = "Slack did not say who sent this command, so nothing was done. Try it again from Slack."
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
            accessory = button(
                "Cancel…", OPEN_CANCEL, OfferRef(PublishTarget(publisher_id, offer_id)).to_value(), style="danger"
            )
        body = operation_summary(operation)
        times = operation_times(operation)
        problem = operation_error(operation)
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
    times = operation_times(operation)
    if times:
        blocks.append(context(times))
    if operation.steps:
        blocks.append(section("\n".join(step_line(step) for step in operation.steps)))
    else:
        blocks.append(context("The Partner Portal listed no steps for this operation."))
    problem = operation_error(operation)
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
    fallback = f"{publisher_id}/{offer_id}: {kind(operation)} {status}"
    if step is not None and operation.is_in_flight:
        fallback += f", on step {step.name}"
    return message(fallback + ".", blocks)


def notify_note(addresses: tuple[str, ...]) -> str:
    """What `notify=` does, no more: the addresses go in the request, but the CPP overview (2020) says that for
    offers migrated to Partner Center the service no longer mails them (it mails the account's seller contact)."""
    listed = ", ".join(escape(e) for e in addresses)
    return (
        f"Sent with the request as its notification e-mails: {listed}. For offers migrated to Partner Center, "
        "Microsoft says the Partner Portal mails the account's seller contact instead, not these addresses."
    )


def confirmation_controls(ticket: CancelTicket, dialog: Block, ref: str) -> list[Block]:
    """The end of every "are you sure" (CPP publish or configure job): a danger Confirm behind Slack's dialog,
    Never mind, and who asked - the same buttons and values, so one listener serves both."""
    value = ticket.to_value()
    confirm = button("Confirm cancel", CONFIRM_CANCEL, value, style="danger", confirm=dialog)
    asked = f"Asked by <@{ticket.asked_by}>" if ticket.asked_by else "Asked"
    return [
        actions("cancel_confirmation", confirm, button("Never mind", ABORT_CANCEL, value)),
        context(f"{asked} · only people allowed to cancel this offer can confirm · ref {code(ref)}"),
    ]


def confirmation_message(
    ticket: CancelTicket, in_flight: Operation | None, *, lookup_problem: str | None, ref: str
) -> Message:
    """The "are you sure" message: what will be cancelled, a danger Confirm (with Slack's dialog), Never mind."""
    where = target(ticket.publisher_id, ticket.offer_id)
    if in_flight is not None:
        what = f"In flight: {operation_summary(in_flight)}"
        times = operation_times(in_flight)
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
        blocks.append(section(notify_note(ticket.notify)))
    dialog = confirm_dialog(
        "Cancel this publish?",
        f"This asks the Partner Portal to cancel the publish of {ticket.publisher_id}/{ticket.offer_id}. "
        "It cannot be undone.",
        "Yes, cancel it",
        "Keep publishing",
        style="danger",
    )
    blocks.extend(confirmation_controls(ticket, dialog, ref))
    if in_flight is not None:
        state = f"in flight: {kind(in_flight)}"
    else:  # the fallback text says what the blocks say: never "nothing in flight" when it could not be checked
        state = "could not check what is in flight" if lookup_problem is not None else "nothing in flight"
    return message(
        f"Cancel the publish of {ticket.publisher_id}/{ticket.offer_id}? ({state}) Confirm or never mind.", blocks
    )


def requested_message(subject: Target, user_id: str, at: datetime) -> Message:
    """Confirm's first answer: what is cancelled, by whom, and which API it goes to."""
    api = wording_for(subject).service
    text = f"Cancel of {subject.words} requested by <@{user_id}> at {plain_time(at)}; sending it to {api}…"
    rich = (
        f":hourglass_flowing_sand: Cancel of {subject.marked} requested by <@{user_id}> at {slack_time(at)}; "
        f"sending it to {api}…"
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
