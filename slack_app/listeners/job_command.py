"""`/cpp status ... job=<jobId>` and `/cpp cancel ... job=<jobId>`: a Product Ingestion configure job, read or
confirmed for cancel. The policy was checked by the caller for the offer named; `refusal` checks that the job belongs
to it (`cppcancel.job_access`: a registered job only under its registered offer; an unregistered one only for a
caller a policy rule trusts to name its offer) - for `job=`, a bare `/cpp cancel`, the Cancel… button and Confirm.

As for a CPP cancel, nothing is cancelled here: the confirmation carries the job in its `CancelTicket`, and Confirm
starts the one cancel orchestration for it. A job that has already completed gets no Confirm button: there is
nothing left to cancel (the API would refuse it as too late).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace

from backends.http import errors
from cppcancel.job_access import job_refusal
from cppcancel.targets import JobTarget
from cppcancel.times import iso, utc_now
from record_store.base import StoreUnavailable
from record_store.factory import record_store
from record_store.jobs import NOT_FOUND_STATUS, JobRegistration, JobState
from slack_app import job_replies, jobs, replies
from slack_app.actions import CancelTicket
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.mrkdwn import MAX_BLOCKS
from slack_app.runtime import Runtime

log = logging.getLogger(__name__)


def refusal(rt: Runtime, attempt: Attempt, job_id: str, *, cancel: bool = True) -> Message | None:
    """The job's own check for the attempt's caller (audited when refused): None when it may go on."""
    p, o = attempt.offer
    try:
        owner = record_store(rt.settings).job_owner(job_id)
    except StoreUnavailable as exc:
        log.warning("the registration of job %s could not be read (ref %s): %s", job_id, attempt.ref, exc)
        attempt.record("allowed", "failed", reason=f"job {job_id}: its registration could not be read")
        return job_replies.job_unverified_message(p, o, job_id, attempt.ref)
    pol = rt.policy
    refused = job_refusal(
        pol,
        attempt.who.subject,
        p,
        o,
        job_id,
        (owner.publisher_id, owner.offer_id) if owner else None,
        cancel=cancel,
        is_member=rt.directory.is_member if pol is not None and pol.names_usergroups else None,
    )
    if refused is None:
        return None
    attempt.record("refused", "refused", reason=f"{refused.code}: job {job_id}")
    return replies.refusal_message(refused.message, attempt.ref)


def job_status(rt: Runtime, attempt: Attempt, job_id: str, command: str) -> Message:
    p, o = attempt.offer
    refused = refusal(rt, attempt, job_id, cancel=False)
    if refused is not None:
        return refused
    try:
        status = jobs.read_job(rt.settings, job_id, deadline=attempt.deadline)
    except errors.ApiError as exc:
        attempt.record("allowed", "failed", status_code=exc.status_code, reason=f"job {job_id}: {exc.describe()}")
        return job_replies.job_error_message(p, o, job_id, exc, attempt.ref)
    attempt.record("allowed", "shown", status_code=200, reason=f"job {job_id}: {status.words}")
    return job_replies.job_status_message(p, o, job_id, status, command=command, ref=attempt.ref)


def job_confirmation(
    rt: Runtime, attempt: Attempt, job_id: str, *, fallback: Callable[[], Message] | None = None
) -> Message:
    """Read the job and build its Confirm/Never mind message (audited). A completed job has nothing to cancel: its
    registration is marked so and, with `fallback` (a bare `/cpp cancel`), the CPP's confirmation is shown. A job
    that does not belong to the offer (`refusal`) gets no confirmation."""
    p, o = attempt.offer
    refused = refusal(rt, attempt, job_id)
    if refused is not None:
        return refused
    target = JobTarget(p, o, job_id)
    ticket = CancelTicket(uuid.uuid4().hex, target, (), attempt.who.user_id, iso(utc_now(), "seconds"))
    attempt.request_id = ticket.request_id
    try:
        status = jobs.read_job(rt.settings, job_id, deadline=attempt.deadline)
    except errors.ApiError as exc:
        if isinstance(exc, errors.NotFound):  # the API does not know it: never offered again
            _forget_finished(rt, attempt, job_id, NOT_FOUND_STATUS, state="not_found")
            if fallback is not None:
                attempt.request_id = None
                return fallback()
        if not exc.transient:  # 404, 403...: the cancel would fail the same way
            attempt.request_id = None
            attempt.record("allowed", "failed", status_code=exc.status_code, reason=f"job {job_id}: {exc.describe()}")
            return job_replies.job_error_message(p, o, job_id, exc, attempt.ref)
        attempt.record("allowed", "confirmation_shown", status_code=exc.status_code, reason=f"job {job_id}: {exc.code}")
        return job_replies.job_confirmation_message(ticket, None, lookup_problem=exc.describe(), ref=attempt.ref)
    if status.is_completed and fallback is not None:
        _forget_finished(rt, attempt, job_id, status.words)
        attempt.request_id = None
        return fallback()
    if status.is_completed:
        _forget_finished(rt, attempt, job_id, status.words)
        attempt.request_id = None
        attempt.record("allowed", "too_late", status_code=200, reason=f"job {job_id}: {status.words}")
        return job_replies.job_finished_message(p, o, job_id, status, attempt.ref)
    attempt.record("allowed", "confirmation_shown", status_code=200, reason=f"job {job_id}: {status.words}")
    return job_replies.job_confirmation_message(ticket, status, lookup_problem=None, ref=attempt.ref)


def running_jobs(rt: Runtime, attempt: Attempt) -> list[JobRegistration]:
    """The offer's registered configure jobs still running, from the app's record ([] when it cannot be read: the
    CPP path then goes on as before, and the log says why)."""
    p, o = attempt.offer
    try:
        return [job for job in record_store(rt.settings).registered_jobs(p, o) if job.running]
    except StoreUnavailable as exc:
        log.warning("registered jobs of %s/%s could not be read (ref %s): %s", p, o, attempt.ref, exc)
        return []


def _forget_finished(rt: Runtime, attempt: Attempt, job_id: str, words: str, *, state: JobState = "completed") -> None:
    """A registered job seen completed (or unknown to the API): no longer offered (its watcher would say so too)."""
    p, o = attempt.offer
    try:
        store = record_store(rt.settings)
        job = store.job(p, o, job_id)
        if job is not None and job.running:
            store.update_job(replace(job, state=state, job_status=words, updated_at=iso(utc_now())))
    except StoreUnavailable as exc:
        log.warning("registered job %s could not be marked completed: %s", job_id, exc)


def bare_cancel(rt: Runtime, attempt: Attempt, notify: tuple[str, ...], cpp: Callable[[], Message]) -> Message:
    """`/cpp cancel <publisher> <offer>`: the offer's one running registered job; a question (with a Cancel button
    per job) when there are several; the CPP publish when there are none. `notify=` means the CPP (a job's cancel
    sends no e-mail), and so does a registered job that turns out to have completed."""
    running = [] if notify else running_jobs(rt, attempt)
    if not running:
        return cpp()
    if len(running) > 1:
        p, o = attempt.offer
        attempt.record("allowed", "shown", reason=f"{len(running)} registered jobs running: asked which")
        return job_replies.which_job_message(p, o, running, attempt.ref)
    return job_confirmation(rt, attempt, running[0].job_id, fallback=cpp)


def with_registered_jobs(rt: Runtime, attempt: Attempt, reply: Message) -> Message:
    """`/cpp ops`: the CPP's answer, and below it the offer's registered configure jobs still running."""
    p, o = attempt.offer
    running = running_jobs(rt, attempt)
    if not running:
        return reply
    blocks = job_replies.registered_jobs_blocks(p, o, running)
    body = [*reply.blocks[:-1], *blocks, *reply.blocks[-1:]]
    return Message(f"{reply.text} {len(running)} registered configure job(s) running.", tuple(body[:MAX_BLOCKS]))
