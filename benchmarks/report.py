"""Shared printing for the benchmarks: the machine, percentiles, and tables with a PASS/MISS verdict column.

Every benchmark prints its figures as Markdown pipe tables: they read well in a terminal and paste unchanged into
benchmarks/README.md, so the README's tables are the scripts' own output rather than a retyped copy. Verdicts are
printed, never asserted: a noisy machine must not turn a figure into a failing build, and a miss is information
for the team, not an error of the script.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_line() -> str:
    """One line that says where and when the figures were taken (figures from another machine do not compare)."""
    cores = os.cpu_count() or 0
    try:
        load = "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "load n/a"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    python = f"Python {platform.python_version()} ({sys.implementation.name})"
    return f"{when} · {cores} cores ({cpu_model()}) · {python} · {platform.system()} {platform.release()} · {load}"


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between order statistics (NumPy's default)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def mean(samples: Sequence[float]) -> float:
    return statistics.fmean(samples) if samples else math.nan


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline > 0 else math.inf


def fmt_ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def fmt_s(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds:.1f} s"


def fmt_ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else ("inf" if math.isinf(value) else f"{value:.2f}x")


def fmt_mib(kib: float) -> str:
    return "n/a" if math.isnan(kib) else f"{kib / 1024:.1f} MiB"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown pipe table with padded columns (readable as plain text too)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


@dataclass(frozen=True)
class Verdict:
    """One target: the figure, the same-run baseline, their ratio, the target, and whether it was met."""

    figure: str
    measured: str
    baseline: str
    ratio: str
    target: str
    passed: bool

    @property
    def word(self) -> str:
        return "PASS" if self.passed else "MISS"


def verdict_table(verdicts: Sequence[Verdict]) -> str:
    return table(
        ("figure", "measured", "baseline (same run)", "ratio", "target", "verdict"),
        [(v.figure, v.measured, v.baseline, v.ratio, v.target, v.word) for v in verdicts],
    )


def heading(title: str, what: str) -> str:
    """The banner each benchmark prints first: its name, what it measures, and the machine."""
    return f"\n## {title}\n\n{what}\n\nMachine: {machine_line()}\n"
