"""The poll schedule: estimatedTimeFrame parsing, back-off, window-aware density, bounds, Retry-After."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.schedule import (
    MAX_RETRY_AFTER_S,
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


def test_without_an_estimate_it_starts_fast_and_backs_off_to_the_cap() -> None:
    delays = [next_poll_delay(DEFAULT, unchanged_polls=n) for n in range(8)]
    assert delays == [15, 30, 60, 120, 240, 300, 300, 300]


def test_fractional_settings_run_a_whole_watch_in_seconds() -> None:
    fast = ScheduleParams(initial_s=0.2, cap_s=1.0)
    assert [next_poll_delay(fast, unchanged_polls=n) for n in range(4)] == [0.2, 0.4, 0.8, 1.0]


def test_a_step_that_cannot_end_for_days_is_polled_sparsely_from_the_start() -> None:
    window = parse_time_frame("~2-5 days")
    assert next_poll_delay(DEFAULT, unchanged_polls=0, step_elapsed_s=HOUR, window=window) == 300


def test_just_before_the_window_opens_it_wakes_when_it_opens() -> None:
    window = TimeWindow(10 * MIN, HOUR)
    assert next_poll_delay(DEFAULT, unchanged_polls=0, step_elapsed_s=10 * MIN - 40, window=window) == 40


def test_inside_the_window_polls_get_denser_towards_the_expected_end() -> None:
    window = parse_time_frame("< 15 min")
    # Backed off to the cap, but a "< 15 min" step 10 minutes in could end any moment: a quarter of what is left.
    at_10_min = next_poll_delay(DEFAULT, unchanged_polls=9, step_elapsed_s=10 * MIN, window=window)
    at_14_min = next_poll_delay(DEFAULT, unchanged_polls=9, step_elapsed_s=14 * MIN, window=window)
    assert at_10_min == 75
    assert at_14_min == 15  # the floor: never faster than the initial interval
    assert next_poll_delay(DEFAULT, unchanged_polls=0, step_elapsed_s=0, window=window) == 15


def test_a_long_step_is_not_polled_densely_just_because_it_could_end() -> None:
    window = parse_time_frame("< 1 day")
    delays = [next_poll_delay(DEFAULT, unchanged_polls=n, step_elapsed_s=HOUR, window=window) for n in range(7)]
    assert delays == [15, 30, 60, 120, 240, 300, 300]
    assert next_poll_delay(DEFAULT, unchanged_polls=9, step_elapsed_s=DAY - 2 * MIN, window=window) == 30


def test_an_overdue_step_falls_back_to_back_off() -> None:
    window = parse_time_frame("< 15 min")
    assert next_poll_delay(DEFAULT, unchanged_polls=2, step_elapsed_s=20 * MIN, window=window) == 60


def test_retry_after_is_honoured_even_above_the_cap_but_within_reason() -> None:
    assert next_poll_delay(DEFAULT, unchanged_polls=0, retry_after_s=600) == 600
    assert next_poll_delay(DEFAULT, unchanged_polls=5, retry_after_s=5) == 300
    assert next_poll_delay(DEFAULT, unchanged_polls=0, retry_after_s=10 * DAY) == MAX_RETRY_AFTER_S


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


@given(
    params=_params,
    unchanged=st.integers(0, 10_000),
    elapsed=st.one_of(st.none(), st.floats(0, 30 * DAY)),
    window=_windows,
)
def test_never_below_the_floor_nor_above_the_cap(
    params: ScheduleParams, unchanged: int, elapsed: float | None, window: TimeWindow | None
) -> None:
    delay = next_poll_delay(params, unchanged_polls=unchanged, step_elapsed_s=elapsed, window=window)
    assert params.floor_s <= delay <= params.cap_s


@given(params=_params, unchanged=st.integers(0, 50), retry_after=st.floats(0.001, 100 * DAY), errors=st.integers(1, 50))
def test_retry_after_always_wins(params: ScheduleParams, unchanged: int, retry_after: float, errors: int) -> None:
    expected = min(retry_after, MAX_RETRY_AFTER_S)
    assert next_poll_delay(params, unchanged_polls=unchanged, retry_after_s=retry_after) >= expected
    assert error_retry_delay(params, consecutive_errors=errors, retry_after_s=retry_after) >= expected
