"""The buttons' action IDs and the values they carry, encoded and - on the way back - validated again.

A button's `value` comes back as the app wrote it, but it is still input: it is parsed strictly here (IDs and
addresses through `cppcancel.identifiers`, the request ID and the watcher instance ID by shape), and identity inside
it (`by`) is for display only. Who clicked is always the payload's `user.id`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cppcancel import identifiers
from cppcancel.chat_ids import USER_OR_GUID_RE
from cppcancel.targets import Target, Targeted, target_from_json, target_json

CONFIRM_CANCEL = "confirm_cancel"
ABORT_CANCEL = "abort_cancel"
OPEN_CANCEL = "open_cancel"
STOP_WATCHING = "stop_watching"
APPROVE_CANCEL = "approve_cancel"
WITHDRAW_CANCEL = "withdraw_cancel"

MAX_VALUE_LENGTH = 2000  # Slack's limit for a button value

_REQUEST_ID = re.compile(r"[0-9a-f]{32}\Z")
# contracts.watch_instance_id(): "watch-" and 32 hex digits. Anything else is refused, so a crafted value can never
# raise an event on some other orchestration (a cancel, say).
_WATCH_INSTANCE = re.compile(r"watch-[0-9a-f]{32}\Z")
# contracts.cancel_instance_id(): the cancel orchestration an Approve/Withdraw button is about, asked for from any
# source (`cppcancel.contracts.Source`: a Slack or Teams Confirm, or a webhook).
_CANCEL_INSTANCE = re.compile(r"cancel-(slack|teams|webhook)-[0-9a-f]{32}\Z")


class InvalidValue(ValueError):
    """The button's value is not one this app writes (stale, truncated or crafted)."""


def _object(raw: object) -> Mapping[str, Any]:
    if not isinstance(raw, str) or len(raw) > MAX_VALUE_LENGTH:
        raise InvalidValue("the button value is missing or too long")
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidValue("the button value is not JSON") from None
    if not isinstance(data, Mapping):
        raise InvalidValue("the button value is not a JSON object")
    return data


def _ids(publisher: object, offer: object) -> tuple[str, str]:
    if not isinstance(publisher, str) or not isinstance(offer, str):
        raise InvalidValue("the button value names no publisher/offer")
    try:
        return identifiers.validate_publisher_id(publisher), identifiers.validate_offer_id(offer)
    except identifiers.InvalidInput as exc:
        raise InvalidValue(str(exc)) from None


# A target's JSON keys in a button value, short (Slack allows 2,000 characters): its offer, and what it adds.
_SHORT = {"publisherId": "p", "offerId": "o", "jobId": "j", "submissionId": "s"}
_LONG = {short: key for key, short in _SHORT.items()}


def _short_json(target: Target) -> dict[str, Any]:
    return {_SHORT[key]: value for key, value in target_json(target).items()}


def _target(data: Mapping[str, Any]) -> Target:
    """The target a value names, with its IDs checked again (a value is input like any other)."""
    named = {_LONG[key]: value for key, value in data.items() if key in _LONG}
    if not all(isinstance(value, str) for value in named.values()):
        raise InvalidValue("the button value's IDs are not strings")
    try:
        return target_from_json(named).validated()
    except KeyError:
        raise InvalidValue("the button value names no publisher/offer") from None
    except identifiers.InvalidInput as exc:
        raise InvalidValue(str(exc)) from None


def _encode(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"a button value would be {len(text)} characters; Slack allows {MAX_VALUE_LENGTH}")
    return text


@dataclass(frozen=True)
class CancelTicket(Targeted):
    """The Confirm/Never mind buttons' value: one confirmation of one target, identified by `request_id`."""

    request_id: str
    target: Target
    notify: tuple[str, ...] = ()
    asked_by: str | None = None
    asked_at: str | None = None

    def to_value(self) -> str:
        short = _short_json(self.target)
        data: dict[str, Any] = {"rid": self.request_id, "p": short.pop("p"), "o": short.pop("o")}
        data.update({"n": list(self.notify), "by": self.asked_by, "at": self.asked_at, **short})
        return _encode(data)

    @classmethod
    def from_value(cls, raw: object) -> CancelTicket:
        data = _object(raw)
        rid = data.get("rid")
        if not isinstance(rid, str) or not _REQUEST_ID.match(rid):
            raise InvalidValue("the button value has no valid request ID")
        target = _target(data)
        notify = data.get("n") or []
        if not isinstance(notify, list) or not all(isinstance(item, str) for item in notify):
            raise InvalidValue("the button value's notification list is not a list of addresses")
        try:
            emails = identifiers.validate_emails(notify)
        except identifiers.InvalidInput as exc:
            raise InvalidValue(str(exc)) from None
        by, at = data.get("by"), data.get("at")
        return cls(
            request_id=rid,
            target=target,
            notify=emails,
            asked_by=by if isinstance(by, str) and USER_OR_GUID_RE.match(by) else None,  # Slack's, or Teams' Entra ID
            asked_at=at if isinstance(at, str) and len(at) <= 40 else None,
        )


@dataclass(frozen=True)
class OfferRef(Targeted):
    """The "Cancel…" button of `/cpp ops`: which target (an offer's publish, a registered configure job) to prepare
    a confirmation for."""

    target: Target

    def to_value(self) -> str:
        return _encode(_short_json(self.target))

    @classmethod
    def from_value(cls, raw: object) -> OfferRef:
        data = _object(raw)
        return cls(_target(data))


@dataclass(frozen=True)
class StopWatch:
    """The watcher's "Stop watching" button (rendered by poll_function): which watcher, for which offer."""

    instance_id: str
    publisher_id: str
    offer_id: str

    def to_value(self) -> str:
        return _encode({"instanceId": self.instance_id, "publisherId": self.publisher_id, "offerId": self.offer_id})

    @classmethod
    def from_value(cls, raw: object) -> StopWatch:
        data = _object(raw)
        instance_id = data.get("instanceId")
        if not isinstance(instance_id, str) or not _WATCH_INSTANCE.match(instance_id):
            raise InvalidValue("the button value names no watcher")
        return cls(instance_id, *_ids(data.get("publisherId"), data.get("offerId")))


@dataclass(frozen=True)
class ApprovalRef:
    """The Approve/Withdraw buttons of a two-person request: which cancel, under which offer (where its approvals
    are recorded). Who asked, who approved and what the rule is come from the app's record, never from here."""

    instance_id: str
    publisher_id: str
    offer_id: str

    def to_value(self) -> str:
        return _encode({"i": self.instance_id, "p": self.publisher_id, "o": self.offer_id})

    @classmethod
    def from_value(cls, raw: object) -> ApprovalRef:
        data = _object(raw)
        instance_id = data.get("i")
        if not isinstance(instance_id, str) or not _CANCEL_INSTANCE.match(instance_id):
            raise InvalidValue("the button value names no cancel request")
        return cls(instance_id, *_ids(data.get("p"), data.get("o")))
