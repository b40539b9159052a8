"""The emulator's clocks: a protocol for one that can be moved, and a manual one that only moves when told.

Emulator time decides how far a publish or a cancel operation has got, so tests and benchmarks that must be
deterministic give the emulator a `ManualClock` and `advance()` it; the server itself only needs "a clock that may
have `advance`", which is `AdvanceableClock`.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable


@runtime_checkable
class AdvanceableClock(Protocol):
    def __call__(self) -> float: ...
    def advance(self, seconds: float) -> None: ...


class ManualClock:
    """A clock that only moves when told: deterministic tests and benchmarks. Epoch seconds (timestamps use it)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
