"""`python -m benchmarks [--quick]` runs every figure; `python -m benchmarks NAME [options]` runs one.

    python -m benchmarks                                   # all five, default sizes (a few minutes on 2 cores)
    python -m benchmarks --quick                           # all five, tiny sizes (the smoke test)
    python -m benchmarks ack_latency --commands 2000 --clicks 2000 --cpp-latency-ms 50
    python -m benchmarks cold_start --runs 9
    python -m benchmarks polling_efficiency --cap-s 120
    python -m benchmarks history_size --polls-per-generation 40
    python -m benchmarks record_cost --rounds 500

Each figure prints Markdown tables ending in PASS/MISS verdicts against its target. The exit status says only
whether the benchmarks ran (0) or one of them broke (1): a MISS is a finding, not a failure.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from types import ModuleType

from benchmarks import ack_latency, cold_start, history_size, polling_efficiency, record_cost

FIGURES: dict[str, ModuleType] = {
    "ack_latency": ack_latency,
    "cold_start": cold_start,
    "polling_efficiency": polling_efficiency,
    "history_size": history_size,
    "record_cost": record_cost,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Figures of cppcancel, each against a baseline measured in the same run (benchmarks/README.md).",
    )
    parser.add_argument("--quick", dest="quick_all", action="store_true", help="tiny sizes (smoke test)")
    figures = parser.add_subparsers(dest="figure", metavar="FIGURE")
    for name, module in FIGURES.items():
        summary = (module.__doc__ or name).strip().splitlines()[0]
        sub = figures.add_parser(name, help=summary, description=summary)
        add: Callable[[argparse.ArgumentParser], None] = module.add_arguments
        add(sub)
    return parser


def _run(name: str, args: argparse.Namespace) -> bool:
    main: Callable[[argparse.Namespace], int] = FIGURES[name].main
    started = time.monotonic()
    try:
        code = main(args)
    except Exception:
        traceback.print_exc()
        print(f"\n{name}: the benchmark broke (see the traceback above)", flush=True)
        return False
    print(f"\n({name} took {time.monotonic() - started:.0f} s)", flush=True)
    return code == 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.figure is not None:
        args.quick = args.quick or args.quick_all  # `--quick NAME` and `NAME --quick` both work
        return 0 if _run(args.figure, args) else 1
    ok = True
    for name in FIGURES:
        extra = ["--quick"] if args.quick_all else []
        figure_args = parser.parse_args([name, *extra])
        ok = _run(name, figure_args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
