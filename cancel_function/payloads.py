"""The JSON the cancel orchestration and its activities exchange, as typed values parsed in one place.

Activity results travel through the Durable history as JSON, and a history written by an older version of this code
must still replay, so every `from_json` here is tolerant (missing keys take defaults) and every `to_json` writes
exactly the keys earlier code wrote. Activities accept their input either as the decoded JSON value (what the
Functions worker passes) or as JSON text (what a test or another host may pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from backends.http.operation import CancelResult
from cppcancel.error_info import BASIC_LAYOUT, JOINED, NOT_REPEATED, ErrorInfo
from cppcancel.jsonread import json_object

# An activity's input (or an orchestration's) as a dict, whether it arrives decoded or as JSON text.
load = json_object

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


_JOINED_KEYS = ("joinedInstanceId", "joinedBy", "joinedAt", "joinedChannel")


def joined_error(
    holder: str, by: str, at: str, *, channel: str | None = None, operation_url: str | None = None
) -> ErrorInfo:
    """`send_cancel`'s answer when another request's cancel of the offer is in flight: this one joins it."""
    message = f"Joined the cancel requested by {by} at {at}: nothing was sent again."
    extra = {"joinedInstanceId": holder, "joinedBy": by, "joinedAt": at, "joinedChannel": channel}
    return ErrorInfo(
        JOINED,
        message,
        publish_operation_url=operation_url,
        layout=(*BASIC_LAYOUT, *_JOINED_KEYS),
        extra=extra,
    )


def not_repeated_error(publish_operation_url: str | None) -> ErrorInfo:
    message = (
        "The first attempt to send this cancel may have reached the Partner Portal before the app restarted, so it "
        "was not sent again."
    )
    return ErrorInfo(NOT_REPEATED, message, publish_operation_url=publish_operation_url)


# What `send_cancel` did: sent the cancel (the CPP answered); sent nothing because a cancel of the publish was
# already under way (the Partner Portal said so: histories before the record), because another request's cancel
# holds the offer (`joined`), or because this request's first run may have sent it (`not_repeated`); or failed (the
# CPP refused or could not be reached, the record could not be written, or the activity could not even try).
SendKind = Literal["sent", "under_way", "joined", "not_repeated", "failed"]
_KINDS_BY_CODE: dict[str, SendKind] = {CANCEL_UNDER_WAY: "under_way", JOINED: "joined", NOT_REPEATED: "not_repeated"}


@dataclass(frozen=True)
class CancelSent:
    """Result of `send_cancel`: which of sent / already under way / failed happened. Never an exception for CPP
    errors.

    `result` is the CPP's answer (`sent`); `error` says why nothing was sent (`under_way`: `publish_url` is the
    operation of the publish being cancelled) or what failed (`failed`).

    The JSON is what `send_cancel` has always written, because histories hold it: `{"ok": true, "result": ...}`
    when sent, else `{"ok": false, "error": ...}` - and "already under way" is an error with the code
    `cancel_under_way` (`under_way_error`). `from_json` is the one place that reads that code.
    """

    kind: SendKind
    result: CancelResult | None = None
    error: ErrorInfo = field(default_factory=ErrorInfo.none)
    replayed: bool = False  # the recorded answer of this request's earlier run, not a new POST (not in the JSON)

    def __post_init__(self) -> None:
        if (self.kind == "sent") != (self.result is not None):
            raise ValueError(f"a {self.kind!r} CancelSent {'needs' if self.kind == 'sent' else 'has no'} result")

    @classmethod
    def sent(cls, result: CancelResult) -> CancelSent:
        return cls("sent", result)

    @classmethod
    def under_way(cls, publish_operation_url: str) -> CancelSent:
        return cls("under_way", error=under_way_error(publish_operation_url))

    @classmethod
    def failed(cls, error: ErrorInfo) -> CancelSent:
        return cls("failed", error=error)

    @classmethod
    def joined(cls, error: ErrorInfo) -> CancelSent:
        return cls("joined", error=error)

    @classmethod
    def not_repeated(cls, publish_operation_url: str | None) -> CancelSent:
        return cls("not_repeated", error=not_repeated_error(publish_operation_url))

    @property
    def sent_nothing(self) -> bool:
        """Nothing was sent by this request, and another attempt's cancel (or the publish) is what to follow."""
        return self.kind in ("under_way", "joined", "not_repeated")

    @property
    def publish_url(self) -> str | None:
        """Sent nothing: the operation to follow - the publish being cancelled, or the joined cancel's operation."""
        return self.error.publish_operation_url if self.sent_nothing else None

    def to_json(self) -> dict[str, Any]:
        if self.result is not None:
            return {"ok": True, "result": self.result.to_json()}
        return {"ok": False, "error": self.error.to_json()}

    @classmethod
    def from_json(cls, data: object) -> CancelSent:
        if isinstance(data, Mapping) and data.get("ok") and isinstance(data.get("result"), Mapping):
            return cls.sent(CancelResult.from_json(data["result"]))
        raw = data.get("error") if isinstance(data, Mapping) else None
        if not isinstance(raw, Mapping):
            return cls.failed(ErrorInfo("unknown", "The cancel activity returned nothing usable."))
        error = ErrorInfo.from_json(raw)
        # "Under way" by its code alone, as the code before this type read it: the orchestration then looks for a
        # watcher to join whether or not the error names the publish (send_cancel always names it).
        return cls(_KINDS_BY_CODE.get(error.code, "failed"), error=error)


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
