"""The poll schedule: estimatedTimeFrame parsing, back-off, window-aware density, bounds, Retry-After."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.schedule import (
    MAX_RETRY_AFTER_S,
    Evidence,
    ScheduleParams,
    TimeWindow,
    error_retry_delay,
    next_poll_delay,
    parse_time_frame,
)
from cppcancel.settings import load_settings

MIN, HOUR, DAY = 60.0, 3600.0, 86400.0
DEFAULT = ScheduleParams()  # 15 s initial, 300 s cap


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("< 15 min", TimeWindow(0, 15 * MIN)),
        ("< 1 hour", TimeWindow(0, HOUR)),
        ("< 1 day", TimeWindow(0, DAY)),
        ("< 5 day", TimeWindow(0, 5 * DAY)),
        ("~2-5 days", TimeWindow(2 * DAY, 5 * DAY)),
        ("<15min", TimeWindow(0, 15 * MIN)),
        ("Less than 1 hour", TimeWindow(0, HOUR)),
        ("up to 2 hrs", TimeWindow(0, 2 * HOUR)),
        ("1-2 hours", TimeWindow(HOUR, 2 * HOUR)),
        ("2 to 5 days", TimeWindow(2 * DAY, 5 * DAY)),
        ("~ 2 – 5 days", TimeWindow(2 * DAY, 5 * DAY)),
        ("3 days - 1 week", TimeWindow(3 * DAY, 7 * DAY)),
        ("> 1 day", TimeWindow(DAY, math.inf)),
        ("~3 hours", TimeWindow(1.5 * HOUR, 4.5 * HOUR)),
        ("30 min", TimeWindow(15 * MIN, 45 * MIN)),
        ("< 1.5 h", TimeWindow(0, 1.5 * HOUR)),
    ],
)
def test_time_frames_the_cpp_uses_are_read_as_windows(text: str, window: TimeWindow) -> None:
    assert parse_time_frame(text) == window


@pytest.mark.parametrize("text", [None, "", "soon", "< 0 min", "< 15 fortnights", "a few days", "15", "-"])
def test_missing_or_unreadable_time_frames_mean_no_window(text: str | None) -> None:
    assert parse_time_frame(text) is None


def test_params_come_from_settings_and_round_trip_through_json() -> None:
    settings = load_settings(
        {
            "POLL_INITIAL_INTERVAL_S": "0.2",
            "POLL_MAX_INTERVAL_S": "1",
            "WATCH_TIMEOUT_S": "30",
            "WATCH_POLLS_PER_GENERATION": "3",
        }
    )
    params = ScheduleParams.from_settings(settings)
    assert params == ScheduleParams(0.2, 1.0, 30.0, 3)
    assert ScheduleParams.from_json(params.to_json()) == params
    assert ScheduleParams.from_json({}) == DEFAULT


@pytest.mark.parametrize(
    "kwargs",
    [{"initial_s": 0}, {"initial_s": 10, "cap_s": 5}, {"timeout_s": 0}, {"polls_per_generation": 0}],
)
def test_inconsistent_params_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|inconsistent"):
        ScheduleParams(**kwargs)  # type: ignore[arg-type]


def test_without_an_estimate_reads_thin_out_with_the_square_root_of_the_watch_age() -> None:
    delays = [next_poll_delay(DEFAULT, Evidence(age_s=age)) for age in (0, 15, 60, 240, 15 * MIN, HOUR, 3 * HOUR)]
    assert delays == pytest.approx([15, 15, 30, 60, math.sqrt(15 * 900), math.sqrt(15 * 3600), 300])


def test_a_quick_cancel_is_read_often_enough_to_see_its_end_within_half_a_minute() -> None:
    """1-3 minutes in, the interval is 30-52 s: a cancel that ends then is seen on average 15-26 s after."""
    assert 30 <= next_poll_delay(DEFAULT, Evidence(age_s=60)) <= next_poll_delay(DEFAULT, Evidence(age_s=180)) <= 52


def test_fractional_settings_run_a_whole_watch_in_seconds() -> None:
    fast = ScheduleParams(initial_s=0.2, cap_s=1.0)
    delays = [next_poll_delay(fast, Evidence(age_s=age)) for age in (0, 0.2, 0.8, 10)]
    assert delays == pytest.approx([0.2, 0.2, 0.4, 1.0])


def test_a_step_that_cannot_end_for_days_is_polled_sparsely_from_the_start() -> None:
    window = parse_time_frame("~2-5 days")
    evidence = Evidence(age_s=60, step_elapsed_s=60, window=window)
    assert next_poll_delay(DEFAULT, evidence) == 300


def test_just_before_the_window_opens_it_wakes_when_it_opens() -> None:
    evidence = Evidence(age_s=HOUR, step_elapsed_s=10 * MIN - 40, window=TimeWindow(10 * MIN, HOUR))
    assert next_poll_delay(DEFAULT, evidence) == 40


def test_inside_the_window_reads_get_denser_towards_its_latest_end() -> None:
    window = parse_time_frame("< 15 min")
    # Two hours into the watch the age alone says every 300 s, but this "< 15 min" step could end any moment.
    at_10_min = next_poll_delay(DEFAULT, Evidence(age_s=2 * HOUR, step_elapsed_s=10 * MIN, window=window))
    at_14_min = next_poll_delay(DEFAULT, Evidence(age_s=2 * HOUR, step_elapsed_s=14 * MIN, window=window))
    assert at_10_min == pytest.approx(math.sqrt(15 * 5 * MIN))
    assert at_14_min == pytest.approx(30)
    assert next_poll_delay(DEFAULT, Evidence(age_s=2 * HOUR, step_elapsed_s=15 * MIN - 5, window=window)) == 15


def test_a_long_window_adds_nothing_the_age_does_not_say() -> None:
    window = parse_time_frame("< 1 day")
    ages = (0, 60, HOUR)
    assert [next_poll_delay(DEFAULT, Evidence(age_s=a, step_elapsed_s=a, window=window)) for a in ages] == [
        next_poll_delay(DEFAULT, Evidence(age_s=a)) for a in ages
    ]


def test_an_overdue_step_is_read_by_its_age() -> None:
    window = parse_time_frame("< 15 min")
    overdue = Evidence(age_s=20 * MIN, step_elapsed_s=20 * MIN, window=window)
    assert next_poll_delay(DEFAULT, overdue) == next_poll_delay(DEFAULT, Evidence(age_s=20 * MIN))


def test_progress_projects_the_end_of_the_step() -> None:
    """90 % after 45 min at that pace ends in 5 min: read as if the news were 5 min away, not hours."""
    evidence = Evidence(age_s=3 * HOUR, step_elapsed_s=45 * MIN, progress=90)
    assert next_poll_delay(DEFAULT, evidence) == pytest.approx(math.sqrt(15 * 5 * MIN))
    for progress in (0, 100, None):  # no pace to go by
        assert next_poll_delay(DEFAULT, replace(evidence, progress=progress)) == 300


def test_a_minimum_interval_the_service_asks_for_is_a_floor_of_the_rule() -> None:
    """A configure job may be read once a minute: never sooner; beyond it, the same rule as any watch."""
    job = Evidence(age_s=0, min_interval_s=60)
    assert next_poll_delay(DEFAULT, job) == 60
    assert next_poll_delay(DEFAULT, replace(job, age_s=4 * MIN)) == 60
    assert next_poll_delay(DEFAULT, replace(job, age_s=15 * MIN)) == pytest.approx(math.sqrt(15 * 15 * MIN))
    assert next_poll_delay(DEFAULT, replace(job, age_s=3 * HOUR)) == 300
    assert next_poll_delay(ScheduleParams(initial_s=15, cap_s=30), job) == 60, "above a lower cap too"


def test_retry_after_is_honoured_even_above_the_cap_but_within_reason() -> None:
    assert next_poll_delay(DEFAULT, Evidence(age_s=0, retry_after_s=600)) == 600
    assert next_poll_delay(DEFAULT, Evidence(age_s=DAY, retry_after_s=5)) == 300
    assert next_poll_delay(DEFAULT, Evidence(age_s=0, retry_after_s=10 * DAY)) == MAX_RETRY_AFTER_S


def test_failed_polls_back_off_exponentially_and_honour_retry_after() -> None:
    assert [error_retry_delay(DEFAULT, consecutive_errors=n) for n in range(1, 8)] == [15, 30, 60, 120, 240, 300, 300]
    assert error_retry_delay(DEFAULT, consecutive_errors=1, retry_after_s=90) == 90


_params = st.builds(
    lambda initial, factor: ScheduleParams(initial_s=initial, cap_s=initial * factor),
    st.floats(0.01, 60),
    st.floats(1, 100),
)
_windows = st.one_of(
    st.none(),
    st.builds(lambda a, b: TimeWindow(min(a, b), max(a, b)), st.floats(0, 10 * DAY), st.floats(0.1, 10 * DAY)),
    st.builds(lambda a: TimeWindow(a, math.inf), st.floats(0, 10 * DAY)),
)


_evidence = st.builds(
    Evidence,
    age_s=st.floats(0, 30 * DAY),
    step_elapsed_s=st.one_of(st.none(), st.floats(0, 30 * DAY)),
    window=_windows,
    progress=st.one_of(st.none(), st.integers(0, 100)),
)


@given(params=_params, evidence=_evidence, minimum=st.one_of(st.none(), st.floats(0, 600)))
def test_never_below_the_floor_nor_above_the_cap(
    params: ScheduleParams, evidence: Evidence, minimum: float | None
) -> None:
    delay = next_poll_delay(params, replace(evidence, min_interval_s=minimum))
    floor = max(params.floor_s, minimum or 0.0)
    assert floor <= delay <= max(params.cap_s, floor)


@given(params=_params, evidence=_evidence, retry_after=st.floats(0.001, 100 * DAY), errors=st.integers(1, 50))
def test_retry_after_always_wins(params: ScheduleParams, evidence: Evidence, retry_after: float, errors: int) -> None:
    expected = min(retry_after, MAX_RETRY_AFTER_S)
    assert next_poll_delay(params, replace(evidence, retry_after_s=retry_after)) >= expected
    assert error_retry_delay(params, consecutive_errors=errors, retry_after_s=retry_after) >= expected
