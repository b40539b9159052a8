"""What the watcher carries from poll to poll and across continue_as_new (in `WatchRequest.state`).

Everything a generation needs to pick up where the previous one stopped, and nothing else (the input of each
generation is stored by the Durable extension, so it stays small): counters, the schedule parameters read once by an
activity, the deadline, what was last posted to Slack and announced in the thread, and the last operation read (so
that a final message after a stop, a timeout or a lost connection can still show the steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backends.http.operation import Operation
from cppcancel.jsonread import integer, string
from cppcancel.schedule import ScheduleParams


@dataclass(frozen=True)
class WatchState:
    polls: int = 0  # polls made, successful or not, over the whole watch
    generation: int = 0  # continue_as_new count
    params: ScheduleParams | None = None  # None until `load_watch_params` answered
    deadline: str | None = None  # ISO; the watch ends when the orchestrator clock passes it
    seen_digest: str | None = None  # digest of the last view seen (drives the back-off reset)
    unchanged: int = 0  # successful polls in a row without news
    errors: int = 0  # failed polls in a row
    step_key: str | None = None  # the running step last seen, and since when (orchestrator clock)
    step_since: str | None = None
    posted_digest: str | None = None  # digest of what Slack shows now
    announced_status: str | None = None  # status key last announced (the first one silently: the baseline)
    announced_raw: str | None = None  # its raw status word, for "was ..."
    message_ts: str | None = None  # the progress message, when the watcher had to post a new one
    slack_error: str | None = None  # Slack refused for good: no more Slack calls, custom status only
    last_operation: Mapping[str, Any] | None = None  # Operation JSON of the last successful poll

    @property
    def operation(self) -> Operation | None:
        return Operation.from_json(dict(self.last_operation)) if self.last_operation else None

    def to_json(self) -> dict[str, Any]:
        return {
            "polls": self.polls,
            "generation": self.generation,
            "params": self.params.to_json() if self.params else None,
            "deadline": self.deadline,
            "seenDigest": self.seen_digest,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "stepKey": self.step_key,
            "stepSince": self.step_since,
            "postedDigest": self.posted_digest,
            "announcedStatus": self.announced_status,
            "announcedRaw": self.announced_raw,
            "messageTs": self.message_ts,
            "slackError": self.slack_error,
            "lastOperation": dict(self.last_operation) if self.last_operation else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> WatchState:
        data = data or {}
        params = data.get("params")
        last = data.get("lastOperation")
        return cls(
            polls=integer(data.get("polls")) or 0,
            generation=integer(data.get("generation")) or 0,
            params=ScheduleParams.from_json(params) if isinstance(params, Mapping) else None,
            deadline=string(data.get("deadline")),
            seen_digest=string(data.get("seenDigest")),
            unchanged=integer(data.get("unchanged")) or 0,
            errors=integer(data.get("errors")) or 0,
            step_key=string(data.get("stepKey")),
            step_since=string(data.get("stepSince")),
            posted_digest=string(data.get("postedDigest")),
            announced_status=string(data.get("announcedStatus")),
            announced_raw=string(data.get("announcedRaw")),
            message_ts=string(data.get("messageTs")),
            slack_error=string(data.get("slackError")),
            last_operation=dict(last) if isinstance(last, Mapping) else None,
        )
