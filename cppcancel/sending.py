"""What the exactly-once send of a cancel came to, as tagged results with their own fields (pure).

`cancel_function.exactly_once` answers one of these for every request, and `send_cancel` hands it to the cancel
orchestration as JSON:

- `Sent`: the one POST was made and the API answered (`cancelled` at once, or `accepted` with what to follow).
- `Joined`: another request's cancel of the same target holds its lock: nothing was sent, that cancel is joined.
- `NotRepeated`: this request's first run may have sent the POST before the host died: it is never sent again;
  `operation_url` is what to follow instead.
- `NotRecorded`: the app could not record the request first, so nothing was sent (retry).
- `TooLate`: the API said the target had already ended (a configure job that completed): nothing to retry.
- `Failed`: the API refused, could not be reached, or the activity could not even try (`error`).
- `UnderWay`: only in histories written before the record existed - the Partner Portal said a cancel was already
  under way, so nothing was sent.

JSON: `to_json` writes what `send_cancel` has always written - `{"ok": true, "result": ...}` when sent, else
`{"ok": false, "error": ...}`, the error's code saying which it is and its extra keys its fields (`joinedBy`,
`publishOperationUrl`, `jobResult`...) - and `result_from_json` reads every shape a recorded history holds. The
orchestration writes a result that is not `Sent` as its outcome's `error` (`CancelOutcome`), so the webhook and the
chat read the same tagged value back (`reason_from_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cppcancel import jsonread
from cppcancel.error_info import ErrorInfo

JOINED = "joined"
NOT_REPEATED = "not_repeated"
NOT_RECORDED = "not_recorded"
ALREADY_COMPLETED = "already_completed"
CANCEL_UNDER_WAY = "cancel_under_way"

NOT_REPEATED_MESSAGE = (
    "The first attempt to send this cancel may have reached the Partner Portal before the app restarted, so it was "
    "not sent again."
)
UNDER_WAY_MESSAGE = (
    "A cancel of the publish in flight was already under way (sent earlier - perhaps by this same request before a "
    "restart, or by someone else), so it was not sent again."
)


def _error_json(code: str, message: str, status_code: int | None = None, api_code: str | None = None) -> dict[str, Any]:
    return ErrorInfo(code, message, status_code, api_code).to_json()


@dataclass(frozen=True)
class Sent:
    """The one POST was made: `cancelled` at once (the API's 200), or `accepted` (the operation to follow).
    `replayed`: this request's first run's answer, read back from the record (no new POST; not in the JSON)."""

    outcome: Literal["cancelled", "accepted"]
    status_code: int
    operation_url: str | None = None
    retry_after_s: float | None = None
    replayed: bool = False

    def result_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "statusCode": self.status_code,
            "operationUrl": self.operation_url,
            "retryAfterS": self.retry_after_s,
        }

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, "result": self.result_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sent:
        outcome = data.get("outcome")
        if outcome not in ("cancelled", "accepted"):
            raise ValueError(f"unknown cancel outcome {outcome!r}")
        return cls(
            outcome,
            jsonread.whole(data.get("statusCode")) or 0,
            jsonread.text(data.get("operationUrl")),
            jsonread.number(data.get("retryAfterS")),
        )


@dataclass(frozen=True)
class _Unsent:
    """What every result but `Sent` answers to the code that only needs an error's facts."""

    @property
    def error(self) -> ErrorInfo:
        return ErrorInfo.from_json(self.error_json())

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message

    @property
    def status_code(self) -> int | None:
        return self.error.status_code

    @property
    def operation_url(self) -> str | None:
        """What to follow instead of an operation this request started (None: nothing)."""
        return None

    def error_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error_json()}


@dataclass(frozen=True)
class Failed(_Unsent):
    """The API refused or could not be reached, or the activity could not even try: `failure` says why."""

    failure: ErrorInfo
    replayed: bool = False

    @property
    def error(self) -> ErrorInfo:
        return self.failure

    def error_json(self) -> dict[str, Any]:
        return self.failure.to_json()


@dataclass(frozen=True)
class Joined(_Unsent):
    """Another request's cancel of the same target holds its lock (`holder`, asked `by` at `at`, reported in
    `channel`): nothing was sent. `followed`: that cancel's operation, once its POST named one."""

    holder: str
    by: str
    at: str
    channel: str | None = None
    followed: str | None = None
    said: str = ""

    @property
    def operation_url(self) -> str | None:
        return self.followed

    @property
    def message(self) -> str:
        return self.said or f"Joined the cancel requested by {self.by} at {self.at}: nothing was sent again."

    def error_json(self) -> dict[str, Any]:
        data = _error_json(JOINED, self.message)
        data.update(joinedInstanceId=self.holder, joinedBy=self.by, joinedAt=self.at, joinedChannel=self.channel)
        if self.followed:
            data["publishOperationUrl"] = self.followed
        return data


@dataclass(frozen=True)
class NotRepeated(_Unsent):
    """This request's first run may have sent the POST: never sent again. `follow`: what to follow instead."""

    follow: str | None = None
    said: str = NOT_REPEATED_MESSAGE

    @property
    def operation_url(self) -> str | None:
        return self.follow

    def error_json(self) -> dict[str, Any]:
        data = _error_json(NOT_REPEATED, self.said)
        if self.follow:
            data["publishOperationUrl"] = self.follow
        return data


@dataclass(frozen=True)
class UnderWay(_Unsent):
    """(Histories before the record.) The Partner Portal said a cancel of the publish was under way: not sent."""

    follow: str | None = None
    said: str = UNDER_WAY_MESSAGE

    @property
    def operation_url(self) -> str | None:
        return self.follow

    def error_json(self) -> dict[str, Any]:
        data = _error_json(CANCEL_UNDER_WAY, self.said)
        if self.follow:
            data["publishOperationUrl"] = self.follow
        return data


@dataclass(frozen=True)
class NotRecorded(_Unsent):
    """The request could not be recorded before sending it (or lost its lock to a request that ended): nothing
    was sent; retry."""

    said: str

    def error_json(self) -> dict[str, Any]:
        return _error_json(NOT_RECORDED, self.said)


@dataclass(frozen=True)
class TooLate(_Unsent):
    """The API said the target had already ended (a configure job that completed): nothing was cancelled, and
    nothing to retry. `item`: what had ended (the job); `ended`: how, in the API's words."""

    said: str
    item: str
    ended: str | None = None
    http_status: int = 400
    api_said: str | None = "badRequest"

    def error_json(self) -> dict[str, Any]:
        data = _error_json(ALREADY_COMPLETED, self.said, self.http_status, self.api_said)
        data.update(jobId=self.item, jobResult=self.ended)
        return data


Reason = Failed | Joined | NotRepeated | UnderWay | NotRecorded | TooLate
SendResult = Sent | Reason

_UNUSABLE = Failed(ErrorInfo("unknown", "The cancel activity returned nothing usable."))


def reason_from_json(data: Mapping[str, Any]) -> Reason:
    """An error as the orchestration and `send_cancel` write it, read back as what it means."""
    code = jsonread.words(data.get("code"))
    message = jsonread.words(data.get("message"))
    follow = jsonread.text(data.get("publishOperationUrl"))
    if code == JOINED:
        return Joined(
            jsonread.words(data.get("joinedInstanceId")),
            jsonread.words(data.get("joinedBy")),
            jsonread.words(data.get("joinedAt")),
            jsonread.text(data.get("joinedChannel")),
            follow,
            message,
        )
    if code == NOT_REPEATED:
        return NotRepeated(follow, message)
    if code == CANCEL_UNDER_WAY:  # by its code alone, as the code before read it: a watcher is looked for anyway
        return UnderWay(follow, message)
    if code == NOT_RECORDED:
        return NotRecorded(message)
    if code == ALREADY_COMPLETED:
        ended = jsonread.text(data.get("jobResult"))
        info = ErrorInfo.from_json(data)
        return TooLate(message, jsonread.words(data.get("jobId")), ended, info.status_code or 400, info.api_code)
    return Failed(ErrorInfo.from_json(data))


def result_from_json(data: object) -> SendResult:
    """`send_cancel`'s result as any history holds it; nothing usable is a failure, never an exception."""
    if not isinstance(data, Mapping):
        return _UNUSABLE
    result = data.get("result")
    if data.get("ok") and isinstance(result, Mapping):
        try:
            return Sent.from_json(result)
        except ValueError:
            return _UNUSABLE
    error = data.get("error")
    return reason_from_json(error) if isinstance(error, Mapping) else _UNUSABLE


@dataclass(frozen=True)
class Answer:
    """What the one POST came to for the record: its audit outcome and, when it named one, the operation to follow
    (`exactly_once` writes it back; the record is what a re-run reads)."""

    outcome: Literal["cancelled", "accepted", "failed"]
    status_code: int | None = None
    operation_url: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Posted:
    """The one POST, as a backend's `cancel` reports it: the result for the orchestration, the answer for the
    record."""

    result: SendResult
    answer: Answer = field(default_factory=lambda: Answer("failed"))
