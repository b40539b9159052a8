"""Figure 3's engine: one watch followed on a simulated clock by the watcher's own decisions, or by a fixed interval.

What runs is the watcher's real code, minus the Durable plumbing: `watch_logic.after_poll` (fold a poll into the
state; the schedule's next delay), `plan_slack` / `after_slack` (call Slack only when the news changed), and for a
configure job `job_pace.paced_poll` against a real record store (SQLite in a temporary directory), so a job is read
exactly as `poll_job` reads it: at most once per minimum interval, the cancel's answer counted. The orchestrator
around these only sequences durable tasks, so this makes the decisions it makes; figure 4 replays the real
orchestrator on the 12 h timeline and checks that it polls as often as `simulate` says.

A fixed interval is the same loop with the delay replaced - never sooner than the API's Retry-After or a job's
minimum interval, so the baseline keeps the same rules as the schedule (fixed polling that ignored them would only
be refused).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from benchmarks.mixes import SHORT, Mix, Watch
from benchmarks.timelines import OPERATION_URL, T0, OperationTimeline
from cppcancel.contracts import Requester, SlackTarget, WatchRequest
from cppcancel.schedule import ScheduleParams
from cppcancel.times import parse_iso
from partner_portal.models import Operation
from poll_function.job_pace import JobPoll, paced_poll
from poll_function.payloads import PollResult, SlackResult
from poll_function.watch_logic import after_poll, after_slack, begin, deadline_of, with_params
from poll_function.watch_slack import plan_slack
from poll_function.watch_state import WatchState
from product_ingestion.models import ConfigureStatus
from record_store.sqlite import SqliteRecordStore

MESSAGE_TS = "1764061200.000100"
IN_MEMORY = ":memory:"  # sqlite3's name for a database that lives in the connection
JOB_FLOOR_S = 60.0  # INGESTION_MIN_POLL_INTERVAL_S's default: Microsoft's one read a minute
JOB_STATUS_URL = "https://graph.microsoft.com/rp/product-ingestion/configure/{job}/status?$version=2022-03-01-preview2"

# A strategy maps (the schedule's own delay, the poll's result, the simulated time) to the delay actually waited.
Strategy = Callable[[float, PollResult, float], float]


def adaptive(delay_s: float, result: PollResult, now_s: float) -> float:
    """The real schedule: the delay `after_poll` computed (Retry-After and a job's pace are already in it)."""
    return delay_s


def fixed(interval_s: float) -> Strategy:
    """The same interval whatever the operation says - but never sooner than Retry-After or a job's pace."""

    def strategy(delay_s: float, result: PollResult, now_s: float) -> float:
        allowed = parse_iso(result.next_read_at)
        pace = (allowed - T0).total_seconds() - now_s if allowed is not None else 0.0
        return max(interval_s, result.retry_after_s or 0.0, pace)

    return strategy


@dataclass
class WatchRun:
    """What one strategy did on one watch (or on several, summed)."""

    watches: int = 1
    reads: int = 0
    slack_calls: int = 0
    status_lags: list[float] = field(default_factory=list)
    progress_lags: list[float] = field(default_factory=list)
    end_lags: list[float] = field(default_factory=list)  # of 1-3 minute CPP cancels only

    def add(self, other: WatchRun) -> WatchRun:
        return WatchRun(
            self.watches + other.watches,
            self.reads + other.reads,
            self.slack_calls + other.slack_calls,
            self.status_lags + other.status_lags,
            self.progress_lags + other.progress_lags,
            self.end_lags + other.end_lags,
        )


def total(runs: Sequence[WatchRun]) -> WatchRun:
    result = WatchRun(watches=0)
    for run in runs:
        result = result.add(run)
    return result


def watch_request(job_id: str | None = None) -> WatchRequest:
    return WatchRequest(
        operation_url=JOB_STATUS_URL.format(job=job_id) if job_id else OPERATION_URL,
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requester=Requester(display="alice", user_id="U0ALICE", team_id="T0LOCAL"),
        correlation_id="bench",
        started_at=T0.isoformat().replace("+00:00", "Z"),
        slack=SlackTarget("C0RELEASES", MESSAGE_TS, None),
        job_id=job_id,
    )


class Source:
    """What a poll at a moment answers: the timeline's operation, or for a job its paced read (shared store)."""

    def __init__(self, store: SqliteRecordStore | None, jobs: Iterator[int]) -> None:
        self._store = store
        self._jobs = jobs

    def poller(self, watch: Watch) -> Callable[[float], tuple[PollResult, int | None]]:
        """A poll function for one watch: the result at `now_s`, and which change of the timeline it shows."""
        timeline = watch.timeline
        if watch.kind != "job" or self._store is None:
            answers = _answers(timeline)
            return lambda now: answers[timeline.at(now)[0]]
        store, job_id = self._store, f"job-{next(self._jobs):06d}"
        answered = T0 if watch.category != "registered configure job" else None
        poll = JobPoll(job_id, "watch", JOB_FLOOR_S, answered)
        seen: dict[str, int] = {}

        def job_poll(now_s: float) -> tuple[PollResult, int | None]:
            index, change = timeline.at(now_s)

            def read() -> tuple[ConfigureStatus, float | None]:
                seen["index"] = index
                return ConfigureStatus.from_json(_status_of(change.operation)), None

            result = paced_poll(store, poll, T0 + timedelta(seconds=now_s), read)
            return result, seen.get("index") if result.ok else None

        return job_poll


def _status_of(operation: Mapping[str, Any]) -> dict[str, Any]:
    """The configure status behind a job timeline's operation JSON (`mixes._job_status` built it with as_operation)."""
    return {"jobId": "job", "jobStatus": operation.get("jobStatus"), "jobResult": operation.get("jobResult")}


def _answers(timeline: OperationTimeline) -> list[tuple[PollResult, int | None]]:
    """What a GET answers during each change of a CPP timeline (parsed once: results are immutable)."""
    return [
        (PollResult(True, Operation.from_json(dict(change.operation)), change.retry_after_s), index)
        for index, change in enumerate(timeline.changes)
    ]


@contextmanager
def job_store() -> Iterator[Source]:
    """The jobs' shared-read rows: the real SQLite backend, in memory (the figure measures decisions, not disks)."""
    store = SqliteRecordStore(IN_MEMORY)
    try:
        yield Source(store, itertools.count(1))
    finally:
        store.close()


def simulate(watch: Watch, strategy: Strategy, params: ScheduleParams, source: Source) -> WatchRun:
    """Follow one watch from its start (t = 0) to its end, polling when `strategy` says."""
    job_id = "job" if watch.kind == "job" else None
    request, started_at = begin(watch_request(job_id), WatchState(), T0)
    state = with_params(WatchState(), params, started_at)
    deadline_s = (deadline_of(state, started_at) - T0).total_seconds()
    poll = source.poller(watch)
    run, seen = WatchRun(reads=0), []
    now_s = 0.0
    while True:
        result, index = poll(now_s)
        run.reads += 1 if result.read else 0
        if index is not None:
            seen.append((now_s, index))
        decision = after_poll(request, state, result, started_at, T0 + timedelta(seconds=now_s))
        state = decision.state
        plan = plan_slack(request, state, decision.view)
        if plan is not None:
            run.slack_calls += 1 + (1 if plan.update.thread_text else 0)
            state = after_slack(state, plan, SlackResult(True, MESSAGE_TS))
        if decision.view.is_final or now_s >= deadline_s:
            break
        now_s = min(now_s + strategy(decision.delay_s, result, now_s), deadline_s)
    return _with_lags(run, watch, seen)


def _with_lags(run: WatchRun, watch: Watch, seen: Sequence[tuple[float, int]]) -> WatchRun:
    """For each change, the wait until the first poll that showed it (or a later state)."""
    timeline = watch.timeline

    def lag(index: int) -> float | None:
        at = timeline.changes[index].at_s
        return next((t - at for t, shown in seen if shown >= index), None)

    for index in range(1, len(timeline.changes)):
        found = lag(index)
        if found is not None:
            (run.status_lags if timeline.changes[index].kind == "status" else run.progress_lags).append(found)
    if watch.category == SHORT:
        end = lag(len(timeline.changes) - 1)
        run.end_lags = [end] if end is not None else []
    return run


def run_mix(mix: Mix, strategy: Strategy, params: ScheduleParams) -> list[WatchRun]:
    """One run per watch of the mix (a fresh job store per run of the mix)."""
    with job_store() as source:
        return [simulate(watch, strategy, params, source) for watch in mix.watches]


def timeline_watch(timeline: OperationTimeline) -> Watch:
    return Watch(timeline, "cpp", timeline.name)


def simulate_timeline(timeline: OperationTimeline, params: ScheduleParams) -> WatchRun:
    """The schedule on one CPP timeline (figure 4's cross-check)."""
    with job_store() as source:
        return simulate(timeline_watch(timeline), adaptive, params, source)


def with_cap(params: ScheduleParams, cap_s: float) -> ScheduleParams:
    return replace(params, cap_s=max(cap_s, params.initial_s))
