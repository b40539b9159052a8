"""The replies about a target shown by its own status rather than by its offer's operations - a configure job of the
Product Ingestion API (`Wording.look == "status"`): its status, its "are you sure", that it has ended, that it could
not be read; and what an offer has running by its APIs' own records (pure: values to `blockkit.Message`).

Built from the target and its backend's words (`cppcancel.targets`, `backends.base.Wording`), never by asking which
API it is: a target is named as it names itself (IDs as inline code), its state in its API's own words
(`running (pending)`), and what a cancelled one may leave behind is said whenever its API has something to say.
"""

from __future__ import annotations

from collections.abc import Sequence

from backends.base import Look, Running
from backends.http import errors
from backends.http.operation import Operation, OperationStatus
from backends.registry import wording_for
from cppcancel.targets import Target
from slack_app import grammar
from slack_app.actions import OPEN_CANCEL, CancelTicket, OfferRef
from slack_app.advice import next_step_after_read
from slack_app.blockkit import Block, Message, button, confirm_dialog, context, message, section
from slack_app.mrkdwn import code, escape, slack_time, target
from slack_app.operation_text import step_line
from slack_app.replies import confirmation_controls


def _ref(ref: str) -> Block:
    return context(f"ref {code(ref)}")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plain(text: str) -> str:
    """Marked text (IDs in backticks) for a plain-text fallback."""
    return text.replace("`", "")


def _said(subject: Target, operation: Operation | None) -> str:
    """The target's state in its API's own words."""
    return wording_for(subject).ended(operation) or (operation.raw_status if operation else None) or "unknown"


def _facts(subject: Target, operation: Operation | None) -> str:
    facts = [f"*Status:* {escape(_said(subject, operation))}"]
    if operation is not None and operation.created_at:
        facts.append(f"started {slack_time(operation.created_at)}")
    if operation is not None and operation.last_action_at:
        facts.append(f"ended {slack_time(operation.last_action_at)}")
    return " · ".join(facts)


def status_message(subject: Target, look: Look, *, command: str, ref: str) -> Message:
    words, operation = wording_for(subject), look.focus
    blocks: list[Block] = [section(f"*{_capital(subject.marked)}*\n{_facts(subject, operation)}")]
    if operation is not None and operation.steps:  # a submission's workflow: its steps in the API's words
        blocks.append(section("\n".join(step_line(step) for step in operation.steps)))
    if operation is not None and operation.error:
        blocks.append(section(f"*{_capital(words.service)} said:* {escape(operation.error)}"))
    if look.refusal:
        blocks.append(section(f":no_entry: {escape(look.refusal)}"))
    if operation is not None and operation.status is OperationStatus.CANCELED and words.caveat:
        blocks.append(context(words.caveat))
    if not look.ended and not look.refusal:
        blocks.append(context(f"To stop it: {code(f'{command} {grammar.render(grammar.Cancel(subject))}')}"))
    blocks.append(_ref(ref))
    said = _said(subject, operation)
    return message(f"{subject.offer}: {_plain(subject.thing)} {said}.", blocks)


def error_message(subject: Target, error: errors.ApiError, ref: str) -> Message:
    what = f"I could not read {subject.marked}."
    step = (
        f"Check {wording_for(subject).names_it}."
        if isinstance(error, errors.NotFound | errors.InvalidRequest)
        else next_step_after_read(error, subject.publisher_id)
    )
    return message(
        f"Could not read {subject.words}: {error.describe()}",
        [section(f":x: {what}\n{escape(error.describe())}"), section(f"*What to do:* {step}"), _ref(ref)],
    )


def elsewhere_message(publisher_id: str, offer_id: str, error: errors.ApiError, ref: str) -> Message:
    """`/cpp ops` of an offer the Partner Portal does not know but another of its APIs lists: said in one line."""
    said = _capital(error.service)
    text = f"{said} does not know {publisher_id}/{offer_id} (HTTP {error.status_code or 404}); its other APIs list:"
    return message(text, [context(escape(text)), _ref(ref)])


def nothing_in_flight_message(publisher_id: str, offer_id: str, service: str, ref: str) -> Message:
    """A bare `/cpp cancel` of an offer whose API lists nothing in flight: nothing to cancel, nothing sent."""
    text = f"Nothing of {publisher_id}/{offer_id} is in progress on {service}: there is nothing to cancel."
    rich = f":information_source: Nothing of {target(publisher_id, offer_id)} is in progress on {escape(service)}: "
    return message(text, [section(rich + "there is nothing to cancel."), _ref(ref)])


def unverified_message(explained: str, ref: str) -> Message:
    """The app's record could not say whether the target may be acted on here: nothing is offered, nothing sent."""
    return message(explained, [section(f":warning: {escape(explained)}"), _ref(ref)])


def ended_message(subject: Target, look: Look, ref: str) -> Message:
    """Nothing left to cancel: it has ended, or its API's own rule says it is too late (`Look.refusal`)."""
    said = _said(subject, look.focus)
    if look.refusal:
        text = f"Too late to cancel {subject.words}: {look.refusal} Nothing was sent."
        rich = f":no_entry: *Too late to cancel {subject.marked}.*\n{escape(look.refusal)}\nNothing was sent."
        return message(text, [section(rich), _ref(ref)])
    text = f"{_capital(subject.words)} has already completed ({said}): there is nothing to cancel."
    rich = (
        f":information_source: {_capital(subject.marked)} has already completed ({escape(said)}): there is nothing "
        "to cancel."
    )
    return message(text, [section(rich), _ref(ref)])


def confirmation_message(ticket: CancelTicket, look: Look | None, *, lookup_problem: str | None, ref: str) -> Message:
    """The "are you sure": the target's state, what a cancelled one may leave behind, Confirm / Never mind."""
    subject = ticket.target
    words = wording_for(subject)
    item = words.item.lower()
    if look is not None:
        now = f"The {item} is {escape(_said(subject, look.focus))}."
    else:
        problem = escape(lookup_problem or "unknown")
        now = f"I could not check the {item}'s status ({problem}). You can still send the cancel."
    body = f"{now}\n{words.caveat}" if words.caveat else now
    blocks: list[Block] = [section(f":warning: *Cancel {subject.marked}?*"), section(body)]
    asks = words.asks.format(offer=subject.offer, item=subject.item or "")
    dialog = confirm_dialog(f"Cancel this {words.noun}?", asks, "Yes, cancel it", words.keep, style="danger")
    blocks.extend(confirmation_controls(ticket, dialog, ref))
    return message(f"Cancel {subject.words}? Confirm or never mind.", blocks)


def _running_line(running: Running) -> str:
    if running.detail is not None:
        return f"{_capital(running.target.thing)} · {escape(running.detail)}"
    who = escape(running.registered_by)
    return f"{_capital(running.target.thing)} · registered by {who} {slack_time(running.registered_at)}"


def running_blocks(running: Sequence[Running]) -> list[Block]:
    """`/cpp ops`: the offer's targets its APIs know to be running, under each API's heading, each with its own
    Cancel… button - or, when its API says it is too late, why not (and no button)."""
    blocks: list[Block] = []
    heading = None
    for known in running:
        if wording_for(known.target).running_heading != heading:
            heading = wording_for(known.target).running_heading
            blocks.append(section(heading))
        line = _running_line(known)
        if known.refusal:
            blocks.append(section(f"{line}\n:no_entry: {escape(known.refusal)}"))
            continue
        value = OfferRef(known.target).to_value()
        blocks.append(section(line, button("Cancel…", OPEN_CANCEL, value, style="danger")))
    return blocks


def which_message(publisher_id: str, offer_id: str, running: Sequence[Running], ref: str) -> Message:
    """Naming the offer alone, with several of its targets running: which one?"""
    nouns = f"{wording_for(running[0].target).noun}s"
    where = target(publisher_id, offer_id)
    head = section(f":question: {len(running)} registered {nouns} of {where} are running. Which one to cancel?")
    blocks = [head, *running_blocks(running)[1:], _ref(ref)]
    text = f"{len(running)} {nouns} of {publisher_id}/{offer_id} are running: which one to cancel?"
    return message(text, blocks)
