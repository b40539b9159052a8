"""Durable timers on the wall clock: one thread, one heap, a callback when a timer is due.

Timers are keyed so arming the same timer twice (a turn and a restart both re-arming it) schedules it once; the
engine re-checks on delivery that the timer is still wanted, so a stale or cancelled timer firing is harmless.
Waits are capped at a second so a wall-clock jump (laptop sleep, NTP) delays a timer by at most that much.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

log = logging.getLogger("devhost.timers")
MAX_WAIT_S = 1.0


class TimerQueue(Generic[K]):
    def __init__(self, on_due: Callable[[K], None], clock: Callable[[], datetime]) -> None:
        self._on_due = on_due
        self._clock = clock
        self._heap: list[tuple[datetime, int, K]] = []
        self._armed: set[K] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="devhost-timers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def arm(self, key: K, fire_at: datetime) -> None:
        with self._cond:
            if key in self._armed or self._stopped:
                return
            self._armed.add(key)
            heapq.heappush(self._heap, (fire_at, next(self._seq), key))
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    self._cond.wait()
                    continue
                fire_at, _, key = self._heap[0]
                delay = (fire_at - self._clock()).total_seconds()
                if delay > 0:
                    self._cond.wait(min(delay, MAX_WAIT_S))
                    continue
                heapq.heappop(self._heap)
                self._armed.discard(key)
                self._cond.release()
                try:
                    self._on_due(key)
                except Exception:
                    log.exception("delivering timer %s failed", key)
                finally:
                    self._cond.acquire()
