"""What the app's record keeps of registered configure jobs, as the Product Ingestion backend uses it.

A pipeline registers each job it starts (`POST /api/webhooks/jobs`, `record_store.jobs`), because the API cannot list
jobs. A registered job that ended - completed, or unknown to the API (404) - is no longer offered by `/cpp ops` or a
bare `/cpp cancel`, and no longer counts against the registration caps: its watcher's end says so (`watch_ended`),
and so does any read that sees it ended (`forget_ended`). Registering is `register`: the first registration of a
job decides its offer for good, and running registrations are capped per offer and per caller
(`JOB_REGISTRATION_MAX_PER_OFFER`, `..._PER_CALLER`: each is a stored row and a watcher polling the API).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from backends.base import Running
from cppcancel.refusals import JOB_OFFER_MISMATCH
from cppcancel.settings import Settings
from cppcancel.targets import JobTarget
from cppcancel.times import iso, utc_now
from record_store.base import RecordStore, StoreUnavailable
from record_store.factory import record_store
from record_store.jobs import NOT_FOUND_STATUS, JobRegistration, JobState, Registered

log = logging.getLogger(__name__)

# The watcher's phases that mean a job's `jobStatus` was `completed` (a stopped or timed-out watch says nothing).
JOB_ENDED = frozenset({"completed", "canceled", "failed"})
NOT_FOUND = "not_found"  # the watch was lost because the API does not know the job (404)


def forget_ended(settings: Settings, target: JobTarget, words: str | None, *, state: JobState = "completed") -> None:
    """A registered job seen ended (`completed`, or `not_found` by the API) is no longer offered. Best effort."""
    try:
        store = record_store(settings)
        job = store.job(target.publisher_id, target.offer_id, target.job_id)
        if job is not None and job.running:
            store.update_job(replace(job, state=state, job_status=words, updated_at=iso(utc_now())))
    except StoreUnavailable as exc:
        log.warning("registered job %s could not be marked %s: %s", target.job_id, state, exc)


def watch_ended(settings: Settings, target: JobTarget, ending: Mapping[str, Any]) -> None:
    """The watch of `target` ended (`ending`: the watcher's output): when the job itself ended, or the API does not
    know it, its registration says so."""
    if ending.get("errorCode") == NOT_FOUND:
        forget_ended(settings, target, NOT_FOUND_STATUS, state="not_found")
    elif ending.get("phase") in JOB_ENDED:
        said = ending.get("operationStatus")
        forget_ended(settings, target, said if isinstance(said, str) else None)


def running(settings: Settings, publisher_id: str, offer_id: str) -> list[Running]:
    """The offer's registered configure jobs still running, newest first ([] when the record cannot be read: the
    offer's publish is then what naming the offer means, and the log says why)."""
    try:
        jobs = record_store(settings).registered_jobs(publisher_id, offer_id)
    except StoreUnavailable as exc:
        log.warning("registered jobs of %s/%s could not be read: %s", publisher_id, offer_id, exc)
        return []
    return [Running(job.target, job.requested_by, job.registered_at) for job in jobs if job.running]


TOO_MANY_JOBS = "too_many_jobs"


@dataclass(frozen=True)
class NotRegistered:
    """Why a registration was refused: the HTTP status and code the webhook answers with, what to tell the caller,
    and whether to say when to retry (a job ending frees a place; a store that failed may be back)."""

    status: int
    code: str
    message: str
    retry: bool = False


def _over_cap(settings: Settings, store: RecordStore, job: JobRegistration) -> NotRegistered | None:
    """A new registration beyond what may be running at once, for the offer or for the caller."""
    per_offer, per_caller = settings.job_registration_max_per_offer, settings.job_registration_max_per_caller
    running = sum(1 for known in store.registered_jobs(job.publisher_id, job.offer_id) if known.running)
    if running >= per_offer:
        where = f"{job.publisher_id}/{job.offer_id} has {running} registered configure jobs running"
        limit = f"JOB_REGISTRATION_MAX_PER_OFFER is {per_offer}"
    elif store.running_jobs_of_caller(job.requested_by, check_from=per_caller) >= per_caller:
        where = f"caller {job.requested_by!r} has {per_caller} or more registered configure jobs running"
        limit = f"JOB_REGISTRATION_MAX_PER_CALLER is {per_caller}"
    else:
        return None
    message = f"Not registered: {where} ({limit}). Retry once one of them has ended; nothing was followed."
    return NotRegistered(429, TOO_MANY_JOBS, message, retry=True)


def register(settings: Settings, job: JobRegistration) -> Registered | NotRegistered:
    """Owner first (a job registered under another offer stays there), the caps for a new job, then the rows."""
    try:
        store = record_store(settings)
        owner = store.job_owner(job.job_id)
        refusal = _over_cap(settings, store, job) if owner is None else None  # a known job is not a new one
        if refusal is not None:
            return refusal
        if owner is not None and not owner.owns(job.publisher_id, job.offer_id):
            registered = Registered("elsewhere")
        else:
            registered = store.register_job(job)  # finds it "elsewhere" too, if another offer registered it first
    except StoreUnavailable as exc:
        # not on a slash command's ack path (cold start)
        from cppcancel.sending import NOT_RECORDED

        log.error("job %s not registered: the record store failed: %s", job.job_id, exc)
        message = "The job could not be recorded, so it is not followed. Retry in a minute."
        return NotRegistered(503, NOT_RECORDED, message, retry=True)
    if registered.outcome == "elsewhere":
        message = (
            f"Configure job {job.job_id} is already registered under another offer, not {job.publisher_id}/"
            f"{job.offer_id}. A job belongs to the offer it was first registered for; nothing was changed."
        )
        return NotRegistered(409, JOB_OFFER_MISMATCH, message)
    return registered
