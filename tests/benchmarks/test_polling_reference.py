"""Figure 3's length-knowing reference keeps the schedule's bounds and lands at the lag it is asked for."""

from __future__ import annotations

import math

from benchmarks import polling_reference, report
from benchmarks.mixes import SHORT, Mix, Watch, six_short_two_long
from benchmarks.polling_sim import total
from benchmarks.timelines import default_timelines
from cppcancel.schedule import ScheduleParams

PARAMS = ScheduleParams(initial_s=15, cap_s=300)


def _watch(name: str) -> Watch:
    return Watch(next(t for t in default_timelines() if t.name == name), "cpp", SHORT)


def test_each_watch_gets_k_sqrt_length_over_changes_within_the_floor_and_the_cap() -> None:
    quick, hours = _watch("30 s"), _watch("12 h, estimates off")
    assert polling_reference.interval_for(quick, 1.0, PARAMS) == 15  # sqrt(30 / 2) < 15: the floor
    assert polling_reference.interval_for(hours, 10.0, PARAMS) == 300  # the cap
    changes = len(hours.timeline.change_times("status"))
    expected = 0.5 * math.sqrt(hours.timeline.duration_s / changes)
    assert polling_reference.interval_for(hours, 0.5, PARAMS) == expected


def test_the_bisection_lands_near_the_lag_asked_for() -> None:
    mix = Mix("tiny", "one group", six_short_two_long(groups=1).watches)
    low, high = (polling_reference.run_knowing(mix, k, PARAMS) for k in polling_reference.K_RANGE)
    low_lag, high_lag = (report.mean(total(runs).status_lags) for runs in (low, high))
    target = (low_lag + high_lag) / 2
    found = polling_reference.at_lag(mix, PARAMS, target, steps=8)
    assert low_lag < target < high_lag
    assert abs(report.mean(found.total.status_lags) - target) < (high_lag - low_lag) / 4
    assert polling_reference.K_RANGE[0] < found.k < polling_reference.K_RANGE[1]
