"""Reading an offer's operations inside a Slack request: short timeouts, no retries, one overall deadline.

Slack gives a slash command 3 seconds. The Partner Portal may take much longer, so the read runs on a small thread
pool and the caller waits at most `CPP_BUDGET_S` for all of it; past that it gets a `ApiTimeout` (the read ends on
its own socket timeouts - it is a GET, so abandoning it changes nothing). The client used here is built from the
app's settings with tighter timeouts and no retries: a person can retry; a Slack timeout helps nobody.

The submissions list carries no steps, so the operation in focus (the one in flight, else the newest) is read
again on its own, best effort within the same deadline; when that second read runs out of time the view says so
(`incomplete`), so a caller that owes the person the steps can answer later instead (`slack_app.later`).

`read_offer_fully` is the same read for the durable follow-up (`slack_app.later_answer`): on the caller's own
thread, bounded by the client's own timeouts and retries, so nothing is left running when the activity returns.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import quote

from backends.cpp.client import CppClient
from backends.http import errors
from backends.http.operation import Operation
from cppcancel.settings import Settings

log = logging.getLogger("slack_app.offers")

CPP_BUDGET_S = 2.0  # everything the Partner Portal may take inside one Slack request
CPP_CONNECT_TIMEOUT_S = 1.0
CPP_READ_TIMEOUT_S = 1.8
_T = TypeVar("_T")

_pool_lock = threading.Lock()
_pool: concurrent.futures.ThreadPoolExecutor | None = None


def interactive_client(settings: Settings) -> CppClient:
    """Short timeouts and no retries, but the app's one token provider (and so its cached managed-identity token)."""
    return CppClient.from_settings(
        settings, limits=settings.cpp_limits.quick(CPP_CONNECT_TIMEOUT_S, CPP_READ_TIMEOUT_S)
    )


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="cpp-read")
        return _pool


def _within(deadline: float, call: Callable[[], _T]) -> _T:
    future = _executor().submit(call)
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except concurrent.futures.TimeoutError:
        raise errors.ApiTimeout("The Partner Portal did not answer in time for Slack's 3-second limit.") from None


within = _within  # for the configure-job reads (slack_app.jobs), under the same budget


@dataclass(frozen=True)
class OfferView:
    """An offer's operations as listed (newest first, as the API orders them), the focus one in detail."""

    operations: tuple[Operation, ...]
    focus: Operation | None
    incomplete: bool = False  # the focus operation's own record (its steps) could not be read in time

    @property
    def in_flight(self) -> Operation | None:
        return self.focus if self.focus is not None and self.focus.is_in_flight else None

    def listed(self) -> list[Operation]:
        """The list, with the focus operation replaced by its detailed read."""
        focus = self.focus
        return [focus if focus is not None and op.id == focus.id else op for op in self.operations]


def pick_focus(operations: Sequence[Operation]) -> Operation | None:
    """The in-flight operation (the API allows one), else the newest by its timestamps, else the first listed."""
    for operation in operations:
        if operation.is_in_flight:
            return operation
    if not operations:
        return None
    return max(operations, key=lambda op: op.created_at or op.last_action_at or "")


class _Runner(Protocol):
    """How one CPP call is run: within a deadline on the pool, or directly."""

    def __call__(self, call: Callable[[], _T]) -> _T: ...


def read_offer(client: CppClient, publisher_id: str, offer_id: str, *, deadline: float | None = None) -> OfferView:
    """The list (required: ApiError otherwise) and the focus operation's own record (best effort).

    `deadline` (time.monotonic()) is the Slack request's own: what a slow user-group lookup used up before is not
    given to the Partner Portal again. At most CPP_BUDGET_S either way.
    """
    budget_end = time.monotonic() + CPP_BUDGET_S
    end = budget_end if deadline is None else min(deadline, budget_end)

    def within(call: Callable[[], _T]) -> _T:
        return _within(end, call)

    return _read(client, publisher_id, offer_id, within)


def read_offer_fully(client: CppClient, publisher_id: str, offer_id: str) -> OfferView:
    """`read_offer` without a deadline, on this thread: for work that is not inside a Slack request."""

    def directly(call: Callable[[], _T]) -> _T:
        return call()

    return _read(client, publisher_id, offer_id, directly)


def _read(client: CppClient, publisher_id: str, offer_id: str, run: _Runner) -> OfferView:
    operations = tuple(run(lambda: client.list_operations(publisher_id, offer_id)))
    focus = pick_focus(operations)
    if focus is None or focus.steps or not focus.id:
        return OfferView(operations, focus)
    path = "/api/publishers/{}/offers/{}/operations/{}".format(
        *(quote(part, safe="") for part in (publisher_id, offer_id, focus.id))
    )
    try:
        url = client.resolve_operation_url(path)
        detail = run(lambda: client.get_operation(url))
    except errors.ApiError as exc:
        log.info("operation detail of %s/%s unavailable: %s", publisher_id, offer_id, exc.code)
        return OfferView(operations, focus, incomplete=isinstance(exc, errors.ApiTimeout))
    return OfferView(operations, dataclasses.replace(detail, publisher_id=publisher_id, offer_id=offer_id))
