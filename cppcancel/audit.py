"""One structured record per attempt - allowed, refused or failed - as one JSON line on the `cppcancel.audit` logger.

Release engineers need proof of who stopped a publish, and security needs proof of who tried. The Slack handlers, the
webhook and the orchestrations all write the same record through `emit(AuditRecord(...))`; the log pipeline (App
Insights, or the dev host's console) is the system of record. Posting a copy to a Slack channel is an optional extra
that lives in `slack_app.audit_sink`, outside this pure module.

Records never carry secrets: besides the callers' care, every string is passed through `redact()`, which removes
anything shaped like a Slack token, a bearer token or JWT, a request signature, secret-looking URL parameters and
URL user-info, and Slack `response_url`s (which let anyone holding them post as the app for 30 minutes).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar, Literal, Protocol, cast

from cppcancel.contracts import Requester, SlackTarget
from cppcancel.times import iso, utc_now

__all__ = [
    "AUDIT_LOGGER",
    "AuditRecord",
    "AuditedAttempt",
    "Decision",
    "Outcome",
    "Requested",
    "emit",
    "record_of",
    "redact",
]

AUDIT_LOGGER = "cppcancel.audit"
_logger = logging.getLogger(AUDIT_LOGGER)

# allowed: the policy said yes; refused: it said no; none: no authorization applied (help, parse errors, unsigned...).
Decision = Literal["allowed", "refused", "none"]

# How an attempt ended: one word per record, the same words log queries and the audit channel have always seen.
Outcome = Literal[
    # the Slack commands and buttons, and the webhook
    "shown",  # ops/status/help answered
    "deferred",  # acked with "Looking up…": the answer follows through the response_url (slack_app.later)
    "unknown_command",
    "confirmation_shown",
    "requested",  # the cancel orchestration was started
    "already_requested",  # a second click found it
    "replayed",  # a retried webhook delivery found it
    "expired",  # a confirmation clicked too late
    "abandoned",  # "Never mind"
    "stopped",  # the watch was stopped (a click, or how a watch ended)
    "not_running",  # "Stop watching" on a watch that had ended
    "refused",
    "invalid",
    "error",
    # the cancel POST (send_cancel)
    "cancelled",  # CPP 200
    "accepted",  # CPP 202
    "not_sent",  # a cancel of the publish was already under way
    "failed",  # refused, unreachable, or an outcome that may be unknown (also how a watch ended)
    "too_late",  # a configure job had already completed when its cancel arrived
    "registered",  # a configure job was registered for following (POST /api/webhooks/jobs)
    # the two-person rule (cppcancel.approvals)
    "awaiting_approval",  # confirmed by the first person: the cancel waits for the others
    "approval_recorded",  # one more approval, more still needed
    "approved",  # the approval that completed them: the cancel goes out
    "withdrawn",  # whoever asked took the request back
    "approval_expired",  # nobody completed the approvals in time: nothing was sent
    # how a watch ended: the watcher's phase, or "ended" when it named none
    "watching",
    "completed",
    "canceled",
    "timed_out",
    "lost",
    "ended",
]

REDACTED = "[redacted]"
_SECRET_PATTERNS = (
    re.compile(r"xox[abposre]-[A-Za-z0-9-]+"),  # Slack bot/user/app tokens
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),  # JWTs (Azure AD access tokens)
    re.compile(r"v0=[0-9a-fA-F]{16,}"),  # Slack request signatures
    re.compile(r"https://hooks\.slack\.com/\S+"),  # response_url / incoming webhooks
    re.compile(r"\S+/response/[A-Za-z0-9_-]+"),  # the local stand-in's response_urls
)
# URL query parameters and key=value pairs that carry credentials.
_SECRET_PARAMS = re.compile(
    r"(?i)\b(sig|signature|code|token|access_token|client_secret|secret|password|key|apikey|api_key)=([^&\s]+)"
)
_USERINFO = re.compile(r"(?i)\b(https?://)[^/@\s]+@")


def redact(text: str) -> str:
    """`text` with anything token-like replaced by `[redacted]`."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


def _now() -> str:
    return iso(utc_now(), "milliseconds")


@dataclass(frozen=True)
class AuditRecord:
    """What happened, to what, for whom, and how it ended.

    `command`: the verb or button (`ops`, `status`, `cancel`, `help`, `confirm_cancel`, `abort_cancel`,
    `open_cancel`, `stop_watching`, or what the webhook/orchestration did). `outcome`: one of `Outcome`.
    `reason`: a person-readable why, for refusals and failures.
    """

    source: str
    command: str
    decision: Decision
    outcome: Outcome
    correlation_id: str
    who: str | None = None
    display: str | None = None
    workspace: str | None = None
    enterprise: str | None = None
    channel: str | None = None
    publisher: str | None = None
    offer: str | None = None
    cpp_status_code: int | None = None
    operation_url: str | None = None
    request_id: str | None = None
    reason: str | None = None
    at: str = field(default_factory=_now)

    def redacted(self) -> AuditRecord:
        changes: dict[str, Any] = {k: redact(v) for k, v in asdict(self).items() if isinstance(v, str)}
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """camelCase keys, like every other JSON this project writes; `event` marks the line for log queries."""
        data = asdict(self.redacted())
        return {
            "event": "cppcancel.audit",
            "at": data["at"],
            "source": data["source"],
            "command": data["command"],
            "decision": data["decision"],
            "outcome": data["outcome"],
            "who": data["who"],
            "display": data["display"],
            "workspace": data["workspace"],
            "enterprise": data["enterprise"],
            "channel": data["channel"],
            "publisher": data["publisher"],
            "offer": data["offer"],
            "cppStatusCode": data["cpp_status_code"],
            "operationUrl": data["operation_url"],
            "correlationId": data["correlation_id"],
            "requestId": data["request_id"],
            "reason": data["reason"],
        }

    def to_line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))


class Requested(Protocol):
    """What an attempt tells its audit record about who asked, where and about which offer: the orchestrations'
    requests (`CancelRequest`, `WatchRequest`), a Slack attempt, a webhook delivery. The entry points may not know
    everything yet (a payload naming no user, a body not parsed): what they do not know is None."""

    @property
    def requester(self) -> Requester | None: ...

    @property
    def slack(self) -> SlackTarget | None: ...

    @property
    def publisher_id(self) -> str | None: ...

    @property
    def offer_id(self) -> str | None: ...


def record_of(
    request: Requested,
    *,
    source: str,
    command: str,
    decision: Decision,
    outcome: Outcome,
    correlation_id: str,
    request_id: str | None,
    operation_url: str | None = None,
    cpp_status_code: int | None = None,
    reason: str | None = None,
) -> AuditRecord:
    """The record of what was done for `request`: who asked, where, on which offer. The one factory of audit records
    (Slack attempts, webhook deliveries, the orchestrations' activities), so that every record names the person the
    same way. An empty `display` is no display."""
    requester = request.requester
    return AuditRecord(
        source=source,
        command=command,
        decision=decision,
        outcome=outcome,
        correlation_id=correlation_id,
        who=(requester.user_id or requester.caller) if requester else None,
        display=(requester.display or None) if requester else None,
        workspace=requester.team_id if requester else None,
        enterprise=requester.enterprise_id if requester else None,
        channel=request.slack.channel_id if request.slack else None,
        publisher=request.publisher_id,
        offer=request.offer_id,
        cpp_status_code=cpp_status_code,
        operation_url=operation_url,
        request_id=request_id,
        reason=reason,
    )


class AuditedAttempt:
    """What every entry point's attempt shares - a Slack command or click (`slack_app.attempt.Attempt`), a webhook
    delivery (`cancel_function.webhook_routes.Delivery`), a chat's: the one way it writes its audit record. A
    subclass says who asked, where and on which offer (`Requested`), its `source`, what it is (`command`), and its
    IDs (`audit_ids`: the correlation ID a person can quote, the request's own); `audit_record` does the rest,
    through `record_of`."""

    source: ClassVar[str]
    command: str

    def audit_ids(self) -> tuple[str, str | None]:
        """(correlation ID, request ID) of the attempt's records."""
        raise NotImplementedError

    def audit_record(
        self,
        decision: Decision,
        outcome: Outcome,
        *,
        status_code: int | None = None,
        reason: str | None = None,
    ) -> AuditRecord:
        correlation_id, request_id = self.audit_ids()
        return record_of(
            cast(Requested, self),  # every subclass says who asked, where and on which offer
            source=self.source,
            command=self.command,
            decision=decision,
            outcome=outcome,
            correlation_id=correlation_id,
            request_id=request_id,
            cpp_status_code=status_code,
            reason=reason,
        )


def emit(record: AuditRecord) -> AuditRecord:
    """Write the record as one JSON line (INFO, logger `cppcancel.audit`); return the redacted record."""
    clean = record.redacted()
    _logger.info(clean.to_line(), extra={"audit": clean.to_json()})
    return clean
