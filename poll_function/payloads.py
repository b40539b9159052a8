"""The JSON the watcher and its chat activity exchange, as typed values parsed in one place (what a poll read is
`backends.base.PollResult`, whichever API it read).

Activity inputs and results travel through the Durable history as JSON, and a history written by an older version of
this code must still replay, so every `from_json` here is tolerant (missing keys take defaults) and every `to_json`
writes camelCase like the rest of the project. Activities accept their input either as the decoded JSON value (what
the Functions worker passes) or as JSON text (what a test or another host may pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cppcancel.jsonread import json_object, number

# An activity's input (or an orchestration's) as a dict, whether it arrives decoded or as JSON text.
load = json_object


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
            retry_after_s=number(data.get("retryAfterS")),
            error=data.get("error"),
            thread_pending=data.get("threadPending") is True,
        )
