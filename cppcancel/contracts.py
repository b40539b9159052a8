"""The messages passed between the entry points (Slack, webhook) and the durable orchestrations.

They cross process boundaries as JSON (orchestration inputs, activity inputs, custom status), so each is a frozen
dataclass with `to_json` / `from_json`, and the instance IDs that make the flow idempotent are derived here, in one
place:

- `cancel_instance_id(key)`: one cancel orchestration per confirmation (Slack: the request ID carried by the Confirm
  button; webhook: the signed `webhook-id`). A second click, or a retried delivery, finds the same instance.
- `watch_instance_id(operation_url)`: one watcher per CPP operation, whoever started it.

What is cancelled travels in the same messages whatever the API: a `cppcancel.targets.Target`, written as
`publisherId`, `offerId` and what the target adds (a configure job's `jobId`, only for a job: every message of a CPP
cancel - and every recorded history - is what it always was). A job's watch follows its status URL
(`configure/{jobId}/status`), so it too gets one watcher per job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from cppcancel import jsonread
from cppcancel.chat_ids import SLACK
from cppcancel.error_info import ErrorInfo
from cppcancel.targets import Target, Targeted, offer_json, target_from_json

if TYPE_CHECKING:
    from cppcancel.approvals import ApprovalNeed
    from cppcancel.sending import Reason

CANCEL_ORCHESTRATOR = "cancel_orchestrator"
WATCH_ORCHESTRATOR = "watch_operation"
STOP_WATCH_EVENT = "stop_watching"

Source = Literal["slack", "teams", "webhook"]


def _digest(text: str, length: int = 32) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def cancel_instance_id(source: Source, key: str) -> str:
    """Durable instance IDs allow a limited alphabet; hash the caller-supplied key rather than trust it."""
    return f"cancel-{source}-{_digest(key)}"


WATCH_INSTANCE_PREFIX = "watch-"


def watch_instance_id(operation_url: str) -> str:
    """Query strings (api-version) do not identify an operation; the path does."""
    path = operation_url.split("?", 1)[0].rstrip("/").lower()
    return f"{WATCH_INSTANCE_PREFIX}{_digest(path)}"


def registered_watch_instance_id(status_url: str) -> str:
    """The watcher that follows a *registered* configure job for its pipeline's channel: one per job, and never the
    one a cancel of that job starts (which keeps the cancel's own message current)."""
    return watch_instance_id(status_url.split("?", 1)[0].rstrip("/") + "/registered")


@dataclass(frozen=True)
class Requester:
    """Who asked: a Slack user (`user_id`, `team_id`, on Enterprise Grid `enterprise_id`) or a webhook caller.

    `enterpriseId` is written only when set, so requests recorded in orchestration histories before it existed
    read and write back unchanged.
    """

    display: str
    user_id: str | None = None
    team_id: str | None = None
    caller: str | None = None
    enterprise_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "display": self.display,
            "userId": self.user_id,
            "teamId": self.team_id,
            "caller": self.caller,
        }
        if self.enterprise_id is not None:
            data["enterpriseId"] = self.enterprise_id
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Requester:
        return cls(
            display=str(data.get("display") or "someone"),
            user_id=data.get("userId"),
            team_id=data.get("teamId"),
            caller=data.get("caller"),
            enterprise_id=data.get("enterpriseId"),
        )

    @property
    def mention(self) -> str:
        """How Slack should show the person: a real mention for Slack users, the caller name otherwise."""
        return f"<@{self.user_id}>" if self.user_id else self.display


@dataclass(frozen=True)
class SlackTarget:
    """Where a request answers in its chat: a conversation (Slack: a channel), once posted the message to keep
    current (and its thread), and the reply address of the person's own request (Slack: its response_url). Named
    for the chat it first served; the JSON key of every message that carries it is `slack`."""

    channel_id: str
    message_ts: str | None = None
    response_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"channelId": self.channel_id, "messageTs": self.message_ts, "responseUrl": self.response_url}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SlackTarget:
        return cls(
            channel_id=str(data["channelId"]),
            message_ts=data.get("messageTs"),
            response_url=data.get("responseUrl"),
        )


@dataclass(frozen=True)
class CancelRequest(Targeted):
    """Input of the cancel orchestration: everything needed to issue the cancel and report it."""

    request_id: str
    source: Source
    target: Target
    requester: Requester
    correlation_id: str
    requested_at: str
    notification_emails: tuple[str, ...] = ()
    slack: SlackTarget | None = None  # where it answers, in its chat (the key is `slack` for every chat)
    chat: str = SLACK  # the chat it answers to (`cppcancel.chat`, whose DEFAULT_CHAT this is)
    # The two-person rule (`cppcancel.approvals`): written only when more than one person must approve, so every
    # request of a rule without `approvals` - and every history recorded before it - is what it always was.
    approval: ApprovalNeed | None = None

    @property
    def instance_id(self) -> str:
        return cancel_instance_id(self.source, self.request_id)

    def to_json(self) -> dict[str, Any]:
        from cppcancel.chat import chat_json  # the chat port: not on a slash command's ack path (cold start)

        return {
            "requestId": self.request_id,
            "source": self.source,
            **offer_json(self.target),
            "requester": self.requester.to_json(),
            "correlationId": self.correlation_id,
            "requestedAt": self.requested_at,
            "notificationEmails": list(self.notification_emails),
            "slack": self.slack.to_json() if self.slack else None,
            **self.target.extra_json(),
            **chat_json(self.chat),
            **({"approval": self.approval.to_json()} if self.approval else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CancelRequest:
        source = data.get("source")
        if source not in ("slack", "teams", "webhook"):
            raise ValueError(f"unknown request source {source!r}")
        from cppcancel.approvals import ApprovalNeed  # the two-person rule: not on the ack path either
        from cppcancel.chat import chat_of  # the chat port: not on a slash command's ack path (cold start)

        slack = data.get("slack")
        return cls(
            request_id=str(data["requestId"]),
            source=source,
            target=target_from_json(data),
            requester=Requester.from_json(data.get("requester") or {}),
            correlation_id=str(data.get("correlationId") or data["requestId"]),
            requested_at=str(data.get("requestedAt") or ""),
            notification_emails=tuple(str(e) for e in data.get("notificationEmails") or ()),
            slack=SlackTarget.from_json(slack) if slack else None,
            chat=chat_of(data),
            approval=ApprovalNeed.from_json(data["approval"]) if "approval" in data else None,
        )


@dataclass(frozen=True)
class WatchRequest(Targeted):
    """Input of the watcher (and, with `polls_done` and friends, the state carried across continue_as_new)."""

    operation_url: str  # what is read: the operation the cancel started, or a configure job's status
    target: Target
    requester: Requester
    correlation_id: str
    started_at: str
    slack: SlackTarget | None = None
    state: Mapping[str, Any] = field(default_factory=dict)
    registered: bool = False  # follows a registered job (POST /api/webhooks/jobs), not a cancel
    chat: str = SLACK  # the chat whose message it keeps current (`cppcancel.chat`, whose DEFAULT_CHAT this is)

    @property
    def instance_id(self) -> str:
        if self.registered:
            return registered_watch_instance_id(self.operation_url)
        return watch_instance_id(self.operation_url)

    def with_state(self, state: Mapping[str, Any]) -> WatchRequest:
        return replace(self, state=dict(state))

    def to_json(self) -> dict[str, Any]:
        data = {
            "operationUrl": self.operation_url,
            **offer_json(self.target),
            "requester": self.requester.to_json(),
            "correlationId": self.correlation_id,
            "startedAt": self.started_at,
            "slack": self.slack.to_json() if self.slack else None,
            "state": dict(self.state),
            **self.target.extra_json(),
        }
        if self.registered:
            data["registered"] = True
        from cppcancel.chat import chat_json  # the chat port: not on a slash command's ack path (cold start)

        return {**data, **chat_json(self.chat)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WatchRequest:
        from cppcancel.chat import chat_of  # the chat port: not on a slash command's ack path (cold start)

        slack = data.get("slack")
        return cls(
            operation_url=str(data["operationUrl"]),
            target=target_from_json(data),
            requester=Requester.from_json(data.get("requester") or {}),
            correlation_id=str(data.get("correlationId") or ""),
            started_at=str(data.get("startedAt") or ""),
            slack=SlackTarget.from_json(slack) if slack else None,
            state=dict(data.get("state") or {}),
            registered=data.get("registered") is True,
            chat=chat_of(data),
        )


@dataclass(frozen=True)
class CancelOutcome:
    """Output (and, once known, custom status) of the cancel orchestration: what the webhook and the chat report.

    `status` is `cancelled` (the API cancelled at once), `accepted` (a watcher follows the operation), or `failed`
    (the API refused or could not be reached). `error` says why when it is not a plain success - what the send
    came to when it sent nothing (`Joined`, `NotRepeated`, ...) or what failed (`Failed`, `TooLate`,
    `NotRecorded`) - written as the error JSON it has always been (`cppcancel.sending`). An accepted cancel carries
    one too when nobody follows it (no operation this app may follow).
    """

    status: Literal["cancelled", "accepted", "failed"]
    status_code: int | None = None
    operation_url: str | None = None
    watch_instance_id: str | None = None
    error: Reason | None = None

    def __post_init__(self) -> None:
        """An `error` given as an `ErrorInfo` or as JSON (a test, an older caller) is read here; an empty one is no
        error, as before."""
        # not on a slash command's ack path (cold start)
        from cppcancel.sending import Failed, reason_from_json

        error: object = self.error
        if isinstance(error, ErrorInfo):
            object.__setattr__(self, "error", None if error.is_empty else Failed(error))
        elif isinstance(error, Mapping):
            object.__setattr__(self, "error", reason_from_json(error) if error else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "statusCode": self.status_code,
            "operationUrl": self.operation_url,
            "watchInstanceId": self.watch_instance_id,
            "error": self.error.error_json() if self.error else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CancelOutcome:
        status = data.get("status")
        if status not in ("cancelled", "accepted", "failed"):
            raise ValueError(f"unknown cancel status {status!r}")
        # not on a slash command's ack path (cold start)
        from cppcancel.sending import reason_from_json

        error = data.get("error")
        return cls(
            status=status,
            status_code=jsonread.integer(data.get("statusCode")),
            operation_url=jsonread.text(data.get("operationUrl")),
            watch_instance_id=jsonread.text(data.get("watchInstanceId")),
            error=reason_from_json(error) if isinstance(error, Mapping) and error else None,
        )
