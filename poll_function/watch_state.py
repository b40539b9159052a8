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

from cppcancel.schedule import ScheduleParams
from partner_portal.models import Operation


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


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
            polls=_int(data, "polls"),
            generation=_int(data, "generation"),
            params=ScheduleParams.from_json(params) if isinstance(params, Mapping) else None,
            deadline=_str(data, "deadline"),
            seen_digest=_str(data, "seenDigest"),
            unchanged=_int(data, "unchanged"),
            errors=_int(data, "errors"),
            step_key=_str(data, "stepKey"),
            step_since=_str(data, "stepSince"),
            posted_digest=_str(data, "postedDigest"),
            announced_status=_str(data, "announcedStatus"),
            announced_raw=_str(data, "announcedRaw"),
            message_ts=_str(data, "messageTs"),
            slack_error=_str(data, "slackError"),
            last_operation=dict(last) if isinstance(last, Mapping) else None,
        )
