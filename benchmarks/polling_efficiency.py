"""Figure 3 - following a cancel: status reads against the lag of the news, the schedule against fixed intervals.

What runs: the watcher's own decisions on a simulated clock (`polling_sim`: `watch_logic.after_poll` with the real
schedule, the Slack rule, and for configure jobs the real paced read against SQLite), over mixes of watches
(`mixes`: the project's realistic mix, six short and two long, the named timelines). Lag: from a change in the
operation to the first poll that shows it (its Slack update goes out in the same turn).

Baseline, in the same run and on the same watches: fixed intervals from 10 s to 300 s (the frontier; never sooner
than Retry-After or a job's minute), and among them the one whose mean lag equals the schedule's (found by bisection
on the interval, not read off the table). For reference, each watch polled at its own constant interval from its
length and number of status changes, within the same bounds, at the schedule's lag (`polling_reference`). Targets
(issue #27): on each mix at least 2x fewer status reads than that fixed interval; a 1-3 minute cancel's end told
within 30 s of it on average. And (issue #22) one configure job is read at most once a minute whoever watches it
(`job_pace`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import job_pace, polling_reference, report
from benchmarks.mixes import Mix, default_mixes
from benchmarks.polling_sim import JOB_FLOOR_S, WatchRun, adaptive, fixed, run_mix, total
from cppcancel.schedule import ScheduleParams

TITLE = "Polling efficiency (figure 3)"
READS_TARGET = 2.0
END_LAG_TARGET_S = 30.0
FRONTIER_S = (10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0)
QUICK_FRONTIER_S = (10.0, 30.0, 60.0, 120.0, 300.0)
BISECTIONS = 8


@dataclass(frozen=True)
class MixOutcome:
    mix: Mix
    params: ScheduleParams
    schedule: list[WatchRun]
    frontier: dict[float, WatchRun]  # interval -> the mix's total under it
    equal_s: float  # the fixed interval with the schedule's mean lag
    equal_runs: list[WatchRun]  # per watch, under it
    reference: polling_reference.Reference  # knowing each watch's length, within the same bounds, at the same lag

    @property
    def total(self) -> WatchRun:
        return total(self.schedule)

    @property
    def equal(self) -> WatchRun:
        return total(self.equal_runs)

    @property
    def reads_ratio(self) -> float:
        return report.ratio(self.equal.reads, self.total.reads)

    @property
    def reference_ratio(self) -> float:
        return report.ratio(self.equal.reads, self.reference.total.reads)

    def by_category(self, runs: Sequence[WatchRun]) -> dict[str, WatchRun]:
        found: dict[str, WatchRun] = {}
        for watch, run in zip(self.mix.watches, runs, strict=True):
            found[watch.category] = found[watch.category].add(run) if watch.category in found else run
        return found


def lag(run: WatchRun) -> float:
    return report.mean(run.status_lags)


def equal_lag_interval(
    mix: Mix, params: ScheduleParams, target: float, frontier: dict[float, WatchRun], steps: int
) -> tuple[float, list[WatchRun]]:
    """The fixed interval whose pooled mean status lag equals `target`: bisection (on a log scale) between the two
    frontier intervals around it; of the intervals tried, the one closest in lag (a mix of round-time timelines
    has no perfectly smooth lag curve). Its per-watch runs, for the per-kind table."""
    points = sorted(frontier.items())
    low = max((interval for interval, run in points if lag(run) <= target), default=1.0)
    high = min((interval for interval, run in points if interval > low and lag(run) > target), default=3600.0)
    best: tuple[float, list[WatchRun]] | None = None
    for _ in range(steps):
        middle = math.sqrt(low * high)
        runs = run_mix(mix, fixed(middle), params)
        if best is None or abs(lag(total(runs)) - target) < abs(lag(total(best[1])) - target):
            best = (middle, runs)
        if lag(total(runs)) <= target:
            low = middle
        else:
            high = middle
    return best if best is not None else (low, run_mix(mix, fixed(low), params))


def measure_mix(mix: Mix, params: ScheduleParams, intervals: Sequence[float], steps: int) -> MixOutcome:
    schedule = run_mix(mix, adaptive, params)
    frontier = {interval: total(run_mix(mix, fixed(interval), params)) for interval in intervals}
    equal_s, equal = equal_lag_interval(mix, params, lag(total(schedule)), frontier, steps)
    reference = polling_reference.at_lag(mix, params, lag(total(schedule)), steps)
    return MixOutcome(mix, params, schedule, frontier, equal_s, equal, reference)


def length_aware_ratio(mix: Mix) -> float:
    """What a schedule that knew each watch's length T and number of status changes n (not when they come) could
    get against fixed polling at equal mean lag, by the square-root rule: sum(T) sum(n) / (sum sqrt(T n))^2."""
    lengths = [w.timeline.duration_s for w in mix.watches]
    changes = [len(w.timeline.change_times("status")) for w in mix.watches]
    root = sum(math.sqrt(t * n) for t, n in zip(lengths, changes, strict=True))
    return sum(lengths) * sum(changes) / root**2 if root else math.nan


def reference_note(outcome: MixOutcome) -> str:
    return (
        "A schedule that knew each watch's length T and number of status changes n (not when they come) and read "
        f"each at its own interval k sqrt(T/n) would read {length_aware_ratio(outcome.mix):.2f}x less than fixed "
        "polling at the same lag with no floor or cap (square-root rule, closed form); within the schedule's floor, "
        f"cap and a job's minute, at the schedule's lag, it reads {outcome.reference.total.reads} times: "
        f"{outcome.reference_ratio:.2f}x less than fixed polling, against the schedule's {outcome.reads_ratio:.2f}x "
        "(`polling_reference.py`)."
    )


def _end(run: WatchRun) -> str:
    return "-" if not run.end_lags else f"{report.mean(run.end_lags):.1f}"


def _row(label: str, run: WatchRun) -> tuple[str, ...]:
    return (
        label,
        str(run.reads),
        f"{lag(run):.1f}",
        _end(run),
        f"{report.mean(run.progress_lags):.1f}",
        str(run.slack_calls),
    )


def frontier_table(outcome: MixOutcome) -> str:
    rows = [_row("**schedule**", outcome.total)]
    rows += [_row(f"fixed {interval:g} s", run) for interval, run in sorted(outcome.frontier.items())]
    rows.append(_row(f"fixed {outcome.equal_s:.1f} s (the schedule's mean lag)", outcome.equal))
    knowing = f"each watch at k sqrt(T/n), k = {outcome.reference.k:.2f}, same bounds (reference)"
    rows.append(_row(knowing, outcome.reference.total))
    headers = (
        "polling",
        "status reads",
        "status lag mean s",
        "1-3 min end lag mean s",
        "progress lag mean s",
        "Slack calls",
    )
    return report.table(headers, rows)


def category_table(outcome: MixOutcome) -> str:
    equal_by = outcome.by_category(outcome.equal_runs)
    rows = []
    for category, run in outcome.by_category(outcome.schedule).items():
        base = equal_by[category]
        per = (f"{run.reads / run.watches:.1f}", f"{base.reads / base.watches:.1f}")
        rows.append((category, str(run.watches), *per, f"{lag(run):.1f}", f"{lag(base):.1f}"))
    fixed_label = f"fixed {outcome.equal_s:.1f} s"
    headers = (
        "watches",
        "n",
        "reads/watch, schedule",
        f"reads/watch, {fixed_label}",
        "lag s, schedule",
        "lag s, fixed",
    )
    return report.table(headers, rows)


def mix_verdicts(outcome: MixOutcome) -> list[report.Verdict]:
    name, real, base = outcome.mix.name, outcome.total, outcome.equal
    verdicts = [
        report.Verdict(
            f"{name}: status reads at the same mean lag",
            f"{real.reads} (lag {lag(real):.1f} s)",
            f"{base.reads} (fixed {outcome.equal_s:.1f} s, lag {lag(base):.1f} s)",
            f"{outcome.reads_ratio:.2f}x fewer",
            f">= {READS_TARGET:g}x fewer",
            outcome.reads_ratio >= READS_TARGET,
        )
    ]
    if real.end_lags:
        end = report.mean(real.end_lags)
        verdicts.append(
            report.Verdict(
                f"{name}: a 1-3 min cancel's end told after (mean)",
                f"{end:.1f} s",
                f"{_end(base)} s (fixed {outcome.equal_s:.1f} s)",
                "-",
                f"<= {END_LAG_TARGET_S:g} s",
                end <= END_LAG_TARGET_S,
            )
        )
    return verdicts


def pace_table(runs: Sequence[job_pace.PaceRun]) -> str:
    return report.table(
        ("one job, two watchers", "status reads", "least gap between reads", "reads too soon", "end shown at"),
        [
            (
                run.label,
                str(len(run.reads)),
                f"{run.min_gap_s:.0f} s",
                str(run.too_soon),
                ", ".join(f"{who} {t:.0f} s" for who, t in run.ends_seen.items()),
            )
            for run in runs
        ],
    )


def pace_verdict(runs: Sequence[job_pace.PaceRun]) -> report.Verdict:
    shared, own = runs[0], runs[1]
    return report.Verdict(
        "one configure job, two watchers: least time between two status reads",
        f"{shared.min_gap_s:.0f} s ({shared.too_soon} too soon)",
        f"{own.min_gap_s:.0f} s ({own.too_soon} too soon; each watcher its own pace)",
        "-",
        f">= {JOB_FLOOR_S:g} s, none too soon",
        shared.min_gap_s >= JOB_FLOOR_S and shared.too_soon == 0,
    )


def render(outcomes: Sequence[MixOutcome], pace: Sequence[job_pace.PaceRun]) -> str:
    parts = [
        report.table(
            ("mix", "watches", "status changes", "what"),
            [(o.mix.name, str(len(o.mix.watches)), str(len(o.total.status_lags)), o.mix.note) for o in outcomes],
        )
    ]
    for outcome in outcomes:
        parts += [
            f"### Mix: {outcome.mix.name}",
            frontier_table(outcome),
            category_table(outcome),
            reference_note(outcome),
        ]
    parts += [
        f"### One configure job, two watchers (minimum interval {JOB_FLOOR_S:g} s)",
        pace_table(pace),
        report.verdict_table([v for o in outcomes for v in mix_verdicts(o)] + [pace_verdict(pace)]),
    ]
    return "\n\n".join(parts)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ScheduleParams()
    parser.add_argument("--initial-s", type=float, default=defaults.initial_s, help="POLL_INITIAL_INTERVAL_S")
    parser.add_argument("--cap-s", type=float, default=defaults.cap_s, help="POLL_MAX_INTERVAL_S")
    parser.add_argument("--quick", action="store_true", help="small mixes, a coarse frontier (smoke test)")


def main(args: argparse.Namespace) -> int:
    params = ScheduleParams(initial_s=args.initial_s, cap_s=max(args.cap_s, args.initial_s))
    intervals, steps = (QUICK_FRONTIER_S, 4) if args.quick else (FRONTIER_S, BISECTIONS)
    what = (
        f"The watcher's real decisions on a simulated clock (first interval {params.initial_s:g} s, cap "
        f"{params.cap_s:g} s), against fixed intervals {intervals[0]:g}-{intervals[-1]:g} s on the same watches."
    )
    print(report.heading(TITLE, what), flush=True)
    outcomes = [measure_mix(mix, params, intervals, steps) for mix in default_mixes(quick=args.quick)]
    print(render(outcomes, job_pace.play_all()), flush=True)
    return 0
