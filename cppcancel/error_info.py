"""`ErrorInfo`: a failure as it crosses the durable boundary (activity results, custom status, orchestration output).

An `ApiError` is an exception and cannot travel through a Durable history; it travels as `ApiError.error_info()`'s
JSON, and the app's own failures (settings, invalid input, a crashed activity) use the same keys: `code`, `message`,
`statusCode`, `apiCode`, `transient`, `retryAfterS`, and - said by an API's error only - `outcomeUnknown`. The JSON
is parsed once, where it enters (`from_json`, tolerant: any dict is read, a value of another type counts as absent,
as the readers before this type read it), and the rest of the code reads typed attributes. What an answer means
beyond a failure (joined, not repeated, too late) is not an error code with extra keys: it is a result of its own
(`cppcancel.sending`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cppcancel import jsonread

__all__ = ["ErrorInfo"]


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong, for the code that decides (`transient`, `outcome_unknown`) and for a person (`message`).

    `code`: the `ApiError.code` (`forbidden`, `timeout`, ...) or one of the app's (`settings`, `invalid_input`,
    `unknown_outcome`, ...); "" when the JSON named none. `outcome_unknown`: None when nobody said (the app's own
    errors), else whether a request that changes something may have been carried out though no answer came back.
    An `ErrorInfo` with every field at its default is "no error" (`none()`), written `{}`.
    """

    code: str = ""
    message: str = ""
    status_code: int | None = None
    api_code: str | None = None
    transient: bool = False
    retry_after_s: float | None = None
    outcome_unknown: bool | None = None

    @classmethod
    def of(cls, value: ErrorInfo | Mapping[str, Any]) -> ErrorInfo:
        """`value` itself, or - handed over as JSON (an older caller, a test) - parsed, once."""
        return value if isinstance(value, ErrorInfo) else cls.from_json(value)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorInfo:
        """Tolerant: any dict is read (flags by truthiness, numbers and texts only of their own type)."""
        unknown = data.get("outcomeUnknown")
        return cls(
            code=jsonread.words(data.get("code")),
            message=jsonread.words(data.get("message")),
            status_code=jsonread.integer(data.get("statusCode")),
            api_code=jsonread.text(data.get("apiCode")),
            transient=bool(data.get("transient")),
            retry_after_s=jsonread.number(data.get("retryAfterS")),
            outcome_unknown=None if unknown is None else bool(unknown),
        )

    def to_json(self) -> dict[str, Any]:
        """The keys the app has always written for an error, in their order; `{}` for no error."""
        if self.is_empty:
            return {}
        data: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "statusCode": self.status_code,
            "apiCode": self.api_code,
            "transient": self.transient,
            "retryAfterS": self.retry_after_s,
        }
        if self.outcome_unknown is not None:
            data["outcomeUnknown"] = self.outcome_unknown
        return data

    @property
    def is_empty(self) -> bool:
        """True for "no error" (`ErrorInfo.none()`)."""
        return all(getattr(self, f.name) == f.default for f in fields(self))

    @classmethod
    def none(cls) -> ErrorInfo:
        """No error: the `error` of a result that succeeded (written `{}`)."""
        return cls()
