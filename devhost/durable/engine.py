"""Run orchestrations the way the Durable extension does for out-of-process languages, on top of `replay`.

Each instance's state lives in SQLite (`DurableStore`); every change is committed before it is acted on. Per
instance there is one lock, so exactly one thing happens to an instance at a time: a turn (call the orchestrator with
the history, record the actions it asked for), or the delivery of a result (activity finished, timer fired, event
raised) which is appended and then triggers the next turn. Activities run in a worker pool, timers on a timer
thread using the wall clock (both in `work`); what they report is appended here. On start, every live
instance is picked up again: activities it was waiting for are run again (at-least-once, as in Azure), timers
re-armed, undelivered events replayed into a turn. What the client operations refuse is in `errors`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from devhost.durable.errors import (
    InstanceAlreadyRunning,
    InstanceGone,
    InstanceNotFound,
    InstanceStillRunning,
    OrchestratorNotFound,
    validate_instance_id,
)
from devhost.durable.replay import Orchestration, parse_iso
from devhost.durable.store import RUNNING_STATES, DurableStore, InstanceRecord
from devhost.durable.work import Applies, Apply, WorkDispatcher, WorkKey

log = logging.getLogger("devhost.durable")


def utc_now() -> datetime:
    return datetime.now(UTC)


class OrchestrationRunner(Protocol):
    """What the engine needs from the functions host."""

    def has_orchestrator(self, name: str) -> bool: ...

    def run_orchestrator(self, name: str, context_json: str) -> str: ...

    def run_activity(self, name: str, input_json: str | None) -> str: ...


class DurableEngine:
    def __init__(
        self,
        store: DurableStore,
        runner: OrchestrationRunner,
        *,
        clock: Callable[[], datetime] = utc_now,
        activity_workers: int = 8,
        orchestrator_workers: int = 4,
    ) -> None:
        self.store = store
        self._runner = runner
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._mu = threading.Lock()  # guards the sets below and _running
        self._scheduled: set[str] = set()
        self._dirty: set[str] = set()
        self._running = False
        self._changed = threading.Condition()
        self._turns = ThreadPoolExecutor(orchestrator_workers, thread_name_prefix="devhost-orchestrator")
        self._work = WorkDispatcher(runner, self._deliver, clock, is_running=self._is_running, workers=activity_workers)

    # ---- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> int:
        """Start working and resume every live instance; returns how many were resumed."""
        with self._mu:
            self._running = True
        self._work.start()
        live = self.store.live()
        for record in live:
            with self._instance_lock(record.instance_id):
                orchestration = Orchestration.from_json(record.state)
                self._work.dispatch(record, orchestration)
            if orchestration.has_work or record.runtime_status == "Pending":
                self._request_turn(record.instance_id)
        if live:
            log.info("resumed %d live orchestration instance(s)", len(live))
        return len(live)

    def stop(self) -> None:
        """Stop taking work. Running activities are abandoned (their results are dropped, and they run again on
        the next start - at-least-once); turns in progress finish, so the store is never left mid-write."""
        with self._mu:
            self._running = False
        self._work.stop_timers()
        self._turns.shutdown(wait=True, cancel_futures=True)
        self._work.abandon_activities()
        with self._locks_guard:
            locks = list(self._locks.values())
        for lock in locks:  # wait out deliveries that were already writing
            with lock:
                pass

    # ---- client operations (the HTTP API calls these) -------------------------------------------------------
    def start_new(self, name: str, instance_id: str | None, input_json: str | None) -> str:
        if not self._runner.has_orchestrator(name):
            raise OrchestratorNotFound(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function."
            )
        instance_id = instance_id or uuid.uuid4().hex
        validate_instance_id(instance_id)
        now = self._clock()
        record = InstanceRecord(
            instance_id=instance_id,
            name=name,
            execution_id=uuid.uuid4().hex,
            runtime_status="Pending",
            input_json=input_json,
            output_json=None,
            custom_status_json=None,
            created_time=now,
            last_updated_time=now,
            state=Orchestration(instance_id, name, input_json).to_json(),
        )
        with self._instance_lock(instance_id):
            existing = self.store.create_unless_running(record)
        if existing is not None:
            raise InstanceAlreadyRunning(instance_id, existing.runtime_status)
        log.info("started %s (%s)", instance_id, name)
        self._notify()
        self._request_turn(instance_id)
        return instance_id

    def raise_event(self, instance_id: str, event_name: str, input_json: str | None) -> None:
        """Deliver an external event; one that arrives before the orchestrator waits for it stays in the history
        and the SDK hands it over when the wait is reached, as with DTFx."""
        with self._instance_lock(instance_id):
            record = self._live_record(instance_id)
            orchestration = Orchestration.from_json(record.state)
            orchestration.raise_event(event_name, input_json, self._now(orchestration))
            self._save(record, orchestration)
        log.info("event %r raised on %s", event_name, instance_id)
        self._request_turn(instance_id)

    def terminate(self, instance_id: str, reason: str | None) -> None:
        with self._instance_lock(instance_id):
            record = self._live_record(instance_id)
            record.runtime_status = "Terminated"
            record.output_json = json.dumps(reason)
            record.last_updated_time = self._clock()
            self.store.put(record)
        log.info("terminated %s: %s", instance_id, reason)
        self._notify()

    def purge(self, instance_id: str) -> None:
        with self._instance_lock(instance_id):
            record = self.store.get(instance_id)
            if record is None:
                raise InstanceNotFound(instance_id)
            if not record.is_terminal:
                raise InstanceStillRunning(
                    f"Only orchestrations in a terminal state can be purged, but {instance_id} is "
                    f"{record.runtime_status}"
                )
            self.store.delete(instance_id)

    def get(self, instance_id: str) -> InstanceRecord | None:
        return self.store.get(instance_id)

    def query(
        self,
        *,
        statuses: Sequence[str] = (),
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        prefix: str | None = None,
    ) -> list[InstanceRecord]:
        return self.store.query(statuses=statuses, created_from=created_from, created_to=created_to, prefix=prefix)

    def wait_for(self, predicate: Callable[[DurableEngine], bool], timeout: float, poll_s: float = 0.05) -> bool:
        """Block until `predicate(engine)` holds or `timeout` passes (tests and the demo use this)."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                self._changed.wait(min(poll_s, remaining))
        return True

    def activities_in_flight(self) -> int:
        """Activities started and not yet delivered: zero means no side effect of this engine is under way."""
        return self._work.in_flight()

    def wait_for_instance(self, instance_id: str, timeout: float) -> InstanceRecord | None:
        """The instance once it is terminal, or whatever it is when `timeout` passes (None if unknown)."""

        def done(engine: DurableEngine) -> bool:
            found = engine.get(instance_id)
            return found is not None and found.is_terminal

        self.wait_for(done, timeout)
        return self.get(instance_id)

    # ---- turns ----------------------------------------------------------------------------------------------
    def _request_turn(self, instance_id: str) -> None:
        """Coalesce: at most one turn queued or running per instance; a request during a turn runs one more."""
        with self._mu:
            if not self._running:
                return
            if instance_id in self._scheduled:
                self._dirty.add(instance_id)
                return
            self._scheduled.add(instance_id)
        try:
            self._turns.submit(self._turn_loop, instance_id)
        except RuntimeError:  # shutting down
            with self._mu:
                self._scheduled.discard(instance_id)

    def _turn_loop(self, instance_id: str) -> None:
        while True:
            with self._mu:
                self._dirty.discard(instance_id)
            try:
                self._turn(instance_id)
            except Exception:
                log.exception("orchestration turn for %s failed in the dev host", instance_id)
            with self._mu:
                if instance_id in self._dirty and self._running:
                    continue
                self._scheduled.discard(instance_id)
                return

    def _turn(self, instance_id: str) -> None:
        with self._instance_lock(instance_id):
            if not self._is_running():
                return
            record = self.store.get(instance_id)
            if record is None or record.is_terminal:
                return
            orchestration = Orchestration.from_json(record.state)
            if not orchestration.has_work:
                return
            now = self._now(orchestration)
            try:
                turn = orchestration.run(partial(self._runner.run_orchestrator, record.name), now)
            except Exception as exc:  # the host could not run it at all: unknown function, unsupported action
                log.exception("orchestrator %s (%s) could not run", record.name, instance_id)
                record.runtime_status = "Failed"
                record.output_json = json.dumps(f"Orchestrator function '{record.name}' failed: {exc}")
                record.last_updated_time = now
                self.store.put(record)
                self._notify()
                return
            if turn.custom_status is not None:
                record.custom_status_json = json.dumps(turn.custom_status)
            previous = record.runtime_status
            if turn.failed:
                record.runtime_status = "Failed"
                record.output_json = json.dumps(f"Orchestrator function '{record.name}' failed: {turn.error}")
            elif turn.continue_as_new:
                record.runtime_status = "Running"
                record.input_json = turn.new_input_json
            elif turn.done:
                record.runtime_status = "Completed"
                record.output_json = json.dumps(turn.output)
            else:
                record.runtime_status = "Running"
            self._save(record, orchestration)
            if record.runtime_status in RUNNING_STATES:
                self._work.dispatch(record, orchestration)
        if record.runtime_status != previous or turn.continue_as_new:
            log.info(
                "%s (%s) %s",
                instance_id,
                record.name,
                "continued as new" if turn.continue_as_new else record.runtime_status,
            )
        if turn.failed:
            log.warning("%s (%s) failed: %s", instance_id, record.name, turn.error)
        if turn.continue_as_new:
            self._request_turn(instance_id)

    # ---- deliveries -----------------------------------------------------------------------------------------
    def _deliver(self, key: WorkKey, applies: Applies, apply: Apply) -> bool:
        """Append a result to the instance it belongs to - unless that instance has moved on (finished, replaced,
        continued as new, or already has the result) - then ask for a turn."""
        with self._instance_lock(key.instance_id):
            if not self._is_running():
                return False
            record = self.store.get(key.instance_id)
            if record is None or record.is_terminal or record.execution_id != key.execution_id:
                return False
            orchestration = Orchestration.from_json(record.state)
            if orchestration.generation != key.generation or not applies(orchestration):
                return False
            apply(orchestration, self._now(orchestration))
            self._save(record, orchestration)
        self._request_turn(key.instance_id)
        return True

    # ---- helpers --------------------------------------------------------------------------------------------
    @contextmanager
    def _instance_lock(self, instance_id: str) -> Iterator[None]:
        with self._locks_guard:
            lock = self._locks.setdefault(instance_id, threading.Lock())
        with lock:
            yield

    def _is_running(self) -> bool:
        with self._mu:
            return self._running

    def _live_record(self, instance_id: str) -> InstanceRecord:
        record = self.store.get(instance_id)
        if record is None:
            raise InstanceNotFound(f"No instance with ID {instance_id} found.")
        if record.is_terminal:
            raise InstanceGone(f"Instance {instance_id} is {record.runtime_status}.")
        return record

    def _save(self, record: InstanceRecord, orchestration: Orchestration) -> None:
        record.state = orchestration.to_json()
        record.last_updated_time = self._clock()
        self.store.put(record)
        self._notify()

    def _now(self, orchestration: Orchestration) -> datetime:
        """The wall clock, but never earlier than the history's last event: replayed time must not go backwards."""
        now = self._clock()
        for event in orchestration.history[-1:] + orchestration.new_events[-1:]:
            now = max(now, parse_iso(str(event["Timestamp"])))
        return now

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()
