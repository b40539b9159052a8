"""Running a blocking API call within a deadline (`time.monotonic()`), on a small shared pool: for reads a person
waits for (a Slack request's 3 s), where abandoning a GET that runs late changes nothing (it ends on its own socket
timeouts). Past the deadline the caller gets an `ApiTimeout`."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from typing import TypeVar

from backends.http import errors
from cppcancel.pools import shared_pool

_T = TypeVar("_T")


def within(deadline: float, call: Callable[[], _T], service: str) -> _T:
    """`call()` if it answers before `deadline`; ApiTimeout (naming `service`) otherwise."""
    future = shared_pool("api-read", 8).submit(call)
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except concurrent.futures.TimeoutError:
        who = service[:1].upper() + service[1:]
        raise errors.ApiTimeout(f"{who} did not answer in time for Slack's 3-second limit.") from None
