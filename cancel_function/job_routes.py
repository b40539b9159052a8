"""`POST /api/webhooks/jobs`: a pipeline registers the configure job its `POST configure` just started.

The Product Ingestion API has no endpoint that lists jobs, so without this the app could only cancel a job whose ID a
person types. The route is admitted exactly like the cancel webhook (`webhook_routes.admit`: size, Standard Webhooks
signature, strict body, caller bound to the key, the same policy), then the job is remembered in the record store
(`record_store.jobs`, beside the cancel record) and followed by a watcher of its own until it completes, posting to
`slackChannel` when given. Registering is idempotent by job: a retried delivery, or a second registration of the same
job, finds the first and starts nothing new.

The first registration of a job decides the offer it belongs to, for good (`record_store.jobs.JobOwner`): a job is
cancelled only under that offer, on that offer's permissions (`backends.ingestion.access`), so registering it again
under another offer is refused. Each running registration is a stored row and a watcher polling the API, so running
registrations are capped per offer and per caller (`JOB_REGISTRATION_MAX_PER_OFFER`, `..._PER_CALLER`).

Answers: 201 `{"status": "registered", "jobId", "instanceId", "statusUrl"}` (200 with `"alreadyRegistered": true` the
second time); 409 `job_offer_mismatch` when the job is registered under another offer; 429 `too_many_jobs` over a cap
(with Retry-After: a job ending frees a place); 503 `not_recorded` when the store failed (nothing is followed: retry);
the cancel webhook's errors otherwise (`bad_signature`, `unknown_field`, `forbidden`, ...).
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from backends.ingestion.registrations import register
from backends.registry import backend_for
from cancel_function.watcher_handover import ensure_watcher
from cancel_function.webhook_answers import error_response, json_response
from cancel_function.webhook_answers import status_url as webhook_status_url
from cancel_function.webhook_routes import Delivery, WebhookRefusal, admit
from cppcancel.audit import Outcome
from cppcancel.contracts import Requester, SlackTarget, WatchRequest
from cppcancel.settings import Settings
from cppcancel.times import iso, utc_now
from cppcancel.webhook_request import parse_job_registration
from record_store.jobs import JobRegistration, Registered

log = logging.getLogger("cancel_function.webhook")


RETRY_AFTER_S = "60"


def _register(settings: Settings, job: JobRegistration) -> Registered:
    """The registration as the Product Ingestion backend keeps it (`backends.ingestion.registrations.register`),
    or the WebhookRefusal its refusal answers with."""
    answer = register(settings, job)
    if isinstance(answer, Registered):
        return answer
    headers = {"Retry-After": RETRY_AFTER_S} if answer.retry else None
    outcome: Outcome = "failed" if answer.status == 503 else "refused"
    raise WebhookRefusal(answer.status, answer.code, answer.message, audit_outcome=outcome, headers=headers)


async def handle_register(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    delivery = Delivery(req.headers.get("webhook-id"), command="register_job")
    try:
        settings, key, body = admit(req, delivery, parse_job_registration)
    except WebhookRefusal as refusal:
        delivery.record(refusal.audit_outcome, reason=f"{refusal.code}: {refusal.message}")
        return error_response(refusal.status, refusal.code, refusal.message, refusal.headers)
    now = iso(utc_now(), "seconds")
    watch = WatchRequest(
        operation_url=backend_for(body.target).to_follow(settings, body.target) or "",
        target=body.target,
        requester=Requester(display=body.requested_by, caller=key.caller),
        correlation_id=delivery.correlation_id,
        started_at=now,
        slack=SlackTarget(body.slack_channel) if body.slack_channel else None,
        registered=True,
    )
    job = JobRegistration.of(
        body.target, key.caller, now, slack_channel=body.slack_channel, watch_instance_id=watch.instance_id
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
        log.exception("the watcher of registered %s could not be started", body.target.words)
        delivery.record("error", reason="the job's watcher could not be started")
        return error_response(503, "unavailable", "The job was recorded but could not be followed yet: retry.")
    delivery.record("replayed" if known else "registered", reason=body.target.words)
    answer: dict[str, Any] = {
        "status": "registered",
        **body.target.extra_json(),
        "instanceId": watch.instance_id,
        "statusUrl": webhook_status_url(req, watch.instance_id),
    }
    if known:
        answer["alreadyRegistered"] = True
    return json_response(200 if known else 201, answer)
