"""When the watcher reads a watched operation next: a pure function of what the answers so far have told.

Why not a fixed interval: a CPP cancel usually ends in 1-3 minutes, some overrun their estimate or have none, a
few take hours; a configure job may be read only once a minute. A fixed interval short enough for the first kind
wastes thousands of reads on the last; one long enough for the last leaves people staring at a stale message.

**The square-root rule.** A change at a moment nobody can predict, under polls `d` seconds apart, waits `d / 2` on
average; reading every `d` seconds costs `1 / d` reads a second. If news comes at a rate `1 / tau` (one piece every
`tau` seconds), minimising reads plus a price on lag gives `d = sqrt(2 tau / price)`: the interval should grow
with the *square root* of how far away the next news is expected. So the schedule estimates `tau` from the answers
and polls every `sqrt(initial_s * tau)` seconds, between the floor and `cap_s`: at the operator's fastest rate
(POLL_INITIAL_INTERVAL_S) when news is expected within one such interval, sparser the further away it is. `tau` is
the most urgent of what is known:

1. **The watch's age.** With no better knowledge, something that has run for `t` seconds is most likely to run for
   a time of the order of `t` more (a scale-free prior: a 2-minute-old cancel is most likely a quick one, a 2-hour-old
   one a slow one). This alone gives dense reads while quick cancels end (1-3 minutes: every 15-50 s) and sparse
   ones for an operation that has run for hours - without a guess tuned to either.
2. **The running step's estimate** (`estimatedTimeFrame`, free text). Inside its window (`< 15 min`: up to 15
   minutes), `tau` is at most the time left until the window's latest end, so reads get denser towards it. Before
   the window opens (`~2-5 days`: not before 2 days) no end is possible: the watcher sleeps until it opens, at most
   `cap_s` at a time. An overdue step or no or an unreadable estimate adds nothing (the age decides).
3. **Progress between reads.** A step at `p` % after `e` seconds, at its average rate, ends in `e (100 - p) / p`.
4. **Bounds.** Never below the floor (`initial_s`, the fastest rate the operator allowed, or the service's own
   minimum interval when its answer names one: 60 s for a Product Ingestion configure job) and never above `cap_s` -
   except that a Retry-After the API sent is always honoured, since reading earlier would only be refused again.
   Retry-After is trusted up to `MAX_RETRY_AFTER_S`, so that a bogus header cannot park a watch for days; the
   watch's own deadline bounds every wait anyway.

benchmarks/polling_efficiency.py measures the rule against fixed intervals on mixes of cancels (figure 3).
Failed reads use `error_retry_delay`: exponential from `initial_s`, same bounds, Retry-After honoured.

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

BACKOFF_FACTOR = 2.0  # of the waits after failed reads
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


@dataclass(frozen=True)
class Evidence:
    """What the answers so far tell about when the next news may come (see the module docstring).

    `age_s`: how long the watch has run. `step_elapsed_s`: how long the running step has been seen running (None: no
    running step). `window`: that step's parsed `estimatedTimeFrame` (None: missing or unreadable). `progress`: its
    `progressPercentage`. `retry_after_s`: the Retry-After of the last answer. `min_interval_s`: the shortest
    interval the service allows between reads (None: the operator's floor only).
    """

    age_s: float
    step_elapsed_s: float | None = None
    window: TimeWindow | None = None
    progress: int | None = None
    retry_after_s: float | None = None
    min_interval_s: float | None = None


def expected_news_s(evidence: Evidence) -> float | None:
    """`tau`: how far away the next news is expected, from the most urgent evidence; None while the running step's
    window has not opened yet (no end is possible before it)."""
    tau = max(evidence.age_s, 0.0)
    elapsed, window = evidence.step_elapsed_s, evidence.window
    if elapsed is None:
        return tau
    if window is not None:
        if elapsed < window.earliest_s:
            return None
        if elapsed < window.latest_s:
            tau = min(tau, window.latest_s - elapsed)
    progress = evidence.progress
    if progress is not None and 0 < progress < 100 and elapsed > 0:
        tau = min(tau, elapsed * (100 - progress) / progress)
    return tau


def next_poll_delay(params: ScheduleParams, evidence: Evidence) -> float:
    """Seconds until the next read after a successful one: `sqrt(initial_s * tau)` within the bounds."""
    floor = max(params.floor_s, evidence.min_interval_s or 0.0)
    cap = max(params.cap_s, floor)
    tau = expected_news_s(evidence)
    if tau is None:  # the running step cannot end yet: wake when its window opens
        window, elapsed = evidence.window, evidence.step_elapsed_s
        assert window is not None and elapsed is not None
        delay = window.earliest_s - elapsed
    else:
        delay = math.sqrt(params.floor_s * tau)
    return _honour_retry_after(min(cap, max(floor, delay)), evidence.retry_after_s)


def error_retry_delay(params: ScheduleParams, *, consecutive_errors: int, retry_after_s: float | None = None) -> float:
    """Seconds until the next attempt after `consecutive_errors` failed polls in a row (>= 1)."""
    return _honour_retry_after(_clamp(params, _backoff(params, consecutive_errors - 1)), retry_after_s)
