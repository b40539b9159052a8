"""Figure 3's reference line: what knowing each watch's length would buy, within the bounds the schedule lives in.

The square-root rule says what a schedule that knew each watch's length `T` and number of status changes `n` (but not
when they come) could read at the same pooled mean lag: poll each watch at its own constant interval `k sqrt(T / n)`.
Computed in closed form (`polling_efficiency.length_aware_ratio`) that ignores the operator's floor, the cap and a
configure job's minute, and so promises more than any schedule can get: the quick cancels, which carry most of the
status changes, cannot be read faster than the floor, and the long ones not slower than the cap. Here the same
allocation runs on the simulated clock with the schedule's own bounds (floor and cap from the schedule's parameters,
never sooner than Retry-After or a job's pace), `k` found by bisection so that its mean status lag equals the
schedule's. It is a reference, not a bound: a schedule that learns when news is due within a watch (the age, an
estimate window, progress) can beat it; one that learns only which watches are long cannot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import report
from benchmarks.mixes import Mix, Watch
from benchmarks.polling_sim import WatchRun, fixed, job_store, simulate, total
from cppcancel.schedule import ScheduleParams

K_RANGE = (0.2, 10.0)


@dataclass(frozen=True)
class Reference:
    k: float
    runs: list[WatchRun]

    @property
    def total(self) -> WatchRun:
        return total(self.runs)


def interval_for(watch: Watch, k: float, params: ScheduleParams) -> float:
    """`k sqrt(T / n)` within the floor and the cap (a job's minute is the poll's own, as for any strategy)."""
    changes = max(1, len(watch.timeline.change_times("status")))
    return min(params.cap_s, max(params.floor_s, k * math.sqrt(watch.timeline.duration_s / changes)))


def run_knowing(mix: Mix, k: float, params: ScheduleParams) -> list[WatchRun]:
    with job_store() as source:
        return [simulate(w, fixed(interval_for(w, k, params)), params, source) for w in mix.watches]


def _lag(runs: Sequence[WatchRun]) -> float:
    return report.mean(total(runs).status_lags)


def at_lag(mix: Mix, params: ScheduleParams, target_lag_s: float, steps: int) -> Reference:
    """The length-knowing allocation whose pooled mean status lag is closest to `target_lag_s` (bisection on `k`,
    on a log scale: a larger `k` reads less and lags more)."""
    low, high = K_RANGE
    best: Reference | None = None
    for _ in range(steps):
        k = math.sqrt(low * high)
        runs = run_knowing(mix, k, params)
        if best is None or abs(_lag(runs) - target_lag_s) < abs(_lag(best.runs) - target_lag_s):
            best = Reference(k, runs)
        if _lag(runs) <= target_lag_s:
            low = k
        else:
            high = k
    return best if best is not None else Reference(low, run_knowing(mix, low, params))
