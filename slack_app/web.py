"""The one way the app builds a Slack Web API client: configured base URL, bot token, and slack_sdk's retry handlers.

Rate limits (HTTP 429 `ratelimited` with Retry-After) and dropped connections are retried by slack_sdk itself
rather than by hand; anything longer than a short wait is surfaced to the caller (the durable watcher waits on a
timer instead of blocking a worker).
"""

from __future__ import annotations

import functools

from slack_sdk import WebClient
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
