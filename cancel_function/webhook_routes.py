"""The signed webhook: `POST /api/webhooks/cancel` and `GET /api/webhooks/operations/{instanceId}`.

Release pipelines and incident tools trigger the same cancel as Slack, through the same cancel orchestration. The
order of checks is deliberate: size, then signature (Standard Webhooks, via the `standardwebhooks` package), then
the body, then the caller bound to the signing key, then the policy - so nothing unauthenticated is even parsed,
and nothing is started for a refused caller. Every attempt leaves an audit record.

Idempotency comes from the durable instance store: the instance ID is derived from the signed `webhook-id` (and the
caller), and the cancel is started through the one start-once service Slack's Confirm uses too
(`cppcancel.start_cancel`), so a retried delivery finds the first delivery's orchestration and gets its answer; it
can never cancel twice. The answer waits (up to WEBHOOK_WAIT_S) for the orchestration to publish the CPP outcome in its
custom status: 200 when the API cancelled at once, 202 + Location of the watcher when it accepted, 202 with a `warning`
(and no watcher) when it accepted but named no operation this app may follow, a JSON error otherwise, or 202 `pending`
(pointing at the cancel orchestration) when the CPP is slower than the wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar

import azure.durable_functions as df
import azure.functions as func

from backends.base import Asker
from backends.registry import backend_for
from cancel_function import webhook_offer
from cancel_function.webhook_answers import (
    answer,
    approval_so_far,
    awaits_approval,
    error_response,
    json_response,
    outcome_of,
    recorded_requests,
)
from cppcancel import audit
from cppcancel.approvals import ApprovalNeed
from cppcancel.contracts import CancelRequest, Requester, SlackTarget, cancel_instance_id
from cppcancel.http_errors import error_body
from cppcancel.instances import InstanceStatus
from cppcancel.policy import Subject, Verdict, authorize, load_policy_logged
from cppcancel.sending import NOT_RECORDED
from cppcancel.settings import Settings, SettingsError, get_settings
from cppcancel.start_cancel import (
    AlreadyRequested,
    CancelStarter,
    Found,
    NotStarted,
    StartResult,
    StatusUnreadable,
)
from cppcancel.targets import Target
from cppcancel.times import iso, utc_now
from cppcancel.webhook_request import (
    WebhookBody,
    WebhookCancel,
    WebhookInputError,
    WebhookKey,
    decode_body,
    parse_webhook_body,
    parse_webhook_keys,
)
from durable_bridge import DurableBridge

log = logging.getLogger("cancel_function.webhook")
Body = TypeVar("Body", bound=WebhookBody)

_STATUS_ID_RE = re.compile(r"(watch|cancel-webhook)-[0-9a-f]{32}\Z")
_POLL_INTERVAL_S = 0.2


# CPP error codes (backends.http.errors) -> the HTTP status the webhook caller sees. The CPP is our upstream, so
# its refusals are gateway errors; "no such offer" and "conflict" are told as such because the caller can act.
class WebhookRefusal(Exception):
    """A request the webhook answers with a 4xx/5xx JSON error (and an audit record)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        audit_outcome: audit.Outcome = "refused",
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.audit_outcome = audit_outcome
        self.headers = headers
        self.details = details or {}  # added to the error object (what is in flight, for a 409 of the offer alone)

    def response(self) -> func.HttpResponse:
        body = error_body(self.code, self.message)
        body["error"].update(self.details)
        return json_response(self.status, body, self.headers)


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        log.error("webhook refused: %s", exc)
        raise WebhookRefusal(503, "not_configured", "The app's settings are invalid; see its log.") from None


def _keys(settings: Settings) -> tuple[WebhookKey, ...]:
    try:
        keys = parse_webhook_keys(settings.webhook_secret)
    except ValueError as exc:
        log.error("webhook refused: %s", exc)
        raise WebhookRefusal(503, "not_configured", "The webhook's signing keys are misconfigured.") from None
    if not keys:
        raise WebhookRefusal(403, "webhook_disabled", "No WEBHOOK_SECRET is configured: the webhook refuses all calls.")
    return keys


def verify_signature(keys: tuple[WebhookKey, ...], body: bytes, headers: dict[str, str]) -> WebhookKey:
    """Return the key (and so the caller) that signed the request; raise WebhookRefusal(401) otherwise."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    lowered = {k.lower(): v for k, v in headers.items()}
    if not all(lowered.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")):
        raise WebhookRefusal(
            401, "missing_signature", "The webhook-id, webhook-timestamp and webhook-signature headers are required."
        )
    stale = False
    for key in keys:
        try:
            Webhook(key.secret).verify(body, lowered, json_parse=False)
        except WebhookVerificationError as exc:
            stale = stale or "timestamp" in str(exc).lower() or "invalid signature headers" in str(exc).lower()
        except ValueError:  # a signature that is not "v1,<base64>", or a body that is not UTF-8
            continue
        else:
            return key
    if stale:
        raise WebhookRefusal(
            401, "stale_timestamp", "webhook-timestamp is missing, malformed or more than 5 minutes from now."
        )
    raise WebhookRefusal(401, "bad_signature", "No configured key produced webhook-signature for this body.")


def _parse(body: bytes, parse: Callable[[object], Body]) -> Body:
    try:
        return parse(decode_body(body))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise WebhookRefusal(400, "invalid_json", "The body is not valid JSON.", audit_outcome="invalid") from None
    except WebhookInputError as exc:
        raise WebhookRefusal(400, exc.code, exc.message, audit_outcome="invalid") from None


def _authorize(settings: Settings, key: WebhookKey, request: WebhookBody) -> Verdict:
    policy = load_policy_logged(settings.cancel_policy)
    subject = Subject(caller=key.caller, channel_id=request.slack_channel)
    return authorize(policy, subject, request.publisher_id, request.offer_id)


async def _status(client: df.DurableOrchestrationClient, instance_id: str) -> InstanceStatus | None:
    """The durable client's status, read once into the typed view."""
    return InstanceStatus.from_client(instance_id, await client.get_status(instance_id))


async def _await_outcome(
    client: df.DurableOrchestrationClient, instance_id: str, wait_s: float
) -> InstanceStatus | None:
    deadline = time.monotonic() + wait_s
    while True:
        status = await _status(client, instance_id)
        if status and (outcome_of(status) is not None or awaits_approval(status) or not status.is_running):
            return status
        if time.monotonic() >= deadline:
            return status
        await asyncio.sleep(_POLL_INTERVAL_S)


@dataclass
class Delivery(audit.AuditedAttempt):
    """One webhook delivery: its correlation ID, who signed it, what it asks, and its audit records.

    It fills in as the checks pass (the caller once the signature holds, the body once it parses), and writes its
    records the way every attempt does (`cppcancel.audit.AuditedAttempt`).
    """

    source: ClassVar[str] = "webhook"
    webhook_id: str | None
    command: str = "cancel"  # what the audit record calls the route's act ("register_job" for the jobs route)
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    decision: audit.Decision = "refused"
    caller: str | None = None
    body: WebhookBody | None = None
    verdict: Verdict | None = None  # the policy's answer for the caller (how many must approve, under which rule)

    def audit_ids(self) -> tuple[str, str | None]:
        return self.correlation_id, self.webhook_id

    @property
    def requester(self) -> Requester | None:
        if self.body is not None:
            return Requester(display=self.body.requested_by, caller=self.caller)
        return Requester(display="", caller=self.caller) if self.caller else None

    @property
    def slack(self) -> SlackTarget | None:
        channel = self.body.slack_channel if self.body else None
        return SlackTarget(channel) if channel else None

    @property
    def publisher_id(self) -> str | None:
        return self.body.publisher_id if self.body else None

    @property
    def offer_id(self) -> str | None:
        return self.body.offer_id if self.body else None

    def record(self, outcome: audit.Outcome, *, refused: bool = False, reason: str | None = None) -> None:
        audit.emit(self.audit_record("refused" if refused else self.decision, outcome, reason=reason))


def admit(
    req: func.HttpRequest, delivery: Delivery, parse: Callable[[object], Body]
) -> tuple[Settings, WebhookKey, Body]:
    """Size, signature, body, caller, policy - in that order - for every webhook route; or WebhookRefusal."""
    settings = _settings()
    raw = req.get_body()
    if len(raw) > settings.webhook_max_body_bytes:
        too_large = f"The body is over {settings.webhook_max_body_bytes} bytes."
        raise WebhookRefusal(413, "body_too_large", too_large, audit_outcome="invalid")
    key = verify_signature(_keys(settings), raw, dict(req.headers))
    delivery.caller = key.caller
    body = delivery.body = _parse(raw, parse)
    if body.requested_by != key.caller:
        raise WebhookRefusal(403, "caller_mismatch", "requestedBy must name the caller its signing key belongs to.")
    verdict = delivery.verdict = _authorize(settings, key, body)
    if not verdict.allowed:
        explained = verdict.explain(body.publisher_id, body.offer_id, webhook_caller=key.caller)
        raise WebhookRefusal(403, "forbidden", explained)
    delivery.decision = "allowed"
    return settings, key, body


def _check_target(settings: Settings, key: WebhookKey, body: WebhookCancel) -> None:
    """What the target's API demands beyond the policy (a configure job is cancelled only on the rights of the offer
    it is registered under: `Backend.refusal`): WebhookRefusal (403) when refused, 503 when the app's record cannot
    say (nothing is sent)."""
    asker = Asker(
        load_policy_logged(settings.cancel_policy),
        Subject(caller=key.caller, channel_id=body.slack_channel),
        webhook_caller=key.caller,
    )
    refused = backend_for(body.target).refusal(settings, body.target, asker)
    if refused is None:
        return
    if refused.unverified:
        headers = {"Retry-After": "60"}
        raise WebhookRefusal(503, NOT_RECORDED, refused.message, audit_outcome="not_sent", headers=headers)
    raise WebhookRefusal(403, refused.code, refused.message)


def _request_id(key: WebhookKey, delivery: Delivery) -> str:
    """One delivery's request ID, and so its cancel's instance ID: the caller and its webhook-id, nothing else."""
    assert delivery.webhook_id is not None  # verify_signature demands it
    return f"{key.caller}:{delivery.webhook_id}"


def _recorded_target(starter: CancelStarter, instance_id: str) -> tuple[Found | None, Target | None]:
    """What the durable store holds under this delivery's instance ID, and the target it was started for."""
    found = starter.find(instance_id)
    request = found.request if isinstance(found, AlreadyRequested) else None
    return found, request.target if request is not None else None


def _admit(
    settings: Settings, key: WebhookKey, body: WebhookCancel, delivery: Delivery, recorded: Target | None
) -> CancelRequest:
    """The cancel webhook's admission after `admit`: the target (`recorded` when this delivery ran before), then
    its API's own check; the cancel request to start, or WebhookRefusal."""
    resolved = webhook_offer.resolve(settings, body.target, recorded)
    if isinstance(resolved, webhook_offer.Unresolved):
        raise WebhookRefusal(
            resolved.status,
            resolved.code,
            resolved.message,
            audit_outcome="not_sent",
            details={"inFlight": resolved.listed},
        )
    body = replace(body, target=resolved)
    try:
        _check_target(settings, key, body)
    except WebhookRefusal as refusal:
        delivery.decision = "refused" if refusal.status == 403 else delivery.decision
        raise
    need = _approval_need(settings, delivery, body)
    return CancelRequest(
        request_id=_request_id(key, delivery),
        source="webhook",
        target=body.target,
        requester=Requester(display=body.requested_by, caller=key.caller),
        correlation_id=delivery.correlation_id,
        requested_at=iso(utc_now(), "seconds"),
        notification_emails=body.notification_emails,
        slack=SlackTarget(body.slack_channel) if body.slack_channel else None,
        approval=need,
    )


def _approval_need(settings: Settings, delivery: Delivery, body: WebhookCancel) -> ApprovalNeed | None:
    """Under a two-person rule the pipeline's request is the first approval and people approve it in
    `slackChannel`: without one nobody could, so it is refused before anything starts."""
    verdict = delivery.verdict
    if verdict is None or verdict.approvals < 2 or verdict.rule is None:
        return None
    if not body.slack_channel:
        raise WebhookRefusal(
            400,
            "approval_channel_required",
            f"A policy rule asks {verdict.approvals} approvals for a cancel of {body.publisher_id}/{body.offer_id}: "
            "name the slackChannel where people approve it.",
            audit_outcome="invalid",
        )
    return ApprovalNeed(verdict.approvals, verdict.rule, settings.approval_timeout_s)


def _refused_start(delivery: Delivery, cancel: CancelRequest, result: StartResult) -> func.HttpResponse | None:
    """Audit what the start-once service did; the error answer when it did not lead to this delivery's cancel."""
    if isinstance(result, StatusUnreadable):
        raise result.error  # nothing was started; the host answers 500 and the pipeline may retry the delivery
    if isinstance(result, NotStarted):
        log.error(
            "could not start the cancel orchestration (correlation %s)", delivery.correlation_id, exc_info=result.error
        )
        delivery.record("error", reason="could not start the cancel orchestration")
        return error_response(503, "unavailable", f"The cancel could not be started (ref {delivery.correlation_id}).")
    if isinstance(result, AlreadyRequested):  # a retried delivery, or a concurrent one that lost the start race
        first = result.request
        if first and first.target != cancel.target:
            delivery.record("refused", refused=True, reason="idempotency_conflict")
            return error_response(409, "idempotency_conflict", "This webhook-id was already used for another offer.")
        delivery.record("replayed")
        return None
    delivery.record("requested")
    return None


async def handle_cancel(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Admit the delivery, start its cancel once (`cppcancel.start_cancel`), then wait for the CPP's answer.

    The start-once service is blocking (it is the one Slack's Confirm uses from Bolt's worker thread), so it runs
    on a thread here too, reaching the durable client on this loop through the same `DurableBridge`.
    """
    delivery = Delivery(req.headers.get("webhook-id"))
    starter = CancelStarter(DurableBridge(client, asyncio.get_running_loop()))
    try:
        settings, key, body = admit(req, delivery, parse_webhook_body)
        instance_id = cancel_instance_id("webhook", _request_id(key, delivery))
        found, recorded = await asyncio.to_thread(_recorded_target, starter, instance_id)
        cancel = _admit(settings, key, body, delivery, recorded)
    except WebhookRefusal as refusal:
        delivery.record(refusal.audit_outcome, reason=f"{refusal.code}: {refusal.message}")
        return refusal.response()
    result = await asyncio.to_thread(starter.start_unless_found, found, instance_id, cancel)
    refused = _refused_start(delivery, cancel, result)
    if refused is not None:
        return refused
    status = await _await_outcome(client, instance_id, settings.webhook_wait_s)
    return answer(req, instance_id, status, target=cancel.target)


async def handle_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = req.route_params.get("instanceId", "")
    if not _STATUS_ID_RE.match(instance_id):
        return error_response(404, "not_found", "No webhook operation has that ID.")
    status = await _status(client, instance_id)
    if not status:
        return error_response(404, "not_found", "No webhook operation has that ID.")
    created = status.created_at.isoformat() if status.created_at else None
    updated = status.last_updated_at.isoformat() if status.last_updated_at else None
    body = {
        "instanceId": instance_id,
        "runtimeStatus": status.runtime_status or "",
        "customStatus": status.custom_status,
        "output": status.output if instance_id.startswith("cancel-") else None,
        "createdTime": created,
        "lastUpdatedTime": updated,
        "requests": recorded_requests(status.custom_status, instance_id),
    }
    if instance_id.startswith("cancel-"):
        body["approval"] = await asyncio.to_thread(approval_so_far, status)
    return json_response(200, body)
