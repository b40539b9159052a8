"""Figure 2 - cold start: a new Python process to the first slash-command answer, app against a minimal DFApp.

Each run spawns a fresh `python` that starts the dev host (`devhost.__main__.main`, as `python -m devhost` does)
on a free port with a fresh data dir, serving either the function app (`function_app:app`), the baseline
(`benchmarks.minimal_app:app`: a DFApp with one HTTP function that answers the same route with a fixed text), or
the floor (`benchmarks.floor_app:app`: the baseline that first imports slack_bolt and requests, which the app's
ack path cannot do without; it is reported beside the verdict, so the figure says how much of the gap is theirs).
The Partner Portal emulator and the Slack stand-in run in the benchmark's own process and the children are
pointed at them, so neither child pays for emulators a real worker would not load. Runs alternate between app
, baseline and floor; the first of each is an untimed warm-up (bytecode caches, page cache).

Each child's data dir already holds the app's record store (`cold_spawn.existing_record_store`, untimed, for every
subject): a cold start is a new worker of a deployed app, whose table in Azure exists; left to the first request, the
dev host's SQLite stand-in would create its file and schema there (tens of ms of fsync on this box).

Per run: wall time from spawn to the dev host answering its status endpoint ("host ready": interpreter, imports,
app indexing, store), then to the answer of the first signed `/cpp cancel contoso contoso-vm-offer` (what is
imported or built on first use is paid here), the child's peak RSS (VmHWM, read from /proc before it is stopped)
and its CPU time (all its threads; printed beside the wall time without a verdict: steadier on a busy box). After
the answer the child is sent SIGUSR1 and writes the names in its `sys.modules`, which shows which heavy packages the
command path loaded. One extra run of each under `python -X importtime` (untimed)
attributes import time to top-level packages. Medians are reported.

Bytecode: every subject runs with its modules byte-compiled, the repository's as well as the libraries' (pip
compiles those at install). This machine sets PYTHONDONTWRITEBYTECODE, under which Python would otherwise compile
the repository's ~20,000 lines from source in every fresh process, a cost only the app (not the minimal DFApp) pays
and that a deployment does not: the package is byte-compiled before it is zipped (azure.yaml's prepackage hook). So
the benchmark runs that hook first (plus the dev host and benchmarks, which both subjects use) and says so.

Targets (issue #27): against the floor, which loads what the ack path cannot do without, the app's first answer
within 1.10x (medians), and the app's own share - its first answer minus the floor's, run by run (the runs
alternate, so a pair shares the box's mood), median - within 40 ms; peak memory within 1.3x of the minimal DFApp.
The old ratio against the minimal DFApp (target 1.3x, which the floor alone used up) is printed for continuity,
without a verdict.

This module runs the figure; `cold_spawn.py` is one cold start (spawn, time, peak RSS, modules), `cold_report.py`
the verdicts and tables.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import fixtures, report
from benchmarks.cold_report import Outcome, render
from benchmarks.cold_spawn import SUBJECTS, Run, Stand, Subject, import_costs, outside_world, spawn_once
from devhost.functions.loader import REPO_ROOT

__all__ = ["SUBJECTS", "Outcome", "Run", "Stand", "Subject", "add_arguments", "main", "outside_world", "spawn_once"]

TITLE = "Cold start (figure 2)"


def measure(runs: int, warmup: bool, stand: Stand, importtime_dir: Path, cpp_latency_s: float) -> Outcome:
    results: dict[str, list[Run]] = {s.label: [] for s in SUBJECTS}
    if warmup:
        for subject in SUBJECTS:
            spawn_once(subject, stand)
    for index in range(runs):
        order: Sequence[Subject] = SUBJECTS if index % 2 == 0 else tuple(reversed(SUBJECTS))
        for subject in order:
            results[subject.label].append(spawn_once(subject, stand))
    imports = {}
    for subject in SUBJECTS:
        path = importtime_dir / f"{''.join(c if c.isalnum() else '_' for c in subject.label)}.importtime"
        spawn_once(subject, stand, importtime_to=path)
        imports[subject.label] = import_costs(path)
    return Outcome(results, imports, cpp_latency_s)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7, help="timed runs per process kind (default 7)")
    parser.add_argument("--cpp-latency-ms", type=float, default=0.0, help="delay of every CPP request (default 0)")
    parser.add_argument("--quick", action="store_true", help="one run each, no warm-up (smoke test)")


PREPACKAGE = REPO_ROOT / "infra" / "hooks" / "prepackage.py"


def byte_compile_app() -> None:
    """Byte-compile the repository as the deployment does (azure.yaml's prepackage hook), plus the dev host."""
    subprocess.run([sys.executable, str(PREPACKAGE), "devhost", "benchmarks"], check=True, stdout=subprocess.DEVNULL)


def main(args: argparse.Namespace) -> int:
    runs = 1 if args.quick else max(1, args.runs)
    latency = max(0.0, args.cpp_latency_ms) / 1000.0
    what = (
        f"{runs} fresh processes each, alternating: `python` -> dev host -> first signed `{fixtures.COMMAND}` "
        f"answered; the app (`{SUBJECTS[0].app}`) against a minimal DFApp with one HTTP function "
        f"(`{SUBJECTS[1].app}`), and the floor (`{SUBJECTS[2].app}`)."
    )
    print(report.heading(TITLE, what), flush=True)
    byte_compile_app()
    print("The repository's modules were byte-compiled first, as the deployment package ships them.\n", flush=True)
    with outside_world(latency) as stand, tempfile.TemporaryDirectory(prefix="bench-importtime-") as tmp:
        outcome = measure(runs, not args.quick, stand, Path(tmp), latency)
        print(render(outcome), flush=True)
    return 0
