"""`POST /api/webhooks/jobs`: a pipeline registers the configure job its `POST configure` just started.

The Product Ingestion API has no endpoint that lists jobs, so without this the app could only cancel a job whose ID a
person types. The route is admitted exactly like the cancel webhook (`webhook_routes.admit`: size, Standard Webhooks
signature, strict body, caller bound to the key, the same policy), then the job is remembered in the record store
(`record_store.jobs`, beside the cancel record) and followed by a watcher of its own until it completes, posting to
`slackChannel` when given. Registering is idempotent by job: a retried delivery, or a second registration of the
same job, finds the first and starts nothing new.

Answers: 201 `{"status": "registered", "jobId", "instanceId", "statusUrl"}` (200 with `"alreadyRegistered": true`
the second time); 503 `not_recorded` when the store failed (nothing is followed: retry); the cancel webhook's errors
otherwise (`bad_signature`, `unknown_field`, `forbidden`, ...).
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
from cppcancel.times import iso, utc_now
from cppcancel.webhook_request import parse_job_registration
from record_store.base import StoreUnavailable
from record_store.factory import record_store
from record_store.jobs import JobRegistration

log = logging.getLogger("cancel_function.webhook")


async def handle_register(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    delivery = Delivery(req.headers.get("webhook-id"), command="register_job")
    try:
        settings, key, body = admit(req, delivery, parse_job_registration)
    except WebhookRefusal as refusal:
        delivery.record(refusal.audit_outcome, reason=f"{refusal.code}: {refusal.message}")
        return error_response(refusal.status, refusal.code, refusal.message)
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
        existing = record_store(settings).register_job(job)
    except StoreUnavailable as exc:
        log.error("job %s not registered: the record store failed: %s", body.job_id, exc)
        delivery.record("failed", reason="the job could not be recorded")
        message = "The job could not be recorded, so it is not followed. Retry in a minute."
        return error_response(503, NOT_RECORDED, message, {"Retry-After": "60"})
    try:
        await ensure_watcher(client, watch)  # a no-op when its watcher runs already (a retried registration)
    except Exception:
        log.exception("the watcher of registered job %s could not be started", body.job_id)
        delivery.record("error", reason="the job's watcher could not be started")
        return error_response(503, "unavailable", "The job was recorded but could not be followed yet: retry.")
    delivery.record("replayed" if existing is not None else "registered", reason=f"job {body.job_id}")
    answer: dict[str, Any] = {
        "status": "registered",
        "jobId": body.job_id,
        "instanceId": watch.instance_id,
        "statusUrl": webhook_status_url(req, watch.instance_id),
    }
    if existing is not None:
        answer["alreadyRegistered"] = True
    return json_response(200 if existing is not None else 201, answer)
