"""Figure 4 - history size: events per orchestration generation over a 12 h watch, bounded by continue_as_new.

What runs: the real `watch_operation` orchestrator, as the function app registers it, through the real Durable
SDK replay (`devhost.durable.replay.Orchestration`: every turn hands the SDK the whole history of the generation, as the
Durable extension does). The driver plays the extension on a simulated clock: it answers `load_watch_params` with
the default schedule, `poll_operation` from the 12 h timeline of figure 3 at the current simulated time,
`update_slack` with success, and fires each timer at its `fireAt`. Nothing waits on wall time, so a 12 h watch
takes seconds - almost all of it the SDK replaying histories.

Baseline, in the same run: the same watch with continue_as_new effectively off (WATCH_POLLS_PER_GENERATION set
beyond the number of polls), so one generation holds the whole history. Reported: events per generation (max,
mean), generations, the per-poll event cost, and what replaying costs - the longest single turn and the CPU of
all turns together, which grow with the history (each turn replays all of it, so a generation's total replay
work grows with the square of its length).

Target: bounded. Every generation must stay within WATCH_POLLS_PER_GENERATION polls' worth of history - the
polls-per-generation limit times the heaviest poll iteration seen in the baseline, plus the events a watch has
before its first poll - whatever the length of the watch, whereas the baseline grows linearly with it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import report
from benchmarks.polling_sim import MESSAGE_TS, simulate_timeline, watch_request
from benchmarks.timelines import T0, OperationTimeline, StepPlan, build, twelve_hour_timeline
from cppcancel.schedule import ScheduleParams
from devhost.durable.replay import Orchestration, OrchestratorFn
from partner_portal.models import Operation
from poll_function.names import LOAD_WATCH_PARAMS, POLL_OPERATION, RECORD_WATCH_END, UPDATE_SLACK
from poll_function.payloads import PollResult, SlackResult

TITLE = "History size (figure 4)"
WHAT = (
    "The real watch_operation orchestrator through the Durable SDK's replay on a simulated clock, following the "
    "{timeline} timeline of figure 3 ({length}); activities answered from the timeline, timers fired at fireAt. "
    "Baseline: the same watch without continue_as_new."
)
NO_CONTINUE_AS_NEW = 10**9
MAX_TURNS = 100_000


@dataclass
class Generation:
    polls: int = 0
    events: int = 0


@dataclass
class WatchHistory:
    """One driven watch: its generations, polls, the history length at each poll, and the replay timings."""

    generations: list[Generation] = field(default_factory=list)
    polls: int = 0
    length_at_poll: list[int] = field(default_factory=list)  # history events before each poll's result (per gen)
    turn_seconds: list[float] = field(default_factory=list)
    ended: str = ""
    simulated_s: float = 0.0

    @property
    def max_events(self) -> int:
        return max((g.events for g in self.generations), default=0)

    @property
    def mean_events(self) -> float:
        return report.mean([float(g.events) for g in self.generations])

    def per_poll_events(self, final_events: int) -> list[int]:
        """Events each poll iteration added (only meaningful for a single-generation history)."""
        marks = [*self.length_at_poll, final_events]
        return [later - earlier for earlier, later in itertools.pairwise(marks)]


def watch_function() -> OrchestratorFn:
    """`watch_operation` exactly as the dev host (and the Functions worker) index it from function_app."""
    import function_app
    from devhost.functions.host import index_app

    for function in index_app(function_app.app):
        if function.name == "watch_operation":
            user_function: OrchestratorFn = function.user_function
            return user_function
    raise LookupError("function_app registers no watch_operation orchestrator")


def _pending(orch: Orchestration) -> int:
    return len(orch.history) + len(orch.new_events)


def drive(fn: OrchestratorFn, timeline: OperationTimeline, params: ScheduleParams) -> WatchHistory:
    """Play the Durable extension for one watch, from its start to its end, on a simulated clock."""
    orch = Orchestration("watch-benchmark", "watch_operation", json.dumps(watch_request().to_json()))
    now = T0
    result = WatchHistory()
    generation = Generation()
    answers: dict[str, Callable[[], Any]] = {
        LOAD_WATCH_PARAMS: params.to_json,
        UPDATE_SLACK: lambda: SlackResult(True, MESSAGE_TS).to_json(),
        RECORD_WATCH_END: lambda: True,
    }
    for _ in range(MAX_TURNS):
        history = orch.history if orch.history else None  # run() rebinds it at a continue_as_new: keep a handle
        started = time.perf_counter()
        turn = orch.run(fn, now)
        result.turn_seconds.append(time.perf_counter() - started)
        if turn.failed:
            raise RuntimeError(f"the orchestrator failed: {turn.error}")
        if turn.continue_as_new:
            generation.events = len(history) if history is not None else 0
            result.generations.append(generation)
            generation = Generation()
            continue
        if turn.done:
            generation.events = len(orch.history)
            result.generations.append(generation)
            result.ended = str((turn.output or {}).get("phase") if isinstance(turn.output, dict) else turn.output)
            result.simulated_s = (now - T0).total_seconds()
            return result
        if turn.activities:
            for call in turn.activities:
                if call.name == POLL_OPERATION:
                    _, change = timeline.at((now - T0).total_seconds())
                    operation = Operation.from_json(dict(change.operation))
                    answer: Any = PollResult(True, operation, change.retry_after_s).to_json()
                    result.polls += 1
                    generation.polls += 1
                    result.length_at_poll.append(_pending(orch))
                elif call.name in answers:
                    answer = answers[call.name]()
                else:
                    raise RuntimeError(f"unexpected activity {call.name}")
                orch.complete_activity(call.task_id, json.dumps(answer), now)
        elif turn.timers:
            timer = min(turn.timers, key=lambda t: t.fire_at)
            now = max(now, timer.fire_at)
            orch.fire_timer(timer.task_id, now)
        else:
            raise RuntimeError("the orchestrator waits for nothing this driver can deliver")
    raise RuntimeError(f"the watch did not end within {MAX_TURNS} turns")


@dataclass(frozen=True)
class Outcome:
    timeline: OperationTimeline
    params: ScheduleParams
    bounded: WatchHistory
    unbounded: WatchHistory
    simulated_polls: int

    @property
    def per_poll(self) -> list[int]:
        return self.unbounded.per_poll_events(self.unbounded.max_events)

    @property
    def start_events(self) -> int:
        """Events a watch has before its first poll's result (start, load_watch_params, the poll's scheduling)."""
        return self.unbounded.length_at_poll[0] if self.unbounded.length_at_poll else 0

    @property
    def bound(self) -> int:
        return self.params.polls_per_generation * max(self.per_poll, default=0) + self.start_events

    def verdicts(self) -> list[report.Verdict]:
        bounded, base = self.bounded, self.unbounded
        within = all(g.polls <= self.params.polls_per_generation for g in bounded.generations)
        passed = within and bounded.max_events <= self.bound and len(bounded.generations) > 1
        heaviest = max(self.per_poll, default=0)
        return [
            report.Verdict(
                "max events per generation",
                f"{bounded.max_events} ({len(bounded.generations)} generations)",
                f"{base.max_events} (1 generation, no continue_as_new)",
                report.fmt_ratio(report.ratio(bounded.max_events, base.max_events)),
                f"<= {self.bound} ({self.params.polls_per_generation} polls x {heaviest} + {self.start_events})",
                passed,
            )
        ]


def measure(timeline: OperationTimeline, params: ScheduleParams) -> Outcome:
    fn = watch_function()
    bounded = drive(fn, timeline, params)
    unbounded_params = ScheduleParams(
        initial_s=params.initial_s,
        cap_s=params.cap_s,
        timeout_s=params.timeout_s,
        polls_per_generation=NO_CONTINUE_AS_NEW,
    )
    unbounded = drive(fn, timeline, unbounded_params)
    simulated = simulate_timeline(timeline, params).reads
    return Outcome(timeline, params, bounded, unbounded, simulated)


def render(outcome: Outcome) -> str:
    bounded, base = outcome.bounded, outcome.unbounded
    per_poll = outcome.per_poll
    mean_per_poll = report.mean([float(n) for n in per_poll])
    gens = report.table(
        ("generation", "polls", "history events"),
        [(i + 1, g.polls, g.events) for i, g in enumerate(bounded.generations)],
    )
    limit_s = outcome.params.timeout_s
    extra_polls = max(0.0, (limit_s - base.simulated_s) / outcome.params.cap_s)
    projected = base.max_events + extra_polls * mean_per_poll
    summary = report.table(
        ("", f"continue_as_new every {outcome.params.polls_per_generation} polls", "no continue_as_new"),
        [
            ("polls over the watch", bounded.polls, base.polls),
            ("generations", len(bounded.generations), len(base.generations)),
            ("events per generation, max", bounded.max_events, base.max_events),
            ("events per generation, mean", f"{bounded.mean_events:.0f}", f"{base.mean_events:.0f}"),
            (
                "longest turn (replay of one history)",
                report.fmt_ms(max(bounded.turn_seconds)),
                report.fmt_ms(max(base.turn_seconds)),
            ),
            ("CPU of all turns", report.fmt_s(sum(bounded.turn_seconds)), report.fmt_s(sum(base.turn_seconds))),
            ("how the watch ended", bounded.ended, base.ended),
        ],
    )
    consistency = "same" if bounded.polls == base.polls == outcome.simulated_polls else "DIFFERENT"
    notes = [
        f"Events per poll iteration (baseline): mean {mean_per_poll:.1f}, max {max(per_poll, default=0)}, min "
        f"{min(per_poll, default=0)}; {outcome.start_events} events before the first poll's result. Without "
        f"continue_as_new, an operation still running at the watch limit (WATCH_TIMEOUT_S, {limit_s / 3600:g} h; "
        f"polled every {outcome.params.cap_s:g} s after hour {base.simulated_s / 3600:.0f}) would leave about "
        f"{projected:.0f} events in one history, every one of them replayed at every turn.",
        f"Cross-check with figure 3: the replayed orchestrator polled {bounded.polls} times; the pure simulation of "
        f"the same timeline polls {outcome.simulated_polls} times: {consistency}.",
    ]
    return "\n\n".join([gens, summary, *notes, report.verdict_table(outcome.verdicts())])


def quick_timeline() -> OperationTimeline:
    """A 1 h watch for the smoke test: long enough for a few generations at 4 polls each."""
    return build(
        "1 h (quick)",
        "smoke test",
        [
            StepPlan("cancelrequested", "Cancel requested", "< 15 min", 6 * 60),
            StepPlan("stop", "Stopping", "< 1 hour", 54 * 60),
        ],
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ScheduleParams()
    parser.add_argument(
        "--polls-per-generation",
        type=int,
        default=defaults.polls_per_generation,
        help=f"WATCH_POLLS_PER_GENERATION (default {defaults.polls_per_generation})",
    )
    parser.add_argument("--quick", action="store_true", help="a 1 h watch, 4 polls per generation (smoke test)")


def main(args: argparse.Namespace) -> int:
    timeline = twelve_hour_timeline()
    params = ScheduleParams(polls_per_generation=max(1, args.polls_per_generation))
    if args.quick:
        timeline, params = quick_timeline(), ScheduleParams(polls_per_generation=4)
    length = f"{timeline.duration_s / 3600:g} h" if timeline.duration_s >= 3600 else f"{timeline.duration_s:g} s"
    print(report.heading(TITLE, WHAT.format(timeline=repr(timeline.name), length=length)))
    print(render(measure(timeline, params)))
    return 0
