"""Figure 3, part 2: one configure job, two watchers - its registration's and a cancel's - on a simulated clock.

A pipeline registers a job at t = 0 (its watcher starts at once); ten minutes later someone cancels it, the cancel
is answered and a second watcher starts; the job completes (`cancelled`) four minutes after that. Both watchers run
the watcher's real decisions (`watch_logic.after_poll`) and read through the real `job_pace.paced_poll` against
SQLite, interleaved in time order. Three ways, same job:

- **shared pace** (the app): both watchers claim reads in the job's one row, the cancel's answer counted;
- **each its own pace**: each watcher keeps the minimum interval for itself only (a row of its own);
- **no pace** (before issue #22): each watcher reads whenever its schedule says, from 15 s.

Reported: status reads of the job, the least time between two reads of it, reads within the minimum interval of the
previous read or of the cancel's answer, and when each watcher showed the end.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from benchmarks.polling_sim import IN_MEMORY, JOB_FLOOR_S, watch_request
from benchmarks.timelines import T0
from cppcancel.schedule import ScheduleParams
from poll_function.job_pace import JobPoll, paced_poll
from poll_function.watch_logic import after_poll, begin, with_params
from poll_function.watch_state import WatchState
from product_ingestion.models import ConfigureStatus
from record_store.sqlite import SqliteRecordStore

CANCEL_AT_S = 600.0
ENDS_AT_S = 840.0
REGISTERED, CANCELS = "registration's watcher", "cancel's watcher"
LABELS = ("shared pace (the app)", "each watcher its own pace", "no pace (before issue #22)")


def status_at(t_s: float) -> ConfigureStatus:
    ended = t_s >= ENDS_AT_S
    return ConfigureStatus.from_json(
        {
            "jobId": "job-1",
            "jobStatus": "completed" if ended else "running",
            "jobResult": "cancelled" if ended else "pending",
        }
    )


@dataclass
class PaceRun:
    label: str
    floor_s: float
    reads: list[float] = field(default_factory=list)  # when the job was read, by either watcher
    ends_seen: dict[str, float] = field(default_factory=dict)

    @property
    def min_gap_s(self) -> float:
        times = sorted(self.reads)
        return min((b - a for a, b in itertools.pairwise(times)), default=float("inf"))

    @property
    def too_soon(self) -> int:
        """Reads within the minimum interval of the previous read, or of the cancel's answer."""
        times = sorted(self.reads)
        early = sum(1 for a, b in itertools.pairwise(times) if b - a < JOB_FLOOR_S)
        return early + sum(1 for t in times if CANCEL_AT_S <= t < CANCEL_AT_S + JOB_FLOOR_S)


def _watcher(
    store: SqliteRecordStore, run: PaceRun, name: str, row: str, answered: float | None
) -> Callable[..., float | None]:
    """One watcher: poll at `now_s`, return its next poll time (None: it saw the end)."""
    request, started = begin(watch_request("job-1"), WatchState(), T0 + timedelta(seconds=answered or 0.0))
    state = with_params(WatchState(), ScheduleParams(), started)
    poll = JobPoll(row, name, run.floor_s, T0 + timedelta(seconds=answered) if answered is not None else None)

    def step(now_s: float) -> float | None:
        nonlocal state

        def read() -> tuple[ConfigureStatus, float | None]:
            run.reads.append(now_s)
            return status_at(now_s), None

        result = paced_poll(store, poll, T0 + timedelta(seconds=now_s), read)
        decision = after_poll(request, state, result, started, T0 + timedelta(seconds=now_s))
        state = decision.state
        if decision.view.is_final:
            run.ends_seen[name] = now_s
            return None
        return now_s + decision.delay_s

    return step


def play(label: str) -> PaceRun:
    shared, paced = label == LABELS[0], label != LABELS[2]
    run = PaceRun(label, JOB_FLOOR_S if paced else 1e-6)
    store = SqliteRecordStore(IN_MEMORY)
    try:
        watchers = {
            REGISTERED: _watcher(store, run, REGISTERED, "job-1" if shared else "row-a", None),
            CANCELS: _watcher(store, run, CANCELS, "job-1" if shared else "row-b", CANCEL_AT_S),
        }
        queue = [(0.0, REGISTERED), (CANCEL_AT_S, CANCELS)]
        while queue:
            now_s, name = heapq.heappop(queue)
            following = watchers[name](now_s)
            if following is not None:
                heapq.heappush(queue, (following, name))
    finally:
        store.close()
    return run


def play_all() -> list[PaceRun]:
    return [play(label) for label in LABELS]
