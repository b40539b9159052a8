"""Mixes of watches for the polling figure: what a team's watcher follows over a while, drawn from stated shares.

A schedule tuned to one timeline proves nothing, so figure 3 runs on mixes: many watches drawn (with a fixed seed,
so every run sees the same ones) from the kinds of cancel the project meets, in stated shares. Change times are
continuous draws, so they fall anywhere against a poller's grid and fixed-interval polling shows its true expected
lag without any phase trick.

- **realistic** - the project's own mix (issue #27): most CPP cancels take 1-3 minutes; some overrun their
  estimate or have none; a few take hours; and configure jobs of the Product Ingestion API (job cancels that finish
  in minutes, registered publishes that take up to hours), which are read at most once a minute.
- **six short, two long** - the mix on which a fixed 90 s interval beat the old schedule: per group of eight, six
  1-3 minute cancels and two of hours.
- **named timelines** - the seven hand-written operations of `timelines.py` (30 s to 12 h), once each: mostly
  long ones, with estimates that hold, are overrun, are far too pessimistic and missing, and Retry-After.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from benchmarks.timelines import HOUR, MIN, Change, OperationTimeline, StepPlan, build, default_timelines
from product_ingestion.models import ConfigureStatus

Kind = Literal["cpp", "job"]
SHORT = "CPP cancel, 1-3 min"
OVERRUN = "CPP cancel, estimate overrun or missing"
HOURS = "CPP cancel, hours"
JOB_CANCEL = "configure job cancel"
JOB_PUBLISH = "registered configure job"


@dataclass(frozen=True)
class Watch:
    """One watch of a mix: the operation it follows, whether that is a CPP operation or a configure job, and its
    category (for the per-category rows and the 1-3 minute verdict)."""

    timeline: OperationTimeline
    kind: Kind
    category: str


@dataclass(frozen=True)
class Mix:
    name: str
    note: str
    watches: tuple[Watch, ...]

    def categories(self) -> list[str]:
        return list(dict.fromkeys(w.category for w in self.watches))


def _short_cancel(rng: random.Random) -> OperationTimeline:
    """1-3 minutes, two or three `< 15 min` steps, sometimes queued first, sometimes a progress report."""
    total = rng.uniform(60, 180)
    queued = rng.choice([0.0, 0.0, rng.uniform(3, 20)])
    first = rng.uniform(5, 30)
    rest = max(10.0, total - queued - first)
    plans = [StepPlan("cancelrequested", "Cancel requested", "< 15 min", first)]
    if rng.random() < 0.5:
        split = rng.uniform(0.3, 0.7)
        progress = (0.5,) if rng.random() < 0.3 else ()
        plans += [
            StepPlan("stoppublish", "Stopping the publish", "< 15 min", rest * split, progress),
            StepPlan("restore", "Restoring the previous version", "< 15 min", rest * (1 - split)),
        ]
    else:
        plans.append(StepPlan("stoppublish", "Stopping the publish", "< 15 min", rest))
    return build(f"{total:.0f} s", SHORT, plans, queued_s=queued)


def _overrun_cancel(rng: random.Random) -> OperationTimeline:
    """5-45 minutes: a `< 15 min` step that runs long, or steps without any estimate."""
    total = rng.uniform(5 * MIN, 45 * MIN)
    first = rng.uniform(10, 60)
    estimate = rng.choice(["< 15 min", None])
    progress = (0.5,) if rng.random() < 0.5 else ()
    plans = [
        StepPlan("cancelrequested", "Cancel requested", "< 15 min", first),
        StepPlan("stoppublish", "Stopping the publish", estimate, total - first, progress),
    ]
    return build(f"{total / MIN:.0f} min", OVERRUN, plans)


def _hours_cancel(rng: random.Random) -> OperationTimeline:
    """1-12 hours: short first steps, then a long `< 1 day` step with progress reports; sometimes Retry-After."""
    total = rng.uniform(1 * HOUR, 12 * HOUR)
    first, second = rng.uniform(1 * MIN, 15 * MIN), rng.uniform(5 * MIN, 50 * MIN)
    retry = 300.0 if rng.random() < 0.5 else None
    plans = [
        StepPlan("cancelrequested", "Cancel requested", "< 15 min", first),
        StepPlan("stoppublish", "Stopping the publish", "< 1 hour", second),
        StepPlan(
            "restore",
            "Restoring the previous version",
            rng.choice(["< 1 day", "~2-5 days", None]),
            total - first - second,
            (0.25, 0.5, 0.75),
            retry_after_s=retry,
        ),
    ]
    return build(f"{total / HOUR:.1f} h", HOURS, plans)


def _job_status(status: str, result: str, at_s: float) -> dict[str, Any]:
    """The watcher's view of a configure status (what `poll_job` hands back)."""
    data = {"jobId": "job-bench", "jobStatus": status, "jobResult": result, "jobStart": "2026-11-25T09:00:00Z"}
    return ConfigureStatus.from_json(data).as_operation().to_json()


def _job_cancel(rng: random.Random) -> OperationTimeline:
    """A configure job whose cancel was accepted while it ran: `running` until it completes (`cancelled`) in
    1-10 minutes. No steps, no estimates."""
    end = rng.uniform(1 * MIN, 10 * MIN)
    changes = (
        Change(0.0, _job_status("running", "pending", 0.0)),
        Change(end, _job_status("completed", "cancelled", end)),
    )
    return OperationTimeline(f"{end / MIN:.0f} min", JOB_CANCEL, changes)


def _job_publish(rng: random.Random) -> OperationTimeline:
    """A job a pipeline just started and registered: `notStarted` for up to a minute, `running`, then `completed`
    after 10 minutes to 3 hours."""
    queued, end = rng.uniform(0, 60), rng.uniform(10 * MIN, 3 * HOUR)
    result = rng.choice(["succeeded", "succeeded", "failed"])
    changes = (
        Change(0.0, _job_status("notStarted", "pending", 0.0)),
        Change(queued, _job_status("running", "pending", queued)),
        Change(queued + end, _job_status("completed", result, queued + end)),
    )
    return OperationTimeline(f"{(queued + end) / MIN:.0f} min", JOB_PUBLISH, changes)


Maker = Callable[[random.Random], OperationTimeline]
_MAKERS: dict[str, tuple[Kind, Maker]] = {
    SHORT: ("cpp", _short_cancel),
    OVERRUN: ("cpp", _overrun_cancel),
    HOURS: ("cpp", _hours_cancel),
    JOB_CANCEL: ("job", _job_cancel),
    JOB_PUBLISH: ("job", _job_publish),
}


def _draw(shares: Sequence[tuple[str, int]], groups: int, seed: int) -> tuple[Watch, ...]:
    """`groups` times, one watch of each category per unit of its share, in a fixed shuffled order."""
    rng = random.Random(seed)
    watches = []
    for _ in range(groups):
        for category, count in shares:
            kind, make = _MAKERS[category]
            watches += [Watch(make(rng), kind, category) for _ in range(count)]
    return tuple(watches)


REALISTIC_SHARES = ((SHORT, 11), (OVERRUN, 3), (HOURS, 1), (JOB_CANCEL, 3), (JOB_PUBLISH, 2))


def realistic(groups: int = 10, seed: int = 27) -> Mix:
    note = ", ".join(f"{n} {c}" for c, n in REALISTIC_SHARES)
    return Mix("realistic", f"per group of 20: {note}", _draw(REALISTIC_SHARES, groups, seed))


def six_short_two_long(groups: int = 12, seed: int = 68) -> Mix:
    return Mix(
        "six short, two long", f"per group of 8: 6 {SHORT}, 2 {HOURS}", _draw(((SHORT, 6), (HOURS, 2)), groups, seed)
    )


def named(copies: int = 4, seed: int = 7) -> Mix:
    """Each named timeline `copies` times, every copy's changes shifted by a random 0-300 s: the hand-written
    timelines use round times, which a fixed grid would otherwise hit exactly (0 s lag)."""
    rng = random.Random(seed)
    watches = tuple(
        Watch(t.shifted(rng.uniform(0, 300)), "cpp", t.name) for t in default_timelines() for _ in range(copies)
    )
    return Mix("named timelines", f"the seven operations of timelines.py, {copies} copies each", watches)


def default_mixes(quick: bool = False) -> list[Mix]:
    if quick:
        return [realistic(groups=1), six_short_two_long(groups=1)]
    return [realistic(), six_short_two_long(), named()]
