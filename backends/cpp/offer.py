"""An offer's operations on the Cloud Partner Portal, as the CPP backend's `look` reads them (`read_offer`).

The submissions list carries no steps, so the operation in focus (the one in flight, else the newest) is read again
on its own, best effort within the same deadline; when that second read runs out of time the view says so
(`incomplete`), so a caller that owes the person the steps can answer later instead. Inside a request a person waits
for, the reads run within its deadline (`backends.http.within`) on a client with short timeouts and no retries (a
person can retry; a timeout helps nobody); without a deadline they run on the caller's thread, bounded by the
client's own timeouts and retries, so nothing is left running when an activity returns.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import quote

from backends.cpp.client import CppClient
from backends.cpp.urlguard import SERVICE
from backends.http import errors
from backends.http.operation import Operation
from backends.http.within import within

log = logging.getLogger(__name__)

_T = TypeVar("_T")


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


def operation_path(publisher_id: str, offer_id: str, operation_id: str) -> str:
    """The API path of one operation of an offer (to be resolved against the base URL by the client)."""
    parts = (quote(part, safe="") for part in (publisher_id, offer_id, operation_id))
    return "/api/publishers/{}/offers/{}/operations/{}".format(*parts)


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
    """The list (required: ApiError otherwise) and the focus operation's own record (best effort), within
    `deadline` (time.monotonic()) when one is given, else on this thread."""

    def run(call: Callable[[], _T]) -> _T:
        return call() if deadline is None else within(deadline, call, SERVICE)

    return _read(client, publisher_id, offer_id, run)


def _read(client: CppClient, publisher_id: str, offer_id: str, run: _Runner) -> OfferView:
    operations = tuple(run(lambda: client.list_operations(publisher_id, offer_id)))
    focus = pick_focus(operations)
    if focus is None or focus.steps or not focus.id:
        return OfferView(operations, focus)
    try:
        url = client.resolve_operation_url(operation_path(publisher_id, offer_id, focus.id))
        detail = run(lambda: client.get_operation(url))
    except errors.ApiError as exc:
        log.info("operation detail of %s/%s unavailable: %s", publisher_id, offer_id, exc.code)
        return OfferView(operations, focus, incomplete=isinstance(exc, errors.ApiTimeout))
    return OfferView(operations, dataclasses.replace(detail, publisher_id=publisher_id, offer_id=offer_id))
