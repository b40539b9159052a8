"""`POST /api/webhooks/jobs`: a pipeline registers the configure job its `POST configure` just started.

The Product Ingestion API has no endpoint that lists jobs, so without this the app could only cancel a job whose ID a
person types. The route is admitted exactly like the cancel webhook (`webhook_routes.admit`: size, Standard Webhooks
signature, strict body, caller bound to the key, the same policy), then the job is remembered in the record store
(`record_store.jobs`, beside the cancel record) and followed by a watcher of its own until it completes, posting to
`slackChannel` when given. Registering is idempotent by job: a retried delivery, or a second registration of the
same job, finds the first and starts nothing new.

The first registration of a job decides the offer it belongs to, for good (`record_store.jobs.JobOwner`): a job is
cancelled only under that offer, on that offer's permissions (`cppcancel.job_access`), so registering it again under
another offer is refused. Each running registration is a stored row and a watcher polling the API, so running
registrations are capped per offer and per caller (`JOB_REGISTRATION_MAX_PER_OFFER`, `..._PER_CALLER`).

Answers: 201 `{"status": "registered", "jobId", "instanceId", "statusUrl"}` (200 with `"alreadyRegistered": true`
the second time); 409 `job_offer_mismatch` when the job is registered under another offer; 429 `too_many_jobs` over
a cap (with Retry-After: a job ending frees a place); 503 `not_recorded` when the store failed (nothing is followed:
retry); the cancel webhook's errors otherwise (`bad_signature`, `unknown_field`, `forbidden`, ...).
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from cancel_function.job_send import status_url
from cancel_function.watcher_handover import ensure_watcher
from cancel_function.webhook_answers import error_response, json_response
from cancel_function.webhook_answers import status_url as webhook_status_url
from cancel_function.webhook_routes import Delivery, WebhookRefusal, admit
from cppcancel.contracts import Requester, SlackTarget, WatchRequest
from cppcancel.error_info import NOT_RECORDED
from cppcancel.refusals import JOB_OFFER_MISMATCH
from cppcancel.settings import Settings
from cppcancel.times import iso, utc_now
from cppcancel.webhook_request import parse_job_registration
from record_store.base import RecordStore, StoreUnavailable
from record_store.factory import record_store
from record_store.jobs import JobRegistration, Registered

TOO_MANY_JOBS = "too_many_jobs"

log = logging.getLogger("cancel_function.webhook")


RETRY_AFTER_S = "60"


def _over_cap(settings: Settings, store: RecordStore, job: JobRegistration) -> WebhookRefusal | None:
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
    return WebhookRefusal(429, TOO_MANY_JOBS, message, headers={"Retry-After": RETRY_AFTER_S})


def _register(settings: Settings, job: JobRegistration) -> Registered:
    """Owner first (a job registered under another offer stays there), the caps for a new job, then the rows."""
    try:
        store = record_store(settings)
        owner = store.job_owner(job.job_id)
        refusal = _over_cap(settings, store, job) if owner is None else None  # a known job is not a new one
        if refusal is not None:
            raise refusal
        if owner is not None and not owner.owns(job.publisher_id, job.offer_id):
            registered = Registered("elsewhere")
        else:
            registered = store.register_job(job)  # finds it "elsewhere" too, if another offer registered it first
    except StoreUnavailable as exc:
        log.error("job %s not registered: the record store failed: %s", job.job_id, exc)
        message = "The job could not be recorded, so it is not followed. Retry in a minute."
        raise WebhookRefusal(
            503, NOT_RECORDED, message, audit_outcome="failed", headers={"Retry-After": RETRY_AFTER_S}
        ) from None
    if registered.outcome == "elsewhere":
        message = (
            f"Configure job {job.job_id} is already registered under another offer, not {job.publisher_id}/"
            f"{job.offer_id}. A job belongs to the offer it was first registered for; nothing was changed."
        )
        raise WebhookRefusal(409, JOB_OFFER_MISMATCH, message)
    return registered


async def handle_register(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    delivery = Delivery(req.headers.get("webhook-id"), command="register_job")
    try:
        settings, key, body = admit(req, delivery, parse_job_registration)
    except WebhookRefusal as refusal:
        delivery.record(refusal.audit_outcome, reason=f"{refusal.code}: {refusal.message}")
        return error_response(refusal.status, refusal.code, refusal.message, refusal.headers)
    assert body.job_id is not None  # parse_job_registration demands it
    now = iso(utc_now(), "seconds")
    watch = WatchRequest(
        operation_url=status_url(settings, body.job_id),
        publisher_id=body.publisher_id,
        offer_id=body.offer_id,
        requester=Requester(display=body.requested_by, caller=key.caller),
        correlation_id=delivery.correlation_id,
        started_at=now,
        slack=SlackTarget(body.slack_channel) if body.slack_channel else None,
        job_id=body.job_id,
        registered=True,
    )
    job = JobRegistration(
        body.publisher_id,
        body.offer_id,
        body.job_id,
        key.caller,
        now,
        slack_channel=body.slack_channel,
        watch_instance_id=watch.instance_id,
    )
    try:
        registered = _register(settings, job)
    except WebhookRefusal as refusal:
        delivery.record(
            refusal.audit_outcome, refused=refusal.status != 503, reason=f"{refusal.code}: {refusal.message}"
        )
        return error_response(refusal.status, refusal.code, refusal.message, refusal.headers)
    known = registered.outcome == "known"
    try:
        await ensure_watcher(client, watch)  # a no-op when its watcher runs already (a retried registration)
    except Exception:
        log.exception("the watcher of registered job %s could not be started", body.job_id)
        delivery.record("error", reason="the job's watcher could not be started")
        return error_response(503, "unavailable", "The job was recorded but could not be followed yet: retry.")
    delivery.record("replayed" if known else "registered", reason=f"job {body.job_id}")
    answer: dict[str, Any] = {
        "status": "registered",
        "jobId": body.job_id,
        "instanceId": watch.instance_id,
        "statusUrl": webhook_status_url(req, watch.instance_id),
    }
    if known:
        answer["alreadyRegistered"] = True
    return json_response(200 if known else 201, answer)
