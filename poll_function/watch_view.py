"""What the watcher knows about the watched operation at one moment (`WatchView`), and what follows from it (pure).

The watch domain, not its rendering: which phase a watch is in, what counts as news (`progress_digest`: equal
digests mean Slack need not be called), what a thread reply announces (`status_key`), and the orchestration's custom
status for HTTP status queries. A chat renders a view through the chat port's read-only protocol
(`cppcancel.chat.ProgressView`), called from `poll_function.watch_chat` only.

The digest and the custom status are wire formats - the digest is kept in the watch state, the custom status in the
orchestration history - so both are computed exactly as they always have been (the API's HTML read as text and
truncated by `slack_app.mrkdwn`'s primitives, the one HTML-to-text the app has).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from backends.http.operation import Operation, OperationStatus
from cppcancel.contracts import Requester
from cppcancel.targets import Target
from cppcancel.times import iso
from slack_app.mrkdwn import html_to_text as _html_to_text
from slack_app.mrkdwn import truncate

Phase = Literal["watching", "completed", "canceled", "failed", "stopped", "timed_out", "lost"]
FINAL_PHASES: frozenset[str] = frozenset({"completed", "canceled", "failed", "stopped", "timed_out", "lost"})
MAX_STATUS_STEPS = 20


def html_to_text(markup: str) -> str:
    """The API's `messageHtml` as plain text on one line: tags dropped, entities decoded, whitespace collapsed."""
    return _html_to_text(markup, single_line=True)


def api_error_text(operation: Operation | None) -> str | None:
    """The API's own words for a failure: the operation's `error`, else its latest error-level message."""
    if operation is None:
        return None
    if operation.error:
        return html_to_text(operation.error)
    messages = [*operation.messages, *(m for s in operation.steps for m in s.messages)]
    errors = [m for m in messages if m.level.lower() == "error"]
    return html_to_text(errors[-1].html) if errors else None


@dataclass(frozen=True)
class WatchView:
    """Everything the progress message shows, as of `now` (the orchestrator's replay-safe clock)."""

    target: Target
    requester: Requester
    watch_instance_id: str
    phase: Phase
    started_at: datetime
    now: datetime
    operation: Operation | None = None
    polls: int = 0
    error: str | None = None
    stopped_by: Requester | None = None

    @property
    def is_final(self) -> bool:
        return self.phase in FINAL_PHASES

    @property
    def elapsed_s(self) -> float:
        return max(0.0, (self.now - self.started_at).total_seconds())

    @property
    def subject(self) -> str:
        return self.target.offer

    @property
    def kind(self) -> str:
        """`cancel`, `publish`...: what the operation is, in the API's words, for headlines."""
        submission = self.operation.submission_type if self.operation else None
        return (submission or "cancel").strip().lower() or "cancel"

    @property
    def status_word(self) -> str:
        """The operation's status in the API's words (`not read yet` before the first successful poll)."""
        operation = self.operation
        return "not read yet" if operation is None else operation.raw_status or operation.status.value

    @property
    def api_error(self) -> str | None:
        return api_error_text(self.operation)

    @property
    def digest(self) -> str:
        return progress_digest(self)


def phase_of(operation: Operation) -> Phase:
    """`watching` while the operation is in flight (or its status is unknown), else its terminal state."""
    if operation.status is OperationStatus.COMPLETED:
        return "completed"
    if operation.status is OperationStatus.CANCELED:
        return "canceled"
    if operation.status is OperationStatus.FAILED:
        return "failed"
    return "watching"


def status_key(view: WatchView) -> str:
    """What a thread reply announces: the operation's status while watching, the final phase at the end."""
    if view.is_final:
        return view.phase
    return f"operation:{view.operation.status.value if view.operation else 'unread'}"


def _digest(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def progress_digest(view: WatchView) -> str:
    """A digest of the news in `view`: the status, each step's state and progress, messages, errors, who stopped the
    watch - not the elapsed time or the poll count, which change on every poll."""
    operation = view.operation
    steps = [
        (
            s.name,
            s.raw_status,
            s.progress_percentage,
            s.estimated_time_frame,
            s.messages[-1].html if s.messages else None,
        )
        for s in (operation.steps if operation else ())
    ]
    return _digest(
        {
            "phase": view.phase,
            "status": operation.raw_status if operation else None,
            "error": view.error if view.is_final else None,  # a retried read is not news for the channel
            "apiError": api_error_text(operation),
            "steps": steps,
            "stoppedBy": view.stopped_by.mention if view.stopped_by else None,
        }
    )


def custom_status(view: WatchView) -> dict[str, Any]:
    """The same progress for HTTP status queries (the orchestration's custom status; kept well under 16 KB)."""
    operation = view.operation
    current = operation.current_step if operation else None
    steps = [
        {"name": truncate(s.name, 100), "status": s.raw_status or s.status.value, "progress": s.progress_percentage}
        for s in (operation.steps[:MAX_STATUS_STEPS] if operation else ())
    ]
    return {
        "phase": view.phase,
        "publisherId": view.target.publisher_id,
        "offerId": view.target.offer_id,
        "requestedBy": view.requester.display,
        "operationId": operation.id if operation else None,
        "operationStatus": view.status_word if operation else None,
        "progress": operation.progress_percentage if operation else None,
        "currentStep": current.name if current else None,
        "steps": steps,
        "elapsedS": round(view.elapsed_s, 3),
        "polls": view.polls,
        "stoppedBy": view.stopped_by.display if view.stopped_by else None,
        "error": truncate(view.error or api_error_text(operation) or "", 1000) or None,
        "updatedAt": iso(view.now),
    }
