"""The Cloud Partner Portal as a `backends.base.Backend`: an offer's in-flight publish (`PublishTarget`).

The cancel is `POST .../offers/{offerId}/cancel` (200: cancelled at once; 202: the operation to follow, from
`Operation-Location`); the reachability read before it is the offer's submissions list. A 202 whose operation this
app may not follow (none named, or on another origin) was still taken by the Partner Portal: it is recorded as
accepted - saying "failed" would invite a second cancel - and nobody follows it. The HTTP client (requests) is
imported when a cancel or a read runs, never by importing this module.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from backends.base import Asker, ClientSender, Look, PollResult, Refusal, Running
from backends.http import errors
from cppcancel.error_info import ErrorInfo
from cppcancel.times import parse_iso

if TYPE_CHECKING:
    from backends.base import Backend
    from backends.cpp.client import CppClient
    from cppcancel.contracts import CancelRequest, WatchRequest
    from cppcancel.sending import Posted
    from cppcancel.settings import Settings
    from cppcancel.targets import Target

log = logging.getLogger(__name__)

SERVICE = "the Partner Portal"
QUICK_READ_TIMEOUT_S = (2.0, 5.0)  # connect, read: a look at the offer must not hold the story up for long
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


INTERACTIVE_TIMEOUT_S = (1.0, 1.8)  # connect, read: within a request a person waits for (Slack's 3 s)


@functools.lru_cache(maxsize=4)
def _interactive(settings: Settings) -> CppClient:
    """Short timeouts and no retries, but the app's one token provider (and so its cached managed-identity token);
    one per settings, shared by the requests a person waits for."""
    from backends.cpp.client import CppClient

    return CppClient.from_settings(settings, limits=settings.cpp_limits.quick(*INTERACTIVE_TIMEOUT_S))


def _client(settings: Settings, *, quick: bool = False) -> CppClient:
    from backends.cpp.client import CppClient

    limits = settings.cpp_limits.quick(*QUICK_READ_TIMEOUT_S) if quick else None
    return CppClient.from_settings(settings, limits=limits)


class CppSender(ClientSender):
    """One cancel of an offer's publish on one Partner Portal session."""

    def __init__(self, settings: Settings, target: Target) -> None:
        self._target = target
        self._client = _client(settings)
        super().__init__(self._client)

    def reachable(self) -> ErrorInfo | None:
        """Retried on refused connections, as the POST would be. A host that dies during these retries leaves the
        record at `recorded`, so its re-run still sends the cancel; only the POST itself is the window where a
        re-run must not."""
        try:
            self._client.list_operations(self._target.publisher_id, self._target.offer_id)
        except errors.ApiError as exc:
            if exc.code == "connection_error" and not exc.outcome_unknown:
                return exc.error_info()
        return None

    def post(self, request: CancelRequest) -> Posted:
        # not on a slash command's ack path (cold start)
        from cppcancel.sending import Answer, Failed, Posted, Sent

        target = self._target
        try:
            result = self._client.cancel(target.publisher_id, target.offer_id, request.notification_emails)
        except errors.ApiError as exc:
            # A 202 the app may not follow (no operation, or one the token must not go to) was still taken.
            taken: Literal["accepted", "failed"] = "accepted" if exc.status_code == 202 else "failed"
            return Posted(Failed(exc.error_info()), Answer(taken, exc.status_code, message=exc.describe()))
        sent = Sent(result.outcome, result.status_code, result.operation_url, result.retry_after_s)
        return Posted(sent, Answer(result.outcome, result.status_code, result.operation_url))


class CppBackend:
    """The Cloud Partner Portal (maintenance mode), for offers integrated before the move to Partner Center."""

    service = SERVICE

    def sender(self, settings: Settings, target: Target) -> CppSender:
        return CppSender(settings, target)

    def to_follow(self, settings: Settings, target: Target) -> str | None:
        """The offer's in-flight publish, else its latest one, so that a story that must not send again still ends
        with a final message. None when the offer cannot be read quickly (or has no publish)."""
        client = _client(settings, quick=True)
        try:
            operations = client.list_operations(target.publisher_id, target.offer_id)
            # The docs give the list no order: the latest is the one that changed last (in flight wins).
            chosen = next((op for op in operations if op.is_in_flight), None) or max(
                operations, key=lambda op: parse_iso(op.last_action_at or op.created_at) or _EPOCH, default=None
            )
            if chosen is None or not chosen.id:
                return None
            from backends.cpp.offer import operation_path

            return client.resolve_operation_url(operation_path(target.publisher_id, target.offer_id, chosen.id))
        except errors.ApiError:
            return None
        finally:
            client.close()

    # -- reading, for the chats --------------------------------------------------------------------------------------

    def look(self, settings: Settings, target: Target, *, deadline: float | None = None) -> Look:
        """The offer's operations and the one in focus (in flight, else the newest) with its steps."""
        from backends.cpp.offer import read_offer

        if deadline is None:
            client = _client(settings)
            try:
                view = read_offer(client, target.publisher_id, target.offer_id)
            finally:
                client.close()
        else:
            view = read_offer(_interactive(settings), target.publisher_id, target.offer_id, deadline=deadline)
        return Look(view.focus, view.operations, view.incomplete)

    def running(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running]:
        """The Partner Portal is asked, never recorded: nothing is known to run without a read."""
        return []

    def offer_claim(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running] | None:
        """An offer named alone is its publish, as it always was: nothing to claim."""
        return None

    def refusal(self, settings: Settings, target: Target, asker: Asker) -> Refusal | None:
        """An offer's publish is the offer's: the policy on it is all there is."""
        return None

    # -- watching ------------------------------------------------------------------------------------------------------

    poll_activity = "poll_operation"

    def poll_input(self, watch: WatchRequest) -> dict[str, Any]:
        return {"operationUrl": watch.operation_url}

    def follow(self, settings: Settings, data: Mapping[str, Any]) -> PollResult:
        """GET the operation once (its URL is checked again: it comes from durable state)."""
        client = _client(settings)
        try:
            poll = client.poll_operation(str(data.get("operationUrl") or ""))
        except errors.ApiError as exc:
            log.warning("operation poll failed: %s", exc.describe())
            return PollResult(False, error=exc.error_info(), retry_after_s=exc.retry_after_s)
        finally:
            client.close()
        return PollResult(True, poll.operation, poll.retry_after_s)

    def watch_ended(self, settings: Settings, watch: WatchRequest, ending: Mapping[str, Any]) -> None:
        """Nothing of the Partner Portal's is kept beyond the lock, which the watcher's end releases itself."""


BACKEND: Backend = CppBackend()
