"""The replies about Product Ingestion configure jobs: their status, the "are you sure" of a job cancel, and the
offer's registered jobs (pure functions from values to `blockkit.Message`, like `replies.py`).

A job is named by its ID everywhere (inline code), its state in the API's own words (`running (pending)`), and a
cancel's confirmation says plainly what a cancelled job may leave behind: the docs say the cancellation only applies
to resources not yet processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from partner_portal import errors
from record_store.jobs import JobRegistration
from slack_app.actions import OPEN_CANCEL, CancelTicket, OfferRef
from slack_app.advice import next_step_after_read
from slack_app.blockkit import Block, Message, button, confirm_dialog, context, message, section
from slack_app.mrkdwn import code, escape, slack_time, target
from slack_app.replies import confirmation_controls

if TYPE_CHECKING:  # the Product Ingestion models load when a job is shown, not for a CPP publish's confirmation
    from product_ingestion.models import ConfigureStatus


def _ref(ref: str) -> Block:
    return context(f"ref {code(ref)}")


def _facts(status: ConfigureStatus) -> str:
    facts = [f"*Status:* {escape(status.words)}"]
    if status.job_start:
        facts.append(f"started {slack_time(status.job_start)}")
    if status.job_end:
        facts.append(f"ended {slack_time(status.job_end)}")
    return " · ".join(facts)


def job_status_message(
    publisher_id: str, offer_id: str, job_id: str, status: ConfigureStatus, *, command: str, ref: str
) -> Message:
    where = target(publisher_id, offer_id)
    blocks: list[Block] = [section(f"*Configure job {code(job_id)} of {where}*\n{_facts(status)}")]
    if status.error_text:
        blocks.append(section(f"*The Product Ingestion API said:* {escape(status.error_text)}"))
    if status.is_cancelled:
        from product_ingestion.models import PARTIAL_WARNING

        blocks.append(context(PARTIAL_WARNING))
    if not status.is_completed:
        blocks.append(context(f"To stop it: {code(f'{command} cancel {publisher_id} {offer_id} job={job_id}')}"))
    blocks.append(_ref(ref))
    return message(f"{publisher_id}/{offer_id}: configure job {job_id} {status.words}.", blocks)


def job_error_message(publisher_id: str, offer_id: str, job_id: str, error: errors.CppError, ref: str) -> Message:
    what = f"I could not read configure job {code(job_id)} of {target(publisher_id, offer_id)}."
    step = (
        "Check the job ID (the one POST configure returned)."
        if isinstance(error, errors.NotFound | errors.InvalidRequest)
        else next_step_after_read(error, publisher_id)
    )
    return message(
        f"Could not read configure job {job_id} of {publisher_id}/{offer_id}: {error.describe()}",
        [section(f":x: {what}\n{escape(error.describe())}"), section(f"*What to do:* {step}"), _ref(ref)],
    )


def job_unverified_message(publisher_id: str, offer_id: str, job_id: str, ref: str) -> Message:
    """The app's record could not say which offer the job belongs to: nothing is offered, nothing sent."""
    text = (
        f"I could not check which offer configure job {job_id} is registered under (the app's record could not be "
        "read), so nothing was done. Try again in a minute."
    )
    return message(text, [section(f":warning: {escape(text)}"), _ref(ref)])


def job_finished_message(publisher_id: str, offer_id: str, job_id: str, status: ConfigureStatus, ref: str) -> Message:
    text = (
        f"Configure job {job_id} of {publisher_id}/{offer_id} has already completed ({status.words}): there is "
        "nothing to cancel."
    )
    rich = (
        f":information_source: Configure job {code(job_id)} of {target(publisher_id, offer_id)} has already "
        f"completed ({escape(status.words)}): there is nothing to cancel."
    )
    return message(text, [section(rich), _ref(ref)])


def job_confirmation_message(
    ticket: CancelTicket, status: ConfigureStatus | None, *, lookup_problem: str | None, ref: str
) -> Message:
    """The "are you sure" of a job cancel: the job's state, the partial-resources warning, Confirm / Never mind."""
    from product_ingestion.models import PARTIAL_WARNING

    job = ticket.job_id or ""
    where = target(ticket.publisher_id, ticket.offer_id)
    if status is not None:
        now = f"The job is {escape(status.words)}."
    else:
        problem = escape(lookup_problem or "unknown")
        now = f"I could not check the job's status ({problem}). You can still send the cancel."
    blocks: list[Block] = [
        section(f":warning: *Cancel configure job {code(job)} of {where}?*"),
        section(f"{now}\n{PARTIAL_WARNING}"),
    ]
    dialog = confirm_dialog(
        "Cancel this configure job?",
        f"This asks the Product Ingestion API to cancel job {job}. It cannot be undone.",
        "Yes, cancel it",
        "Keep it running",
        style="danger",
    )
    blocks.extend(confirmation_controls(ticket, dialog, ref))
    return message(
        f"Cancel configure job {job} of {ticket.publisher_id}/{ticket.offer_id}? Confirm or never mind.", blocks
    )


def _job_line(job: JobRegistration) -> str:
    who = escape(job.requested_by)
    return f"Configure job {code(job.job_id)} · registered by {who} {slack_time(job.registered_at)}"


def registered_jobs_blocks(publisher_id: str, offer_id: str, jobs: Sequence[JobRegistration]) -> list[Block]:
    """`/cpp ops`: the offer's registered configure jobs still running, each with its own Cancel… button."""
    if not jobs:
        return []
    blocks: list[Block] = [section("*Registered configure jobs still running* (Product Ingestion API)")]
    for job in jobs:
        value = OfferRef(publisher_id, offer_id, job.job_id).to_value()
        blocks.append(section(_job_line(job), button("Cancel…", OPEN_CANCEL, value, style="danger")))
    return blocks


def which_job_message(publisher_id: str, offer_id: str, jobs: Sequence[JobRegistration], ref: str) -> Message:
    """A bare `/cpp cancel` on an offer with several running registered jobs: which one?"""
    where = target(publisher_id, offer_id)
    head = section(f":question: {len(jobs)} registered configure jobs of {where} are running. Which one to cancel?")
    blocks = [head, *registered_jobs_blocks(publisher_id, offer_id, jobs)[1:], _ref(ref)]
    return message(f"{len(jobs)} configure jobs of {publisher_id}/{offer_id} are running: which one to cancel?", blocks)
