"""Typed errors of the marketplace APIs (`ApiError` and its kinds), shared by every backend.

Each carries the API's own words, the name of the service that said them, and knows whether trying again can help.
Callers (the Slack handlers, the watcher, the webhook) turn these into sentences with `describe()`; they never need to
look at status codes themselves. A kind means the same whatever the API (a `Throttled` is a 429 of the CPP as of the
Product Ingestion API), so the cancel path and the watcher treat every backend's failures alike.
"""

from __future__ import annotations

from typing import Any

from cppcancel.error_info import ErrorInfo


class ApiError(Exception):
    """Base of every error a backend's client raises."""

    code = "cpp_error"
    transient = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        api_code: str | None = None,
        api_message: str | None = None,
        retry_after_s: float | None = None,
        outcome_unknown: bool = False,
        service: str = "the API",
        where_to_look: str | None = None,
    ) -> None:
        """`outcome_unknown`: the request changes something (the cancel) and may have been carried out although no
        usable answer came back (a timeout, a dropped connection or a 5xx after it was sent). `service`: whose
        words `api_message` are (each client passes its own name). `where_to_look`: a longer
        pointer for the person (for example which other API serves an offer the CPP does not know), said last."""
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.api_code = api_code
        self.api_message = api_message
        self.retry_after_s = retry_after_s
        self.outcome_unknown = outcome_unknown
        self.service = service
        self.where_to_look = where_to_look

    def describe(self) -> str:
        """For a person: what happened, the API's own message and the status code, then where to look (last, so
        that a record that keeps only the first few hundred characters keeps the facts)."""
        parts = [self.message]
        if self.api_message and self.api_message not in self.message:
            parts.append(f"{self.service[:1].upper()}{self.service[1:]} said: {self.api_message}")
        if self.status_code is not None:
            parts.append(f"(HTTP {self.status_code})")
        if self.where_to_look:
            parts.append(self.where_to_look)
        return " ".join(parts)

    def error_info(self) -> ErrorInfo:
        """The error as a value that can cross the durable boundary (exceptions cannot)."""
        return ErrorInfo(
            code=self.code,
            message=self.describe(),
            status_code=self.status_code,
            api_code=self.api_code,
            transient=self.transient,
            retry_after_s=self.retry_after_s,
            outcome_unknown=self.outcome_unknown,
        )

    def to_json(self) -> dict[str, Any]:
        return self.error_info().to_json()


class InvalidRequest(ApiError):
    """400: the request was malformed or the API refused its content."""

    code = "bad_request"


class Unauthorized(ApiError):
    """401: no or bad bearer token."""

    code = "unauthorized"


class Forbidden(ApiError):
    """403: the app's identity has no access to this publisher."""

    code = "forbidden"


class NotFound(ApiError):
    """404: no such publisher, offer or operation."""

    code = "not_found"


class Conflict(ApiError):
    """409: the offer is in a state that does not allow this (for example nothing to cancel)."""

    code = "conflict"


class Throttled(ApiError):
    """429: too many requests; `retry_after_s` says when to try again if the API said so."""

    code = "throttled"
    transient = True


class ServerError(ApiError):
    """5xx from the API."""

    code = "server_error"
    transient = True


class ApiTimeout(ApiError):
    """No answer in time. For a cancel POST this means the outcome is unknown: check the operations list."""

    code = "timeout"
    transient = True


class ApiConnectionError(ApiError):
    """The API could not be reached at all."""

    code = "connection_error"
    transient = True


class InvalidResponse(ApiError):
    """The API answered with something that is not what the documentation describes (bad JSON, missing header)."""

    code = "invalid_response"


class MalformedResponse(InvalidResponse):
    """The answer's body is not JSON at all (truncated, an HTML page from a gateway): it says nothing about the
    request itself, so reading again can help."""

    transient = True


class UnsafeUrl(ApiError):
    """A URL the token must not be sent to (foreign host, scheme, user-info, or outside /api/publishers/)."""

    code = "unsafe_url"


class TokenUnavailable(ApiError):
    """azure-identity could not produce a token (for the CPP, or another audience such as Microsoft Graph)."""

    code = "token_unavailable"
