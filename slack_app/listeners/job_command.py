"""`/cpp status ... job=<jobId>` and `/cpp cancel ... job=<jobId>`: a Product Ingestion configure job, read or
confirmed for cancel (the policy was checked by the caller, for the offer the job belongs to: the same rules).

As for a CPP cancel, nothing is cancelled here: the confirmation carries the job in its `CancelTicket`, and Confirm
starts the one cancel orchestration for it. A job that has already completed gets no Confirm button: there is
nothing left to cancel (the API would refuse it as too late).
"""

from __future__ import annotations

import uuid

from cppcancel.times import iso, utc_now
from partner_portal import errors
from slack_app import job_replies, jobs
from slack_app.actions import CancelTicket
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.runtime import Runtime


def job_status(rt: Runtime, attempt: Attempt, job_id: str, command: str) -> Message:
    p, o = attempt.offer
    try:
        status = jobs.read_job(rt.settings, job_id, deadline=attempt.deadline)
    except errors.CppError as exc:
        attempt.record("allowed", "failed", status_code=exc.status_code, reason=f"job {job_id}: {exc.describe()}")
        return job_replies.job_error_message(p, o, job_id, exc, attempt.ref)
    attempt.record("allowed", "shown", status_code=200, reason=f"job {job_id}: {status.words}")
    return job_replies.job_status_message(p, o, job_id, status, command=command, ref=attempt.ref)


def job_confirmation(rt: Runtime, attempt: Attempt, job_id: str) -> Message:
    """Read the job and build its Confirm/Never mind message (audited)."""
    p, o = attempt.offer
    ticket = CancelTicket(uuid.uuid4().hex, p, o, (), attempt.who.user_id, iso(utc_now(), "seconds"), job_id)
    attempt.request_id = ticket.request_id
    try:
        status = jobs.read_job(rt.settings, job_id, deadline=attempt.deadline)
    except errors.CppError as exc:
        if not exc.transient:  # 404, 403...: the cancel would fail the same way
            attempt.request_id = None
            attempt.record("allowed", "failed", status_code=exc.status_code, reason=f"job {job_id}: {exc.describe()}")
            return job_replies.job_error_message(p, o, job_id, exc, attempt.ref)
        attempt.record("allowed", "confirmation_shown", status_code=exc.status_code, reason=f"job {job_id}: {exc.code}")
        return job_replies.job_confirmation_message(ticket, None, lookup_problem=exc.describe(), ref=attempt.ref)
    if status.is_completed:
        attempt.request_id = None
        attempt.record("allowed", "too_late", status_code=200, reason=f"job {job_id}: {status.words}")
        return job_replies.job_finished_message(p, o, job_id, status, attempt.ref)
    attempt.record("allowed", "confirmation_shown", status_code=200, reason=f"job {job_id}: {status.words}")
    return job_replies.job_confirmation_message(ticket, status, lookup_problem=None, ref=attempt.ref)
