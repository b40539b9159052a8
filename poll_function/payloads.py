"""The JSON the watcher and its activities exchange, as typed values parsed in one place.

Activity inputs and results travel through the Durable history as JSON, and a history written by an older version of
this code must still replay, so every `from_json` here is tolerant (missing keys take defaults) and every `to_json`
writes camelCase like the rest of the project. Activities accept their input either as the decoded JSON value (what
the Functions worker passes) or as JSON text (what a test or another host may pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cppcancel.contracts import json_object
from cppcancel.error_info import ErrorInfo
from partner_portal.models import Operation

# An activity's input (or an orchestration's) as a dict, whether it arrives decoded or as JSON text.
load = json_object


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class PollResult:
    """Result of a poll activity: the operation read, or the error that prevented it (CppError JSON).

    A configure job may be read only so often, whoever watches it (`poll_job`): `next_read_at` (ISO) is the earliest
    moment anyone may read it again and `min_interval_s` the least time between two reads. When it was not this
    watcher's turn, `shared` marks an operation another read got (not read by this poll), and `deferred` a poll that
    learnt nothing new (no read, and no status to share yet). The keys are written only when set, so results
    recorded before they existed read back unchanged.
    """

    ok: bool
    operation: Operation | None = None
    retry_after_s: float | None = None
    error: ErrorInfo = field(default_factory=ErrorInfo.none)
    next_read_at: str | None = None
    min_interval_s: float | None = None
    shared: bool = False
    deferred: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", ErrorInfo.of(self.error))

    @property
    def transient(self) -> bool:
        return self.error.transient

    @property
    def error_message(self) -> str:
        return self.error.message or "the operation could not be read"

    @property
    def read(self) -> bool:
        """Whether this poll itself read the API (a shared or deferred answer did not)."""
        return not (self.shared or self.deferred)

    def _pacing(self) -> dict[str, Any]:
        data: dict[str, Any] = {"nextReadAt": self.next_read_at, "minIntervalS": self.min_interval_s}
        data.update(shared=self.shared or None, deferred=self.deferred or None)
        return {key: value for key, value in data.items() if value is not None}

    def to_json(self) -> dict[str, Any]:
        if self.ok and self.operation is not None:
            data = {"ok": True, "operation": self.operation.to_json(), "retryAfterS": self.retry_after_s}
        else:
            data = {"ok": False, "error": self.error.to_json(), "retryAfterS": self.retry_after_s}
        return {**data, **self._pacing()}

    @classmethod
    def from_json(cls, data: object) -> PollResult:
        if not isinstance(data, Mapping):
            return cls(False, error=ErrorInfo("invalid_result", "the poll activity returned nothing usable"))
        retry = _float(data.get("retryAfterS"))
        next_read = data.get("nextReadAt")
        paced = cls(
            False,
            next_read_at=next_read if isinstance(next_read, str) else None,
            min_interval_s=_float(data.get("minIntervalS")),
            shared=data.get("shared") is True,
            deferred=data.get("deferred") is True,
        )
        if data.get("ok") and data.get("operation") is not None:
            try:
                return replace(paced, ok=True, operation=Operation.from_json(data["operation"]), retry_after_s=retry)
            except ValueError as exc:
                return cls(False, error=ErrorInfo("invalid_response", str(exc)))
        raw = data.get("error")
        error = ErrorInfo.from_json(raw) if isinstance(raw, Mapping) else ErrorInfo("unknown", "the poll failed")
        if retry is None:
            retry = _float(error.retry_after_s)
        return replace(paced, retry_after_s=retry, error=error)


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
