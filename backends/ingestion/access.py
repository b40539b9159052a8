"""Whether a configure job may be acted on under the offer a caller names (pure): the job's offer is a fact about
the job, never what the caller says.

The Product Ingestion API addresses a job by its ID alone, and the app's one identity may cancel any job of the
seller account, so permission on the offer a caller *names* proves nothing about the job. A registered job belongs to
the offer its pipeline registered it under (`record_store.jobs.JobOwner`, found by the job's ID): named under any
other offer it is refused (`job_offer_mismatch`), whatever the caller may do there. An unregistered job cannot be
tied to an offer while it runs (`GET configure/{jobId}` fails before the job completes), so cancelling one is refused
(`job_not_registered`, saying how to register jobs) unless a policy rule that matches the caller opts in with
`"unregisteredJobs": true` - it trusts the caller to name the job's offer. Reading a job's status is the same, except
that an unregistered job may be read (a read cancels nothing; a registered job still only under its own offer).

The caller's permission on the named offer is checked before this, as for any request. `refusal` is what the
backend answers (`Backend.refusal`): the job's registration read from the app's record, the rule applied.
"""

from __future__ import annotations

import logging

from backends.base import Asker, Refusal
from cppcancel import refusals
from cppcancel.policy import Membership, Policy, Subject, authorize
from cppcancel.refusals import JOB_NOT_REGISTERED, JOB_OFFER_MISMATCH, Missing
from cppcancel.settings import Settings
from cppcancel.targets import JobTarget
from record_store.base import StoreUnavailable

__all__ = ["JOB_NOT_REGISTERED", "JOB_OFFER_MISMATCH", "JobRefusal", "job_refusal", "refusal"]

log = logging.getLogger(__name__)
JobRefusal = Refusal
UNVERIFIED = (
    "Which offer configure job {job} is registered under could not be read (the app's record could not be read), so "
    "nothing was done. Try again in a minute."
)


def refusal(settings: Settings, target: JobTarget, asker: Asker) -> Refusal | None:
    """The job's own check for `asker`, with its registration read from the app's record by the job's ID alone."""
    from record_store.factory import record_store

    try:
        owner = record_store(settings).job_owner(target.job_id)
    except StoreUnavailable as exc:
        # not on a slash command's ack path (cold start)
        from cppcancel.sending import NOT_RECORDED

        log.warning("the registration of job %s could not be read: %s", target.job_id, exc)
        return Refusal(NOT_RECORDED, UNVERIFIED.format(job=target.job_id), unverified=True)
    registered_under = (owner.publisher_id, owner.offer_id) if owner else None
    return job_refusal(
        asker.policy,
        asker.subject,
        target.publisher_id,
        target.offer_id,
        target.job_id,
        registered_under,
        cancel=asker.cancel,
        is_member=asker.is_member,
        is_entra_member=asker.is_entra_member,
        webhook_caller=asker.webhook_caller,
    )


def job_refusal(
    policy: Policy | None,
    subject: Subject,
    publisher_id: str,
    offer_id: str,
    job_id: str,
    registered_under: tuple[str, str] | None,
    *,
    cancel: bool = True,
    is_member: Membership | None = None,
    is_entra_member: Membership | None = None,
    webhook_caller: str | None = None,
) -> JobRefusal | None:
    """None when the job may be acted on under `publisher_id`/`offer_id`; `registered_under`: the job's registered
    (publisher, offer), None when nobody registered it."""
    if registered_under is not None:
        if registered_under == (publisher_id, offer_id):
            return None
        return JobRefusal(JOB_OFFER_MISMATCH, refusals.offer_mismatch(job_id, publisher_id, offer_id))
    if not cancel:
        return None
    verdict = authorize(
        policy,
        subject,
        publisher_id,
        offer_id,
        is_member=is_member,
        is_entra_member=is_entra_member,
        unregistered_job=True,
    )
    if verdict.allowed:
        return None
    if verdict.missing is not Missing.UNREGISTERED_JOB:  # not allowed on the offer at all (normally checked first)
        return JobRefusal("forbidden", verdict.explain(publisher_id, offer_id, webhook_caller=webhook_caller))
    return JobRefusal(JOB_NOT_REGISTERED, refusals.not_registered(job_id, webhook_caller=webhook_caller))
