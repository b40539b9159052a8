"""`ErrorInfo`: a failure as it crosses the durable boundary (activity results, custom status, orchestration output).

A `ApiError` is an exception and cannot travel through a Durable history; it travels as the JSON of
`ApiError.to_json()`, and the orchestrations' own failures (settings, invalid input, a crashed activity) use the same
keys. Before this type every reader picked that dict apart with `.get("code")`. Now the JSON is parsed once, where it
enters (`from_json`), and the rest of the code reads typed attributes.

Histories written by earlier code must replay unchanged, so the JSON is the contract, not this class: `from_json`
reads any dict (missing keys take defaults) and `to_json` writes back exactly what was read - the same keys in the
same order, unknown keys and values of an unexpected type included. An `ErrorInfo` built in code writes the layout
the app has always written for its own errors (`BASIC_LAYOUT`); `ApiError` adds `outcomeUnknown`, and the "cancel
already under way" answer adds `publishOperationUrl`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cppcancel import jsonread

__all__ = [
    "ALREADY_COMPLETED",
    "BASIC_LAYOUT",
    "CPP_ERROR_LAYOUT",
    "JOINED",
    "NOT_RECORDED",
    "NOT_REPEATED",
    "ErrorInfo",
]

# The codes of `send_cancel`'s answers that are the app's own, read by the orchestration, the webhook and the Slack
# report: another request's cancel of the offer holds its lock (joined instead); this request's first run may have
# sent the POST (not sent again); the record could not be written first (nothing sent).
JOINED = "joined"
NOT_REPEATED = "not_repeated"
NOT_RECORDED = "not_recorded"
# A configure job's cancel came too late (HTTP 400 "Cannot cancel job, job has already completed."): not an error of
# the app, and nothing to retry. The webhook answers 409 with this code.
ALREADY_COMPLETED = "already_completed"

# JSON key -> attribute.
_ATTRIBUTES = {
    "code": "code",
    "message": "message",
    "statusCode": "status_code",
    "apiCode": "api_code",
    "transient": "transient",
    "retryAfterS": "retry_after_s",
    "outcomeUnknown": "outcome_unknown",
    "publishOperationUrl": "publish_operation_url",
}
BASIC_LAYOUT = ("code", "message", "statusCode", "apiCode", "transient", "retryAfterS")
CPP_ERROR_LAYOUT = (*BASIC_LAYOUT, "outcomeUnknown")


# JSON key -> how a value is typed (mirroring how the readers before this type read it: flags by truthiness).
_READERS: dict[str, Callable[[object], Any]] = {
    "code": jsonread.words,
    "message": jsonread.words,
    "statusCode": jsonread.integer,
    "apiCode": jsonread.text,
    "transient": bool,
    "retryAfterS": jsonread.number,
    "outcomeUnknown": bool,
    "publishOperationUrl": jsonread.text,
}


# What an attribute holds when its key was absent (`to_json` writes an absent key only when it is set).
_UNSET: dict[str, Any] = {"code": "", "message": "", "transient": False, "outcomeUnknown": False}


def _same(typed: object, raw: object) -> bool:
    """Would writing `typed` back give `raw`, byte for byte?"""
    return type(typed) is type(raw) and typed == raw


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong, for the code that decides (`transient`, `outcome_unknown`) and for a person (`message`).

    `code`: the `ApiError.code` (`forbidden`, `timeout`, ...) or one of the app's (`settings`, `invalid_input`,
    `unknown_outcome`, ...); "" when the JSON named none. `layout` and `extra` exist only so that `to_json` gives
    back exactly what `from_json` read; code never needs to look at them.
    """

    code: str = ""
    message: str = ""
    status_code: int | None = None
    api_code: str | None = None
    transient: bool = False
    retry_after_s: float | None = None
    outcome_unknown: bool = False
    publish_operation_url: str | None = None
    layout: tuple[str, ...] = BASIC_LAYOUT  # the JSON keys, in order
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys unknown here, or known ones holding another type

    @classmethod
    def of(cls, value: ErrorInfo | Mapping[str, Any]) -> ErrorInfo:
        """`value` itself, or - handed over as JSON (an older caller, a test) - parsed, once."""
        return value if isinstance(value, ErrorInfo) else cls.from_json(value)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorInfo:
        """Tolerant: any dict is read; what cannot be typed is kept, untouched, for `to_json`."""
        typed: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            read = _READERS.get(key)
            if read is not None:
                typed[_ATTRIBUTES[key]] = read(value)
            if read is None or not _same(typed[_ATTRIBUTES[key]], value):
                extra[key] = value
        return cls(**typed, layout=tuple(data), extra=extra)

    def to_json(self) -> dict[str, Any]:
        """The keys of `layout` in order (what was read, or the app's own layout), then any attribute set in code
        whose key the layout lacks (so `ErrorInfo(..., publish_operation_url=url)` cannot lose it)."""
        written: dict[str, Any] = {}
        for key in self.layout:
            if key in self.extra:
                written[key] = self.extra[key]
            elif key in _ATTRIBUTES:
                written[key] = getattr(self, _ATTRIBUTES[key])
        for key, attribute in _ATTRIBUTES.items():
            value = getattr(self, attribute)
            if key not in written and value != _UNSET.get(key):
                written[key] = value
        return written

    @property
    def is_empty(self) -> bool:
        """True for the "no error" placeholder (`ErrorInfo.none()`), which writes `{}`."""
        return not self.layout

    @classmethod
    def none(cls) -> ErrorInfo:
        """No error: the `error` of a result that succeeded (its JSON, were it written, is `{}`)."""
        return cls(layout=())
