"""Run what an orchestration instance waits for - activities in a worker pool, timers on the timer thread - and hand
each outcome back to the engine.

This part of the engine never reads or writes the store: it starts work and reports results through `deliver`,
which decides under the instance lock whether a result still applies. Every piece of work is keyed by `WorkKey`
(instance, execution, generation, task), so an activity already under way is not started a second time, and a
result for an instance that has moved on in the meantime is recognised and dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from devhost.durable.replay import Orchestration
from devhost.durable.store import InstanceRecord
from devhost.durable.timers import TimerQueue

log = logging.getLogger("devhost.durable")


@dataclass(frozen=True)
class WorkKey:
    """Identifies one activity or timer of one generation of one execution, so stale results can be dropped."""

    instance_id: str
    execution_id: str
    generation: int
    task_id: int


class ActivityRunner(Protocol):
    """What running an activity needs from the functions host."""

    def run_activity(self, name: str, input_json: str | None) -> str: ...


# Whether a result still fits the orchestration as it is now, and how to append it.
Applies = Callable[[Orchestration], bool]
Apply = Callable[[Orchestration, datetime], None]
Deliver = Callable[[WorkKey, Applies, Apply], bool]


class WorkDispatcher:
    """Starts activities and arms timers for the engine, each at most once at a time per `WorkKey`.

    `is_running` is the engine's own flag, so that there is one answer to "may new work start?": once the engine
    stops, no activity is submitted, whichever thread asks.
    """

    def __init__(
        self,
        runner: ActivityRunner,
        deliver: Deliver,
        clock: Callable[[], datetime],
        *,
        is_running: Callable[[], bool],
        workers: int,
    ) -> None:
        self._runner = runner
        self._deliver = deliver
        self._is_running = is_running
        self._mu = threading.Lock()  # guards _inflight
        self._inflight: set[WorkKey] = set()
        self._activities = ThreadPoolExecutor(workers, thread_name_prefix="devhost-activity")
        self._timers: TimerQueue[WorkKey] = TimerQueue(self._fire_timer, clock)

    def start(self) -> None:
        self._timers.start()

    def stop_timers(self) -> None:
        """First step of the engine's stop: no timer fires any more."""
        self._timers.stop()

    def abandon_activities(self) -> None:
        """Last step of the engine's stop, once turns are done: queued activities are dropped, running ones are not
        waited for (their results are refused, and they run again on the next start - at-least-once)."""
        self._activities.shutdown(wait=False, cancel_futures=True)

    def in_flight(self) -> int:
        """Activities started and not yet delivered."""
        with self._mu:
            return len(self._inflight)

    def dispatch(self, record: InstanceRecord, orchestration: Orchestration) -> None:
        """Start what the instance waits for and is not already under way. The engine calls this with the instance
        lock held, so a result cannot be delivered between reading the state and deciding what to start."""
        for call in orchestration.pending_activities.values():
            key = WorkKey(record.instance_id, record.execution_id, orchestration.generation, call.task_id)
            with self._mu:
                if not self._is_running() or key in self._inflight:
                    continue
                self._inflight.add(key)
            try:
                self._activities.submit(self._run_activity, key, call.name, call.input_json)
            except RuntimeError:
                with self._mu:
                    self._inflight.discard(key)
        for timer in orchestration.pending_timers.values():
            key = WorkKey(record.instance_id, record.execution_id, orchestration.generation, timer.task_id)
            self._timers.arm(key, timer.fire_at)

    def _run_activity(self, key: WorkKey, name: str, input_json: str | None) -> None:
        started = time.monotonic()
        try:
            result = self._runner.run_activity(name, input_json)
        except Exception as exc:
            reason = str(getattr(exc, "reason", "") or f"Activity function '{name}' failed: {exc}")
            details = str(getattr(exc, "details", "") or type(exc).__name__)
            log.debug("activity %s for %s failed: %s", name, key.instance_id, reason)
            self._deliver(
                key,
                lambda o: key.task_id in o.pending_activities,
                lambda o, now: o.fail_activity(key.task_id, reason, details, now),
            )
        else:
            log.debug("activity %s for %s done in %.0f ms", name, key.instance_id, (time.monotonic() - started) * 1e3)
            self._deliver(
                key,
                lambda o: key.task_id in o.pending_activities,
                lambda o, now: o.complete_activity(key.task_id, result, now),
            )
        finally:
            # Only after the result is in the store: until then a turn must not start this activity again.
            with self._mu:
                self._inflight.discard(key)

    def _fire_timer(self, key: WorkKey) -> None:
        def fire(orchestration: Orchestration, now: datetime) -> None:
            fire_at = orchestration.pending_timers[key.task_id].fire_at
            orchestration.fire_timer(key.task_id, max(now, fire_at))

        self._deliver(key, lambda o: key.task_id in o.pending_timers, fire)
