"""The one way the app builds a Slack Web API client (configured base URL, bot token, slack_sdk's retry handlers),
and the one reading of what a failed Web API call means.

Rate limits (HTTP 429 `ratelimited` with Retry-After) and dropped connections are retried by slack_sdk itself
rather than by hand; anything longer than a short wait is surfaced to the caller (the durable watcher waits on a
timer instead of blocking a worker).

The durable activities that post to Slack (the cancel report, the watcher's updates) sort a failure into three
kinds, each handled where it can be handled best: rate limited (`retry_after_s`: wait on a durable timer),
transient (`is_transient`: raise `SlackTransientError`, so that call_activity_with_retry tries again), or permanent
(channel gone, bot removed, token revoked: returned as a value, since retrying cannot help).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from cppcancel.settings import Settings

WEB_API_TIMEOUT_S = 10


@functools.cache
def web_client(settings: Settings) -> WebClient:
    """Cached per settings object: WebClient keeps a connection pool worth reusing across invocations."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_base_url,
        timeout=WEB_API_TIMEOUT_S,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )


TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class SlackTransientError(RuntimeError):
    """A Slack failure worth retrying; activities raise it so that call_activity_with_retry does."""


def error_code(exc: SlackApiError) -> str:
    """Slack's `error` word (`not_in_channel`, `ratelimited`, ...), or `unknown_error`."""
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, Mapping) else None
    return str(error or "unknown_error")


def retry_after_s(exc: SlackApiError) -> float | None:
    """For a rate limit, how long to wait (Retry-After, at least 1 s); None for any other failure."""
    if getattr(exc.response, "status_code", None) != 429 and error_code(exc) != "ratelimited":
        return None
    headers: Mapping[str, Any] = getattr(exc.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(1.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                break
    return 1.0


def is_transient(exc: SlackApiError) -> bool:
    """A 5xx or one of Slack's own "try again" errors."""
    status = getattr(exc.response, "status_code", 200)
    return (isinstance(status, int) and status >= 500) or error_code(exc) in TRANSIENT_ERRORS
