"""Figure 3 - polling efficiency: the watcher's real schedule against fixed-interval polling, on a simulated clock.

What runs: the watcher's own decision functions, unchanged - `poll_function.watch_logic.after_poll` (which folds
a poll into the state and asks `cppcancel.schedule.next_poll_delay` when to poll next), `plan_slack` (the
"did the news change? then call Slack, with a thread reply if the status changed" rule) and `after_slack`. The
orchestrator generator around them only sequences durable tasks (poll, maybe update Slack, timer), so driving
these functions directly on a simulated clock makes exactly the decisions the orchestrator makes, for hours of
simulated time in milliseconds. The history-size figure runs the real orchestrator through the SDK replay on one
of these timelines and checks that it polls exactly as often as this simulation says.

Baselines, on the same timelines and with the same Slack rule: polling every 30 s (the habit of the Durable
Functions monitor sample) and every 60 s. Only the next-poll delay differs; activities take no time.

Phases: a change in a real operation does not fall on anybody's polling grid, but the synthetic timelines use
round times. Each timeline is therefore run in `PHASES` copies whose changes are shifted by the midpoints of equal
slices of one minute (5, 15, ..., 55 s), and the figures are averaged over the copies: fixed 30 s polling then
shows its true expected lag (15 s), not the 0 s it would get from changes landing exactly on its polls.

Per timeline: CPP GETs, Slack Web API calls (chat.update per news, plus a thread reply per status change), the
lag between a change in the operation and the first poll that sees it (the Slack update goes out in the same
turn) - for status changes (a step starts or ends, the operation ends) and, separately, for progress-only
reports - and GETs sent before the Retry-After the API asked for had passed (a real service would refuse them).
Target: at least 3x fewer GETs than fixed 30 s, at no worse mean lag of status changes (pooled over all
timelines).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from benchmarks import report
from benchmarks.timelines import OPERATION_URL, T0, OperationTimeline, default_timelines
from cppcancel.contracts import Requester, SlackTarget, WatchRequest
from cppcancel.schedule import ScheduleParams
from partner_portal.models import Operation
from poll_function.payloads import PollResult, SlackResult
from poll_function.watch_logic import after_poll, after_slack, begin, deadline_of, with_params
from poll_function.watch_slack import plan_slack
from poll_function.watch_state import WatchState

TITLE = "Polling efficiency (figure 3)"
WHAT = (
    "The watcher's real decisions (watch_logic.after_poll -> schedule.next_poll_delay; plan_slack) on a simulated "
    "clock, against fixed 30 s and 60 s polling of the same operation timelines, each averaged over {phases} "
    "phases. Lag: a change in the operation to the first poll that sees it (its Slack update goes out then)."
)
GET_RATIO_TARGET = 3.0
FIXED_INTERVALS_S = (30.0, 60.0)
PHASES = 6
SWEEP_CAPS_S = (60.0, 120.0, 300.0)
MESSAGE_TS = "1764061200.000100"
SCHEDULE = "schedule"
FIXED_30 = "fixed 30 s"

# A strategy maps (the schedule's own delay, the Retry-After just received) to the delay actually waited.
Strategy = Callable[[float, float | None], float]


def adaptive(delay_s: float, retry_after_s: float | None) -> float:
    """The real schedule: the delay `after_poll` computed (Retry-After is already honoured inside it)."""
    return delay_s


def fixed(interval_s: float) -> Strategy:
    """The monitor sample's habit: the same interval whatever the operation says, Retry-After included."""

    def strategy(delay_s: float, retry_after_s: float | None) -> float:
        return interval_s

    return strategy


@dataclass
class WatchRun:
    """What one strategy did on one timeline (one phase, or the sum over phases)."""

    watches: int = 1
    gets: int = 0
    slack_calls: int = 0
    early_gets: int = 0  # sent before the previous answer's Retry-After had passed
    status_lags: list[float] = field(default_factory=list)
    progress_lags: list[float] = field(default_factory=list)

    def add(self, other: WatchRun) -> WatchRun:
        return WatchRun(
            self.watches + other.watches,
            self.gets + other.gets,
            self.slack_calls + other.slack_calls,
            self.early_gets + other.early_gets,
            self.status_lags + other.status_lags,
            self.progress_lags + other.progress_lags,
        )


def watch_request() -> WatchRequest:
    return WatchRequest(
        operation_url=OPERATION_URL,
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requester=Requester(display="alice", user_id="U0ALICE", team_id="T0LOCAL"),
        correlation_id="bench",
        started_at=T0.isoformat().replace("+00:00", "Z"),
        slack=SlackTarget("C0RELEASES", MESSAGE_TS, None),
    )


def simulate(timeline: OperationTimeline, strategy: Strategy, params: ScheduleParams) -> WatchRun:
    """Follow `timeline` from the cancel's acceptance (t = 0) to its end, polling when `strategy` says."""
    request, started_at = begin(watch_request(), WatchState(), T0)
    state = with_params(WatchState(), params, started_at)
    deadline_s = (deadline_of(state, started_at) - T0).total_seconds()
    run = WatchRun(gets=0)
    polls: list[float] = []
    now_s = 0.0
    allowed_from_s = 0.0
    while True:
        _, change = timeline.at(now_s)
        run.gets += 1
        polls.append(now_s)
        if now_s < allowed_from_s:
            run.early_gets += 1
        if change.retry_after_s:
            allowed_from_s = now_s + change.retry_after_s
        result = PollResult(True, Operation.from_json(dict(change.operation)), change.retry_after_s)
        decision = after_poll(request, state, result, started_at, T0 + timedelta(seconds=now_s))
        state = decision.state
        plan = plan_slack(request, state, decision.view)
        if plan is not None:
            run.slack_calls += 1 + (1 if plan.update.thread_text else 0)
            state = after_slack(state, plan, SlackResult(True, MESSAGE_TS))
        if decision.view.is_final or now_s >= deadline_s:
            break
        now_s = min(now_s + strategy(decision.delay_s, result.retry_after_s), deadline_s)
    run.status_lags = _lags(timeline.change_times("status"), polls)
    run.progress_lags = _lags(timeline.change_times("progress"), polls)
    return run


def _lags(change_times: Sequence[float], poll_times: Sequence[float]) -> list[float]:
    """For each change, the wait until the first poll at or after it (the poll that brings the news)."""
    lags = []
    for at in change_times:
        seen = next((p for p in poll_times if p >= at), None)
        if seen is not None:
            lags.append(seen - at)
    return lags


def phase_offsets(phases: int) -> list[float]:
    """Midpoints of `phases` equal slices of a minute: uniform phase for 30 s and 60 s grids, without bias."""
    return [(k + 0.5) * 60.0 / phases for k in range(phases)]


def over_phases(timeline: OperationTimeline, strategy: Strategy, params: ScheduleParams, phases: int) -> WatchRun:
    runs = [simulate(timeline.shifted(offset), strategy, params) for offset in phase_offsets(phases)]
    total = runs[0]
    for run in runs[1:]:
        total = total.add(run)
    return total


@dataclass(frozen=True)
class Outcome:
    timelines: list[OperationTimeline]
    runs: dict[str, list[WatchRun]]  # strategy label -> one (phase-summed) run per timeline
    params: ScheduleParams
    phases: int
    sweep: dict[float, WatchRun]  # cap_s -> the schedule's runs over every timeline, summed

    def total(self, label: str) -> WatchRun:
        runs = self.runs[label]
        total = runs[0]
        for run in runs[1:]:
            total = total.add(run)
        return total

    def gets_per_set(self, run: WatchRun) -> float:
        """GETs to watch every timeline once (averaged over phases)."""
        return run.gets / self.phases

    def verdicts(self) -> list[report.Verdict]:
        real, base = self.total(SCHEDULE), self.total(FIXED_30)
        fewer = report.ratio(base.gets, real.gets)
        lag, base_lag = report.mean(real.status_lags), report.mean(base.status_lags)
        return [
            report.Verdict(
                "CPP GETs, all timelines",
                f"{self.gets_per_set(real):.0f}",
                f"{self.gets_per_set(base):.0f} ({FIXED_30})",
                f"{fewer:.1f}x fewer",
                f">= {GET_RATIO_TARGET:g}x fewer",
                fewer >= GET_RATIO_TARGET,
            ),
            report.Verdict(
                "mean lag of status changes",
                f"{lag:.1f} s",
                f"{base_lag:.1f} s ({FIXED_30})",
                report.fmt_ratio(report.ratio(lag, base_lag)),
                "<= 1.00x (no worse)",
                lag <= base_lag,
            ),
        ]


def measure(
    timelines: Sequence[OperationTimeline], params: ScheduleParams, phases: int, sweep_caps: Sequence[float]
) -> Outcome:
    strategies: dict[str, Strategy] = {SCHEDULE: adaptive}
    for interval in FIXED_INTERVALS_S:
        strategies[f"fixed {interval:g} s"] = fixed(interval)
    runs = {
        label: [over_phases(t, strategy, params, phases) for t in timelines] for label, strategy in strategies.items()
    }
    sweep: dict[float, WatchRun] = {}
    for cap in sweep_caps:
        if cap < params.initial_s:
            continue
        swept = ScheduleParams(initial_s=params.initial_s, cap_s=cap, timeout_s=params.timeout_s)
        if cap == params.cap_s:
            per_timeline = runs[SCHEDULE]
        else:
            per_timeline = [over_phases(t, adaptive, swept, phases) for t in timelines]
        total = per_timeline[0]
        for run in per_timeline[1:]:
            total = total.add(run)
        sweep[cap] = total
    return Outcome(list(timelines), runs, params, phases, sweep)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _lag(samples: Sequence[float]) -> str:
    return "-" if not samples else f"{report.mean(samples):.1f}"


def _max(samples: Sequence[float]) -> str:
    return "-" if not samples else f"{max(samples):.0f}"


def _row(name: str, label: str, run: WatchRun, per: int) -> tuple[str, ...]:
    """One table row; counts divided by `per` (the watches summed into `run`, or the phases for a whole set)."""
    return (
        name,
        label,
        f"{run.gets / per:.1f}",
        f"{run.slack_calls / per:.1f}",
        _lag(run.status_lags),
        _max(run.status_lags),
        _lag(run.progress_lags),
        f"{run.early_gets / per:.1f}",
    )


def render(outcome: Outcome) -> str:
    p = outcome.params
    parts = [
        f"Schedule: first interval {p.initial_s:g} s, cap {p.cap_s:g} s. Figures per watch, averaged over "
        f"{outcome.phases} phases; the 'all timelines' rows are per set of {len(outcome.timelines)} watches.",
        _timelines_table(outcome),
        _detail_table(outcome),
        report.verdict_table(outcome.verdicts()),
    ]
    if outcome.sweep:
        parts += ["Sensitivity of the schedule to its cap (same timelines and phases):", _sweep_table(outcome)]
    return "\n\n".join(parts)


def _timelines_table(outcome: Outcome) -> str:
    """What each timeline is: its length, how much news it has, and what happens in it."""
    return report.table(
        ("timeline", "length", "status changes", "progress reports", "what happens"),
        [
            (
                t.name,
                _duration(t.duration_s),
                len(t.change_times("status")),
                len(t.change_times("progress")),
                t.note,
            )
            for t in outcome.timelines
        ],
    )


def _detail_table(outcome: Outcome) -> str:
    """Every strategy on every timeline, then each strategy over the whole set."""
    labels = list(outcome.runs)
    rows = []
    for index, timeline in enumerate(outcome.timelines):
        for label in labels:
            run = outcome.runs[label][index]
            rows.append(_row(timeline.name if label == labels[0] else "", label, run, run.watches))
    for label in labels:
        total = outcome.total(label)
        rows.append(_row("**all timelines**" if label == labels[0] else "", label, total, outcome.phases))
    return report.table(
        (
            "timeline",
            "polling",
            "CPP GETs",
            "Slack calls",
            "status lag mean s",
            "status lag max s",
            "progress lag mean s",
            "GETs before Retry-After",
        ),
        rows,
    )


def _sweep_table(outcome: Outcome) -> str:
    """The schedule with other caps, against fixed 30 s: how much the default cap matters."""
    base = outcome.total(FIXED_30)
    return report.table(
        ("POLL_MAX_INTERVAL_S", "CPP GETs, all timelines", "vs fixed 30 s", "status lag mean s", "progress lag mean s"),
        [
            (
                f"{cap:g}" + (" (default)" if cap == ScheduleParams().cap_s else ""),
                f"{outcome.gets_per_set(run):.0f}",
                f"{report.ratio(base.gets, run.gets):.1f}x fewer",
                _lag(run.status_lags),
                _lag(run.progress_lags),
            )
            for cap, run in sorted(outcome.sweep.items())
        ],
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ScheduleParams()
    parser.add_argument("--initial-s", type=float, default=defaults.initial_s, help="POLL_INITIAL_INTERVAL_S")
    parser.add_argument("--cap-s", type=float, default=defaults.cap_s, help="POLL_MAX_INTERVAL_S")
    parser.add_argument("--phases", type=int, default=PHASES, help=f"phase copies per timeline (default {PHASES})")
    parser.add_argument("--quick", action="store_true", help="three short timelines, one phase, no sweep")


def main(args: argparse.Namespace) -> int:
    params = ScheduleParams(initial_s=args.initial_s, cap_s=args.cap_s)
    timelines = default_timelines()
    phases = max(1, args.phases)
    sweep_caps: Sequence[float] = SWEEP_CAPS_S
    if args.quick:
        timelines, phases, sweep_caps = timelines[:3], 1, ()
    print(report.heading(TITLE, WHAT.format(phases=phases)))
    print(render(measure(timelines, params, phases, sweep_caps)))
    return 0
