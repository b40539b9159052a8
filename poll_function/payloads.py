"""The JSON the orchestrations and their activities exchange, as typed values parsed in one place.

Activity inputs and results travel through the Durable history as JSON, and a history written by an older version of
this code must still replay, so every `from_json` here is tolerant (missing keys take defaults) and every `to_json`
writes camelCase like the rest of the project. Activities accept their input either as the decoded JSON value (what
the Functions worker passes) or as JSON text (what a test or another host may pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cppcancel.contracts import json_object
from cppcancel.error_info import ErrorInfo
from partner_portal.models import CancelResult, Operation

# An activity's input (or an orchestration's) as a dict, whether it arrives decoded or as JSON text.
load = json_object


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _error(value: ErrorInfo | Mapping[str, Any]) -> ErrorInfo:
    """An `error` given as today's JSON (old callers, tests) is parsed once, here."""
    return value if isinstance(value, ErrorInfo) else ErrorInfo.from_json(value)


# `send_cancel` sent nothing: the Partner Portal says a cancel of the in-flight publish is already under way.
CANCEL_UNDER_WAY = "cancel_under_way"


def under_way_error(publish_operation_url: str) -> ErrorInfo:
    """`send_cancel`'s answer when it sent nothing because a cancel of the publish was already under way."""
    message = (
        "A cancel of the publish in flight was already under way (sent earlier - perhaps by this same request "
        "before a restart, or by someone else), so it was not sent again."
    )
    return ErrorInfo(CANCEL_UNDER_WAY, message, publish_operation_url=publish_operation_url)


def cancel_under_way_error(publish_operation_url: str) -> dict[str, Any]:
    """The JSON of `under_way_error`, as it sits in a `send_cancel` result in the history."""
    return under_way_error(publish_operation_url).to_json()


@dataclass(frozen=True)
class PollResult:
    """Result of `poll_operation`: the operation read, or the error that prevented it (CppError JSON)."""

    ok: bool
    operation: Operation | None = None
    retry_after_s: float | None = None
    error: ErrorInfo = field(default_factory=ErrorInfo.none)

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", _error(self.error))

    @property
    def transient(self) -> bool:
        return self.error.transient

    @property
    def error_message(self) -> str:
        return self.error.message or "the operation could not be read"

    def to_json(self) -> dict[str, Any]:
        if self.ok and self.operation is not None:
            return {"ok": True, "operation": self.operation.to_json(), "retryAfterS": self.retry_after_s}
        return {"ok": False, "error": self.error.to_json(), "retryAfterS": self.retry_after_s}

    @classmethod
    def from_json(cls, data: object) -> PollResult:
        if not isinstance(data, Mapping):
            return cls(False, error=ErrorInfo("invalid_result", "the poll activity returned nothing usable"))
        retry = _float(data.get("retryAfterS"))
        if data.get("ok") and data.get("operation") is not None:
            try:
                return cls(True, Operation.from_json(data["operation"]), retry)
            except ValueError as exc:
                return cls(False, error=ErrorInfo("invalid_response", str(exc)))
        raw = data.get("error")
        error = ErrorInfo.from_json(raw) if isinstance(raw, Mapping) else ErrorInfo("unknown", "the poll failed")
        if retry is None:
            retry = _float(error.retry_after_s)
        return cls(False, None, retry, error)


@dataclass(frozen=True)
class SlackUpdate:
    """Input of `update_slack`: the main message to (re)write, and an optional thread reply under it.

    `ts` None means no message exists yet (the first post went to a response_url): the activity posts one.
    """

    channel: str
    ts: str | None
    text: str
    blocks: list[dict[str, Any]]
    thread_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
            "threadText": self.thread_text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SlackUpdate:
        return cls(
            channel=str(data["channel"]),
            ts=data.get("ts"),
            text=str(data.get("text") or ""),
            blocks=list(data.get("blocks") or []),
            thread_text=data.get("threadText"),
        )


@dataclass(frozen=True)
class SlackResult:
    """Result of `update_slack`: done (with the message's ts), rate limited (wait `retry_after_s`), or refused.

    Other transient failures are not results: the activity raises, and call_activity_with_retry tries again.
    `thread_pending`: the activity had to post a new main message, and left the thread reply for a call of its
    own (one Slack post per activity, so a re-run can only repeat the post that was in flight). The key is
    written only when true, so results recorded before it existed read back unchanged.
    """

    ok: bool
    ts: str | None = None
    retry_after_s: float | None = None
    error: str | None = None
    thread_pending: bool = False

    @property
    def rate_limited(self) -> bool:
        return not self.ok and self.retry_after_s is not None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": self.ok, "ts": self.ts, "retryAfterS": self.retry_after_s, "error": self.error}
        if self.thread_pending:
            data["threadPending"] = True
        return data

    @classmethod
    def from_json(cls, data: object) -> SlackResult:
        if not isinstance(data, Mapping):
            return cls(False, error="invalid_result")
        return cls(
            ok=bool(data.get("ok")),
            ts=data.get("ts"),
            retry_after_s=_float(data.get("retryAfterS")),
            error=data.get("error"),
            thread_pending=data.get("threadPending") is True,
        )


@dataclass(frozen=True)
class CancelSent:
    """Result of `send_cancel`: what the CPP answered, or the CppError JSON. Never an exception for CPP errors."""

    ok: bool
    result: CancelResult | None = None
    error: ErrorInfo = field(default_factory=ErrorInfo.none)

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", _error(self.error))

    def to_json(self) -> dict[str, Any]:
        if self.ok and self.result is not None:
            return {"ok": True, "result": self.result.to_json()}
        return {"ok": False, "error": self.error.to_json()}

    @classmethod
    def from_json(cls, data: object) -> CancelSent:
        if isinstance(data, Mapping) and data.get("ok") and isinstance(data.get("result"), Mapping):
            return cls(True, CancelResult.from_json(data["result"]))
        raw = data.get("error") if isinstance(data, Mapping) else None
        if not isinstance(raw, Mapping):
            return cls(False, None, ErrorInfo("unknown", "The cancel activity returned nothing usable."))
        return cls(False, None, ErrorInfo.from_json(raw))


@dataclass(frozen=True)
class ReportResult:
    """Result of `report_cancel`: the channel message's ts (None when it could not be posted there).

    `pointer_pending`: the announcement is in the channel and the person's ephemeral reply is still to be pointed
    at it - by `point_to_report`, a step of its own, so that a re-run of either can repeat only its one post. The
    key is written only when true: a result recorded before the split (whose activity posted the pointer itself)
    reads back as "nothing pending", and its orchestration replays exactly as it ran.
    """

    message_ts: str | None = None
    delivered_via: str | None = None  # "channel", "response_url" or None (nowhere)
    slack_error: str | None = None
    pointer_pending: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "messageTs": self.message_ts,
            "deliveredVia": self.delivered_via,
            "slackError": self.slack_error,
        }
        if self.pointer_pending:
            data["pointerPending"] = True
        return data

    @classmethod
    def from_json(cls, data: object) -> ReportResult:
        if not isinstance(data, Mapping):
            return cls()
        return cls(
            data.get("messageTs"),
            data.get("deliveredVia"),
            data.get("slackError"),
            pointer_pending=data.get("pointerPending") is True,
        )
