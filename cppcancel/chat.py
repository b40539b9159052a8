"""The chat port: what the cancel and the watcher tell people, through whichever chat a request came from.

A cancel and its watcher say five things (and a cancel under a two-person rule two more: the approval request
and its updates in place, `ask_approval` / `show_approval`), and each chat implements them once (`ChatPort`; Slack's is
`slack_app.chat_port`, Teams' `teams_app.chat_port`):

- the announcement: what the cancel did, posted once where the request answers (`announce`) - and when the request
  joined another's cancel, the joined note instead (final in itself: it points at the cancel it joined);
- the pointer: the person's own reply pointed at that announcement (`point`);
- the message updated in place: the watcher's progress, rendered in orchestrator code (`render_progress`: pure and
  deterministic, since the rendering is the update activity's input in the history) and written by an activity
  (`update`, which posts it again if it is gone);
- the thread reply under it for each change of status and at the end (`thread_reply`, written by `update`).

Orchestration inputs name the chat they answer to (`chat`, written only when it is not Slack: absent means Slack, so
every instance started before chats had names replays as it ran), and the activities ask `chat_for(name)`. The
activities keep their names (`report_cancel`, `point_to_report`, `update_slack`: histories call them by name) and
their JSON: `ReportResult`, `ChatUpdate`, `ChatResult` write the keys they always wrote. The words about what was
cancelled come from the target and its backend (`cppcancel.targets`, `backends.registry.wording_for`), so a chat
renders every API alike.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from cppcancel import jsonread

if TYPE_CHECKING:
    from backends.http.operation import Operation
    from cppcancel.approvals import ApprovalRecord
    from cppcancel.contracts import CancelOutcome, CancelRequest, Requester, SlackTarget
    from cppcancel.targets import Target

DEFAULT_CHAT = "slack"

# A chat's name -> the module whose `CHAT` implements `ChatPort`: the one line a new chat adds.
_CHATS = {"slack": "slack_app.chat_port", "teams": "teams_app.chat_port"}


def chat_json(name: str) -> dict[str, Any]:
    """The `chat` key of a message that answers to `name`: written only when it is not the default (Slack)."""
    return {} if name == DEFAULT_CHAT else {"chat": name}


def chat_of(data: Mapping[str, Any]) -> str:
    """The chat a message answers to (absent: Slack, as every message written before chats had names)."""
    return jsonread.text(data.get("chat")) or DEFAULT_CHAT


def chat_for(name: str) -> ChatPort:
    """The chat named `name` (imported on first use: a chat's SDK loads only where it is spoken)."""
    return cast("ChatPort", importlib.import_module(_CHATS[name]).CHAT)


@dataclass(frozen=True)
class ReportResult:
    """What `announce` did: the announcement's message ID (`message_ts`; None when it could not be posted where the
    request answers), where it went (`delivered_via`: "channel", "response_url" or None), and the chat's error.

    `pointer_pending`: the announcement is posted and the person's own reply is still to be pointed at it - by
    `point`, a step of its own, so that a re-run of either can repeat only its one post. The key is written only
    when true: a result recorded before the split reads back as "nothing pending", and replays as it ran.
    """

    message_ts: str | None = None
    delivered_via: str | None = None
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
            jsonread.text(data.get("messageTs")),
            jsonread.text(data.get("deliveredVia")),
            jsonread.text(data.get("slackError")),
            pointer_pending=jsonread.flag(data.get("pointerPending")),
        )


@dataclass(frozen=True)
class ChatUpdate:
    """Input of the update activity: the progress message to (re)write, and an optional thread reply under it.

    `channel`: the conversation; `ts` the message (None: none exists yet, the first post went to a reply address:
    the activity posts one); `blocks` the chat's own rich body. `chat`: written only when it is not Slack.
    """

    channel: str
    ts: str | None
    text: str
    blocks: list[dict[str, Any]]
    thread_text: str | None = None
    chat: str = DEFAULT_CHAT

    def to_json(self) -> dict[str, Any]:
        data = {
            "channel": self.channel,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
            "threadText": self.thread_text,
        }
        return {**data, **chat_json(self.chat)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChatUpdate:
        return cls(
            channel=str(data["channel"]),
            ts=jsonread.text(data.get("ts")),
            text=str(data.get("text") or ""),
            blocks=list(jsonread.items(data.get("blocks"))),
            thread_text=jsonread.text(data.get("threadText")),
            chat=chat_of(data),
        )


@dataclass(frozen=True)
class ChatResult:
    """Result of the update activity: done (with the message's ID), rate limited (wait `retry_after_s`), or refused.

    Other transient failures are not results: the activity raises, and call_activity_with_retry tries again.
    `thread_pending`: the activity had to post a new main message, and left the thread reply for a call of its
    own (one post per activity, so a re-run can only repeat the post that was in flight). Written only when true.
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
    def from_json(cls, data: object) -> ChatResult:
        if not isinstance(data, Mapping):
            return cls(False, error="invalid_result")
        return cls(
            ok=bool(data.get("ok")),
            ts=jsonread.text(data.get("ts")),
            retry_after_s=jsonread.number(data.get("retryAfterS")),
            error=jsonread.text(data.get("error")),
            thread_pending=jsonread.flag(data.get("threadPending")),
        )


class ProgressView(Protocol):
    """What the progress message shows, as the watcher knows it (read-only; `poll_function.watch_view.WatchView`)."""

    @property
    def target(self) -> Target: ...
    @property
    def requester(self) -> Requester: ...
    @property
    def watch_instance_id(self) -> str: ...
    @property
    def phase(self) -> str: ...
    @property
    def now(self) -> datetime: ...
    @property
    def operation(self) -> Operation | None: ...
    @property
    def polls(self) -> int: ...
    @property
    def error(self) -> str | None: ...
    @property
    def stopped_by(self) -> Requester | None: ...
    @property
    def is_final(self) -> bool: ...
    @property
    def elapsed_s(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def status_word(self) -> str: ...
    @property
    def api_error(self) -> str | None: ...
    @property
    def digest(self) -> str: ...


@dataclass(frozen=True)
class Rendering:
    """A progress message as a chat renders it: the plain-text fallback and the chat's own rich body."""

    text: str
    blocks: tuple[dict[str, Any], ...]


class ChatPort(Protocol):
    """What the cancel and the watcher tell people in one chat (see the module docstring)."""

    def announce(self, request: CancelRequest, outcome: CancelOutcome, at: datetime) -> ReportResult:
        """Post what the cancel did where `request` answers - the joined note when it joined another's cancel. One
        post; a failure the chat may recover from is raised (the orchestration retries), others are the result."""
        ...

    def point(self, place: SlackTarget) -> bool:
        """Point the person's own reply (`place.response_url`) at the announcement in `place.channel_id`. Best
        effort, one post: False when it did not arrive."""
        ...

    def render_progress(self, view: ProgressView) -> Rendering:
        """The progress message for `view` (pure and deterministic: called in orchestrator code)."""
        ...

    def thread_reply(self, view: ProgressView, previous_status: str | None) -> str:
        """The thread reply for a change of status (`previous_status`: the one announced before) or the end."""
        ...

    def update(self, update: ChatUpdate) -> ChatResult:
        """Write the progress message in place (posting it when it is gone) and its thread reply: one post per run."""
        ...

    # -- the two-person rule (`cppcancel.approvals`) -----------------------------------------------------------------

    def ask_approval(self, request: CancelRequest, approval: ApprovalRecord) -> ReportResult:
        """Post the approval request where `request` answers: who asked, what will be cancelled, how many approvals
        are still needed and until when, with an Approve action (and Withdraw, which only the requester may use). The
        actions carry `approval.instance_id` and the offer, nothing else: the listener reads the rest from the
        record. One post; `message_ts` names the message for `show_approval`."""
        ...

    def show_approval(self, request: CancelRequest, approval: ApprovalRecord, message_ts: str) -> ChatResult:
        """Rewrite that message in place as the record stands: approvals so far, or approved (the cancel goes out),
        withdrawn, expired (without actions). An idempotent edit."""
        ...
