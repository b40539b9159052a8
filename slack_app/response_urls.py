"""Where the app posts a response_url (pure): only to Slack.

A response_url comes inside a signed payload, but the app posts confirmations (with their Confirm value), click
replies and deferred answers to it, so it must not be able to point them anywhere. Slack sends
`https://hooks.slack.com/...` (shared/reference/slack.md): that origin is always accepted. When SLACK_API_BASE_URL
points somewhere other than Slack's own Web API - the dev host's stand-in, a test's - that URL's origin is accepted
as well, so the stand-ins work with no setting of their own. Anything else (another host, scheme or port, user-info)
is refused, logged by the caller, and never posted to.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_HOOKS_ORIGIN = ("https", "hooks.slack.com", 443)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or {"http": 80, "https": 443}.get(scheme)


def _is_slacks_own(origin: tuple[str, str, int | None]) -> bool:
    host = origin[1]
    return host == "slack.com" or host.endswith(".slack.com")


def usable_response_url(url: object, slack_api_base_url: str) -> str | None:
    """`url` when the app may post to it, else None."""
    if not isinstance(url, str) or not url:
        return None
    origin = _origin(url)
    if origin is None or not urlsplit(url).path.startswith("/"):
        return None
    if origin == SLACK_HOOKS_ORIGIN:
        return url
    base = _origin(slack_api_base_url)
    if base is not None and not _is_slacks_own(base) and origin == base:
        return url
    return None
