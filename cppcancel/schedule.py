"""When the watcher polls a CPP operation next: a pure function of what it has seen so far.

Why not a fixed interval: an operation's steps last from minutes ("< 15 min") to days ("~2-5 days"). A fixed 15 s
interval wastes thousands of calls (and risks throttling) on a step that cannot end before Thursday; a fixed 5 min
interval makes the people waiting on a "< 15 min" step stare at a stale message. The CPP tells us, per step, how long
it expects to take (`estimatedTimeFrame`, free text), so the schedule reads that and polls where the news is likely:

1. **Back-off.** With nothing changing, the interval grows from `initial_s` by `BACKOFF_FACTOR` per unchanged poll up to
   `cap_s`. Any visible change (status, step, progress) resets it: activity suggests more activity.
2. **Cannot end yet.** Before the earliest end of the running step's window (`~2-5 days` -> not before 2 days), the
   watcher sleeps until the window opens, at most `cap_s` at a time: sparse, since no news is possible.
3. **Could end any moment.** Inside the window, the interval is at most a quarter (`1 / WINDOW_DIVISOR`) of the time
   left until the window's latest end. If the end time is spread evenly over the window, the chance that the step
   ends in the next instant grows as the time left shrinks, so polls get denser towards the expected end
   (`< 15 min`: a poll ~4 min in, then every ~1-2 min, then every `initial_s` near minute 15).
4. **Overdue or unknown.** Past the window (the estimate was wrong), or with no or unreadable estimate, plain back-off.
5. **Bounds.** Never below the floor (`initial_s`, the fastest rate the operator allowed) and never above `cap_s` -
   except that a Retry-After the API sent is always honoured, since polling earlier would only be refused again.
   Retry-After is trusted up to `MAX_RETRY_AFTER_S`, so that a bogus header cannot park a watch for days; the
   watch's own deadline bounds every wait anyway.

Failed polls use `error_retry_delay`: exponential from `initial_s`, same bounds, Retry-After honoured.

Everything is in seconds and accepts fractions, so tests and the demo can run a whole watch in seconds. This module is
pure (no clock, no I/O): the orchestrator passes in elapsed times measured with its replay-safe clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cppcancel.settings import Settings

BACKOFF_FACTOR = 2.0
WINDOW_DIVISOR = 4.0
MAX_RETRY_AFTER_S = 3600.0
# An exponent large enough that initial * factor**n exceeds any sane cap; keeps the float math finite.
_MAX_EXPONENT = 60

_UNIT_SECONDS = {
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "wk": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
}
_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT = r"([a-z]+)"
_UPPER = ("<=", "<", "≤", "under", "less than", "up to", "within", "max", "at most")
_LOWER = (">=", ">", "≥", "over", "more than", "at least", "min")
_APPROX = ("~", "≈", "about", "approx.", "approximately", "approx", "around", "ca.", "circa")
_RANGE_RE = re.compile(rf"{_NUMBER}\s*{_UNIT}?\s*(?:-|to)\s*{_NUMBER}\s*{_UNIT}\Z")
_SINGLE_RE = re.compile(rf"{_NUMBER}\s*{_UNIT}\Z")


@dataclass(frozen=True)
class TimeWindow:
    """When a step is expected to end, in seconds after it started: not before `earliest_s`, by `latest_s`.

    `latest_s` is `math.inf` for open-ended estimates ("> 1 day").
    """

    earliest_s: float
    latest_s: float


def _seconds(number: str, unit: str | None) -> float | None:
    factor = _UNIT_SECONDS.get(unit or "")
    return None if factor is None else float(number) * factor


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return None


def parse_time_frame(text: str | None) -> TimeWindow | None:
    """Read an `estimatedTimeFrame` ("< 15 min", "< 1 hour", "< 5 day", "~2-5 days", "1-2 hours", "> 1 day").

    `< X`: any time up to X. `~X` or a bare `X`: X give or take half. `A-B`: between A and B. `> X`: not before X.
    Returns None for a missing or unreadable text: the schedule then falls back to plain back-off.
    """
    if not text:
        return None
    normalized = " ".join(text.lower().replace("–", "-").replace("—", "-").split())
    qualifier = "exact"
    for kind, prefixes in (("upper", _UPPER), ("lower", _LOWER), ("approx", _APPROX)):
        rest = _strip_prefix(normalized, prefixes)
        if rest is not None:
            qualifier, normalized = kind, rest
            break
    ranged = _RANGE_RE.match(normalized)
    if ranged:
        low = _seconds(ranged.group(1), ranged.group(2) or ranged.group(4))
        high = _seconds(ranged.group(3), ranged.group(4))
        if low is None or high is None or high <= 0:
            return None
        low, high = sorted((low, high))
        return TimeWindow(0.0 if qualifier == "upper" else low, math.inf if qualifier == "lower" else high)
    single = _SINGLE_RE.match(normalized)
    if not single:
        return None
    value = _seconds(single.group(1), single.group(2))
    if value is None or value <= 0:
        return None
    if qualifier == "upper":
        return TimeWindow(0.0, value)
    if qualifier == "lower":
        return TimeWindow(value, math.inf)
    return TimeWindow(value * 0.5, value * 1.5)


@dataclass(frozen=True)
class ScheduleParams:
    """Every knob of a watch that comes from settings, frozen for the watch's lifetime.

    The orchestrator must not read the environment (replays would see changed values), so an activity reads these
    once and the watcher carries them in its state across continue_as_new.
    """

    initial_s: float = 15.0
    cap_s: float = 300.0
    timeout_s: float = 24 * 3600.0
    polls_per_generation: int = 40

    def __post_init__(self) -> None:
        if not (self.initial_s > 0 and self.cap_s >= self.initial_s and self.timeout_s > 0):
            raise ValueError(f"inconsistent schedule parameters: {self}")
        if self.polls_per_generation < 1:
            raise ValueError("polls_per_generation must be at least 1")

    @property
    def floor_s(self) -> float:
        return self.initial_s

    @classmethod
    def from_settings(cls, settings: Settings) -> ScheduleParams:
        return cls(
            initial_s=settings.poll_initial_interval_s,
            cap_s=settings.poll_max_interval_s,
            timeout_s=settings.watch_timeout_s,
            polls_per_generation=settings.watch_polls_per_generation,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "initialS": self.initial_s,
            "capS": self.cap_s,
            "timeoutS": self.timeout_s,
            "pollsPerGeneration": self.polls_per_generation,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScheduleParams:
        defaults = cls()
        return cls(
            initial_s=float(data.get("initialS", defaults.initial_s)),
            cap_s=float(data.get("capS", defaults.cap_s)),
            timeout_s=float(data.get("timeoutS", defaults.timeout_s)),
            polls_per_generation=int(data.get("pollsPerGeneration", defaults.polls_per_generation)),
        )


def _clamp(params: ScheduleParams, delay: float) -> float:
    return min(params.cap_s, max(params.floor_s, delay))


def _honour_retry_after(delay: float, retry_after_s: float | None) -> float:
    if retry_after_s is None or not retry_after_s > 0:
        return delay
    return max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))


def _backoff(params: ScheduleParams, exponent: int) -> float:
    return params.initial_s * BACKOFF_FACTOR ** min(max(exponent, 0), _MAX_EXPONENT)


def next_poll_delay(
    params: ScheduleParams,
    *,
    unchanged_polls: int,
    step_elapsed_s: float | None = None,
    window: TimeWindow | None = None,
    retry_after_s: float | None = None,
) -> float:
    """Seconds until the next poll after a successful one (see the module docstring for the reasoning).

    `unchanged_polls`: successful polls in a row that showed nothing new (0 right after a change).
    `step_elapsed_s`: how long the running step has been seen running (None: no running step).
    `window`: the running step's parsed `estimatedTimeFrame` (None: missing or unreadable).
    `retry_after_s`: the Retry-After the API sent with the operation, if any.
    """
    backoff = _backoff(params, unchanged_polls)
    if window is None or step_elapsed_s is None:
        delay = backoff
    elif step_elapsed_s < window.earliest_s:
        delay = max(backoff, window.earliest_s - step_elapsed_s)
    elif step_elapsed_s < window.latest_s:
        delay = min(backoff, (window.latest_s - step_elapsed_s) / WINDOW_DIVISOR)
    else:
        delay = backoff
    return _honour_retry_after(_clamp(params, delay), retry_after_s)


def error_retry_delay(params: ScheduleParams, *, consecutive_errors: int, retry_after_s: float | None = None) -> float:
    """Seconds until the next attempt after `consecutive_errors` failed polls in a row (>= 1)."""
    return _honour_retry_after(_clamp(params, _backoff(params, consecutive_errors - 1)), retry_after_s)
