"""Where the bot's bearer token may go: only under the `serviceUrl` of an activity whose token was validated.

The Bot Connector tells the bot where to answer in each activity's `serviceUrl`, and the SDK posts there with the
app's token for `https://api.botframework.com/.default`. A `serviceUrl` is trusted only once the SDK has checked
the activity's JWT and found the same URL in its `serviceurl` claim (teams_app.functions_adapter refuses an
activity without one first). So the turn runs inside `towards(activity.service_url)` (`fence_turn`, the first
middleware of every activity), and `ServiceUrlFence` - an SDK HTTP middleware that runs before the token is even
resolved - refuses any request that is not under that URL's `/v3/` on the same scheme, host and port. Work outside
a turn (the watcher's updates, later) enters `towards(...)` with a service URL the app stored from a validated
activity; with none entered, nothing is sent at all.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from microsoft_teams.common.http import MiddlewareContext, MiddlewareNext, MiddlewareResult

log = logging.getLogger("teams_app.outbound")

_service_url: ContextVar[str | None] = ContextVar("teams_validated_service_url", default=None)


class OutboundRefused(RuntimeError):
    """A request the bot's token must not go with; nothing was sent."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme)


def allowed(url: str, service_url: str) -> bool:
    """Whether `url` is an API call under `service_url` (same origin, its path + `/v3/`, no user-info, no `..`)."""
    target, base = urlsplit(url), urlsplit(service_url)
    if target.username or target.password or _origin(url) != _origin(service_url):
        return False
    if ".." in target.path.split("/"):
        return False
    return target.path.startswith(base.path.rstrip("/") + "/v3/")


@contextlib.contextmanager
def towards(service_url: str) -> Iterator[None]:
    """Let the bot's requests go under `service_url` (a validated one) for the duration of the block."""
    token = _service_url.set(service_url)
    try:
        yield
    finally:
        _service_url.reset(token)


class ServiceUrlFence:
    """The SDK HTTP middleware (`Client.use`): anything but a call under the turn's validated serviceUrl raises
    OutboundRefused before the token is resolved or a byte is sent."""

    def send(self, context: MiddlewareContext, next: MiddlewareNext) -> MiddlewareResult:
        service_url = _service_url.get()
        if service_url is None or not allowed(context.url, service_url):
            log.error("refused to send a %s with the bot's token outside the validated serviceUrl", context.method)
            raise OutboundRefused(f"{context.method} outside the activity's validated serviceUrl was not sent")
        return next()


async def fence_turn(ctx: Any) -> None:
    """The first middleware of every activity: the rest of the turn may send only to its own serviceUrl (the
    handlers' answers reach the SDK through its chain, not through this return)."""
    with towards(str(ctx.activity.service_url)):
        await ctx.next()
