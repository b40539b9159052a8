"""The benchmark scripts still run: each figure in --quick mode, as a subprocess, prints its verdict table.

No timing is asserted - the figures are for people to read (benchmarks/README.md), and a test that fails on a
busy machine teaches nobody anything. What is checked: the script exits 0, prints its title and the verdict
table, and every request it made was answered (a broken route or handler would show up as "failed").
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from devhost.functions.loader import REPO_ROOT

VERDICT_ROW = re.compile(r"^\|.*\| (PASS|MISS) +\|$", re.MULTILINE)

# name -> a line its output must contain
FIGURES = {
    "ack_latency": "Slack acknowledgement latency (figure 1)",
    "cold_start": "Cold start (figure 2)",
    "polling_efficiency": "Polling efficiency (figure 3)",
    "history_size": "History size (figure 4)",
    "record_cost": "Cancel record cost (figure 5)",
}
STARTS_A_DEV_HOST = {"ack_latency", "cold_start"}


def _run(figure: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CPP_", "SLACK_", "CANCEL_", "POLL_", "WATCH_"))}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", figure, "--quick"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "figure",
    [pytest.param(name, marks=[pytest.mark.e2e] if name in STARTS_A_DEV_HOST else []) for name in FIGURES],
)
def test_the_figure_runs_and_prints_its_verdicts(figure: str) -> None:
    done = _run(figure)
    output = done.stdout
    assert done.returncode == 0, (
        f"exit {done.returncode}\n--- stdout ---\n{output[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}"
    )
    assert FIGURES[figure] in output
    assert "| figure " in output and "| verdict |" in output, output[-3000:]
    assert VERDICT_ROW.search(output), output[-3000:]
    assert "failed** (not in the figures)" not in output, output[-3000:]
    assert "DIFFERENT" not in output, "figure 4's replay and figure 3's simulation disagree on the number of polls"
