"""Figure 2's report: the verdicts against the floor and the minimal DFApp, and the tables that say where time goes.

`Outcome` holds the runs of `benchmarks/cold_spawn.py` (alternating app, minimal DFApp, floor) and the `-X importtime`
costs; `render` prints the timings, the heavy packages loaded at the first answer, the import time the app pays and
the minimal app does not, and the verdict table (issue #27's targets, beside the old ratio without a verdict).
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import fixtures, report
from benchmarks.cold_spawn import SUBJECTS, Run

TARGET = 1.3  # peak RSS against the minimal DFApp (and the old wall-time target, printed without a verdict)
FLOOR_TARGET = 1.10  # first answer against the floor
OWN_SHARE_TARGET_S = 0.040  # the app's first answer minus the floor's, median of the run pairs

# Packages whose presence at the first answer matters for cold start (imported by the command path or not).
HEAVY = (
    "azure.identity",
    "msal",
    "cryptography",
    "jwt",
    "requests",
    "urllib3",
    "charset_normalizer",
    "idna",
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "standardwebhooks",
    "azure.core",
    "opentelemetry",
    "yaml",
)


@dataclass(frozen=True)
class Outcome:
    runs: dict[str, list[Run]]
    imports: dict[str, dict[str, float]]
    cpp_latency_s: float

    def median(self, label: str, attribute: str) -> float:
        return report.median([float(getattr(r, attribute)) for r in self.runs[label]])

    def own_share_s(self, attribute: str = "answer_s") -> float:
        """Median over the runs of the app's first answer (or CPU to it) minus the floor's in the same round."""
        app, floor = self.runs[SUBJECTS[0].label], self.runs[SUBJECTS[2].label]
        return report.median([getattr(a, attribute) - getattr(f, attribute) for a, f in zip(app, floor, strict=False)])

    def verdicts(self) -> list[report.Verdict]:
        app, base, floor = SUBJECTS[0].label, SUBJECTS[1].label, SUBJECTS[2].label
        wall, wall_floor = self.median(app, "answer_s"), self.median(floor, "answer_s")
        peak, peak_base = self.median(app, "peak_kib"), self.median(base, "peak_kib")
        own = self.own_share_s()
        return [
            report.Verdict(
                "spawn -> first slash-command answer (median)",
                report.fmt_ms(wall),
                f"{report.fmt_ms(wall_floor)} (floor)",
                report.fmt_ratio(report.ratio(wall, wall_floor)),
                f"<= {FLOOR_TARGET:.2f}x",
                report.ratio(wall, wall_floor) <= FLOOR_TARGET,
            ),
            report.Verdict(
                "the app's own share: app minus floor (median of run pairs)",
                report.fmt_ms(own),
                "0 ms (floor)",
                "-",
                f"<= {OWN_SHARE_TARGET_S * 1000:g} ms",
                own <= OWN_SHARE_TARGET_S,
            ),
            report.Verdict(
                "peak RSS at the first answer (median)",
                report.fmt_mib(peak),
                f"{report.fmt_mib(peak_base)} (minimal DFApp)",
                report.fmt_ratio(report.ratio(peak, peak_base)),
                f"<= {TARGET:g}x",
                report.ratio(peak, peak_base) <= TARGET,
            ),
        ]

    def continuity(self) -> str:
        """The old wall-time ratio, against the minimal DFApp: printed for comparison with earlier runs, no verdict."""
        app, base = self.median(SUBJECTS[0].label, "answer_s"), self.median(SUBJECTS[1].label, "answer_s")
        return (
            f"For continuity (no verdict): the app's first answer is {report.fmt_ratio(report.ratio(app, base))} the "
            f"minimal DFApp's ({report.fmt_ms(app)} against {report.fmt_ms(base)}; the old target was {TARGET:g}x)."
        )


def _present(modules: Sequence[str], package: str) -> bool:
    return package in modules


def render(outcome: Outcome) -> str:
    app, base = SUBJECTS[0].label, SUBJECTS[1].label
    rows = []
    for subject in SUBJECTS:
        runs = outcome.runs[subject.label]
        statuses = collections.Counter(r.status for r in runs)
        rows.append(
            (
                f"{subject.label} (`{subject.app}`)",
                len(runs),
                report.fmt_ms(outcome.median(subject.label, "ready_s")),
                report.fmt_ms(outcome.median(subject.label, "answer_s") - outcome.median(subject.label, "ready_s")),
                report.fmt_ms(outcome.median(subject.label, "answer_s")),
                report.fmt_ms(outcome.median(subject.label, "cpu_s")),
                report.fmt_mib(outcome.median(subject.label, "peak_kib")),
                f"{report.median([float(len(r.modules)) for r in runs]):.0f}",
                ", ".join(f"HTTP {s} x{n}" for s, n in sorted(statuses.items()))
                + (f" ({sum(r.deferred for r in runs)} deferred)" if any(r.deferred for r in runs) else ""),
            )
        )
    timings = report.table(
        ("process", "runs", "host ready", "+ first command", "= first answer", "CPU", "peak RSS", "modules", "answers"),
        rows,
    )
    app_modules = outcome.runs[app][-1].modules if outcome.runs[app] else []
    base_modules = outcome.runs[base][-1].modules if outcome.runs[base] else []
    app_costs, base_costs = outcome.imports.get(app, {}), outcome.imports.get(base, {})
    heavy = report.table(
        ("package", f"loaded by {app}", f"loaded by {base}", f"import self-time ({app}, -X importtime)"),
        [
            (
                f"`{name}`",
                "yes" if _present(app_modules, name) else "no",
                "yes" if _present(base_modules, name) else "no",
                report.fmt_ms(app_costs.get(name.split(".")[0], 0.0)) if _present(app_modules, name) else "-",
            )
            for name in HEAVY
        ],
    )
    extra = {p: c - base_costs.get(p, 0.0) for p, c in app_costs.items()}
    top = sorted(((c, p) for p, c in extra.items() if c > 0.001), reverse=True)[:12]
    gap = report.table(
        ("top-level package", f"import self-time, {app} minus {base}"),
        [(f"`{p}`", report.fmt_ms(c)) for c, p in top],
    )
    slack_calls = collections.Counter(name for r in outcome.runs[app] for name in r.slack_calls)
    per_run = ", ".join(f"{name} x{n / max(1, len(outcome.runs[app])):g}" for name, n in sorted(slack_calls.items()))
    notes = [
        floor_note(outcome),
        f"Command sent: `{fixtures.COMMAND}` (CPP emulator latency {outcome.cpp_latency_s * 1000:g} ms). "
        f"Slack Web API calls the app made before its first answer, per run: {per_run or 'none'}.",
        "Heavy packages present in `sys.modules` at the first answer:",
        heavy,
        "Where the extra start-up goes (import time the app pays and the minimal app does not; `-X importtime` "
        "inflates absolute figures, the ranking is what counts):",
        gap,
    ]
    return "\n\n".join([timings, *notes, report.verdict_table(outcome.verdicts())])


def floor_note(outcome: Outcome) -> str:
    """What the libraries the ack path cannot skip cost on their own, and what the app adds on top, in this run."""
    base, floor = SUBJECTS[1].label, SUBJECTS[2].label
    base_s, floor_s = outcome.median(base, "answer_s"), outcome.median(floor, "answer_s")
    pairs = ", ".join(
        report.fmt_ms(a.answer_s - f.answer_s)
        for a, f in zip(outcome.runs[SUBJECTS[0].label], outcome.runs[floor], strict=False)
    )
    return (
        f"Floor: the minimal DFApp that first imports slack_bolt and requests answers in {report.fmt_ms(floor_s)}, "
        f"{report.fmt_ratio(report.ratio(floor_s, base_s))} the minimal DFApp ({report.fmt_ms(floor_s - base_s)} "
        f"for those libraries). The app's own share, run by run: {pairs}. {outcome.continuity()}"
        f" The same share in the child's CPU time (all its threads, up to the answer; no verdict, steadier than wall "
        f"time on a shared box): {report.fmt_ms(outcome.own_share_s('cpu_s'))} median of the run pairs, the floor "
        f"using {report.fmt_ms(outcome.median(floor, 'cpu_s'))}."
    )
