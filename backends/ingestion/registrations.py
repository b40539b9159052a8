"""What the app's record keeps of registered configure jobs, as the Product Ingestion backend uses it.

A pipeline registers each job it starts (`POST /api/webhooks/jobs`, `record_store.jobs`), because the API cannot list
jobs. A registered job that ended - completed, or unknown to the API (404) - is no longer offered by `/cpp ops` or a
bare `/cpp cancel`, and no longer counts against the registration caps: its watcher's end says so (`watch_ended`),
and so does any read that sees it ended (`forget_ended`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cppcancel.settings import Settings
from cppcancel.targets import JobTarget
from cppcancel.times import iso, utc_now
from record_store.base import StoreUnavailable
from record_store.factory import record_store
from record_store.jobs import NOT_FOUND_STATUS, JobState

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
