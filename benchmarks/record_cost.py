"""Figure 5 - what the cancel record costs: the send path after Confirm, with the record, against the POST alone.

What runs: the CPP client's cancel POST against the loopback CPP emulator (every request delayed by
`--cpp-latency-ms`, default 20 ms, as a latency fault), alone - the baseline, measured in the same run - and wrapped
in what `send_cancel` now does around it: `exactly_once.before_post` (record the request and take the offer's lock),
`mark_sending` (both marked `sending`) and `after_post` (write the answer, annotate or release the lock). Each
backend is measured: SQLite (the dev host's embedded store) and Azure Table Storage on Azurite (Microsoft's
emulator, when installed; over loopback it shows the number of round trips, not Azure's latency). Rounds alternate
between the paths, each with a request and an offer of its own, after `--warmup` untimed rounds.

Each store is wrapped in a counter of its round trips (`benchmarks.round_trips`: every storage primitive call is one
request to the store, a transaction included), printed for each backend as `store round trips: N before the POST,
M in all` (the end of the watch, which frees the offer later, is not on this way and not counted).

Why this path and not the click's ack: the click only starts the cancel orchestration (its ack is figure 1); the
record is written in the `send_cancel` activity, on the way from Confirm to the Partner Portal. Targets (issue
#27): at most 2 round trips before the POST and 3 in all; the record adds at most 20 ms at p95 on Azurite and 5 ms
on SQLite (the POST alone takes a round trip to the Partner Portal; a real cancel takes 1-3 minutes to show).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from backends.cpp.client import CppClient
from backends.http.tokens import StaticTokenProvider
from benchmarks import report
from benchmarks.round_trips import RoundTrips
from cancel_function.exactly_once import Go, after_post, before_post, mark_sending
from cppcancel.contracts import CancelRequest, Requester, SlackTarget
from cppcancel.sending import Answer
from cppcancel.targets import PublishTarget
from devhost.standins.cpp import EmulatorServer, Fault
from record_store.base import CancelRecord, RecordStore
from record_store.sqlite import SqliteRecordStore

TITLE = "Cancel record cost (figure 5)"
SQLITE, AZURITE = "SQLite", "Azure Tables (Azurite)"
TARGET_MS = {SQLITE: 5.0, AZURITE: 20.0}  # p95 added to the POST alone
TARGET_BEFORE, TARGET_ALL = 2, 3  # store round trips
LEASE_S = 3600.0
BASELINE = "POST alone (baseline)"


def _request(n: int) -> CancelRequest:
    return CancelRequest(
        request_id=f"bench-{n}",
        source="slack",
        target=PublishTarget("contoso", "contoso-vm-offer"),
        requester=Requester(display="bench", user_id="U0BENCH"),
        correlation_id=f"bench-{n}",
        requested_at="2026-12-01T10:00:00Z",
        slack=SlackTarget("C0BENCH"),
    )


def _post_only(client: CppClient) -> Callable[[], object]:
    _post(client)
    return lambda: None


def _post(client: CppClient) -> Answer:
    result = client.cancel("contoso", "contoso-vm-offer")
    return Answer(result.outcome, result.status_code, result.operation_url)


def _with_record(client: CppClient, trips: RoundTrips, n: int) -> tuple[CancelRecord, int, int]:
    """One cancel through the record: its record, and its store round trips before the POST and in all."""
    store = trips.store
    trips.reset()
    now = datetime.now(UTC)
    step = before_post(store, _request(n), now, LEASE_S)
    assert isinstance(step, Go), step
    sending = mark_sending(store, step.record, now, LEASE_S)
    assert isinstance(sending, CancelRecord), sending
    before = trips.count
    done = after_post(store, sending, _post(client), now)
    return done, before, trips.count


@contextmanager
def _azurite() -> Iterator[RecordStore | None]:
    from devhost.standins.azurite import Azurite, missing_reason
    from record_store.tables import TableRecordStore

    if missing_reason() is not None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="bench-azurite-") as workdir:
        server = Azurite(Path(workdir))
        server.start()
        store = TableRecordStore.from_connection_string(server.connection_string, "benchrecords")
        try:
            yield store
        finally:
            store.close()
            server.stop()


@dataclass
class Figures:
    """Each path's durations, and each backend's round trips per cancel (every distinct count seen)."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    trips: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


def measure(rounds: int, warmup: int, cpp_latency_s: float) -> Figures:
    figures = Figures()
    with (
        EmulatorServer(step_seconds=3600.0) as emulator,
        tempfile.TemporaryDirectory(prefix="bench-records-") as data,
        _azurite() as tables,
    ):
        if cpp_latency_s > 0:
            emulator.add_fault(Fault(latency_s=cpp_latency_s, times=None))
        client = CppClient(emulator.base_url, StaticTokenProvider(emulator.token), max_retries=0)
        sqlite = SqliteRecordStore(Path(data) / "records.sqlite3")
        stores = {SQLITE: RoundTrips(sqlite)}
        if tables is not None:
            stores[AZURITE] = RoundTrips(tables)

        def with_record(backend: str) -> Callable[[int], Callable[[], object]]:
            def run(n: int) -> Callable[[], object]:
                done, before, in_all = _with_record(client, stores[backend], n)
                figures.trips.setdefault(backend, set()).add((before, in_all))
                # The watch's end frees the offer for the next round: later, in another activity (not timed).
                return lambda: stores[backend].store.release_lock(done.target, done.instance_id)

            return run

        paths: dict[str, Callable[[int], Callable[[], object]]] = {BASELINE: lambda n: _post_only(client)}
        paths.update({f"with the record: {backend}": with_record(backend) for backend in stores})
        requests = iter(range(10**9))  # every round of every path a request of its own
        for n in range(warmup + rounds):
            order = list(paths.items()) if n % 2 == 0 else list(reversed(paths.items()))
            for name, path in order:
                started = time.perf_counter()
                afterwards = path(next(requests))
                elapsed = time.perf_counter() - started
                afterwards()
                if n >= warmup:
                    figures.samples.setdefault(name, []).append(elapsed)
        sqlite.close()
        client.close()
    return figures


def _trips_line(backend: str, seen: set[tuple[int, int]]) -> str:
    before, in_all = max(seen)
    varied = "" if len(seen) == 1 else f" (at most; seen {sorted(seen)})"
    return f"{backend}: store round trips: {before} before the POST, {in_all} in all{varied}"


def render(figures: Figures) -> str:
    samples = figures.samples
    base = samples[BASELINE]
    base_p95 = report.percentile(base, 95)
    rows, verdicts = [], []
    for name, values in samples.items():
        p50, p95 = statistics.median(values), report.percentile(values, 95)
        added = p95 - base_p95
        rows.append((name, len(values), report.fmt_ms(p50), report.fmt_ms(p95), f"{added * 1e3:+.1f} ms"))
        if values is base:
            continue
        backend = name.split(": ")[1]
        target = TARGET_MS[backend]
        ratio = report.fmt_ratio(report.ratio(p95, base_p95))
        verdicts.append(
            report.Verdict(
                f"record cost, {backend} (p95 added)",
                f"{added * 1e3:.1f} ms",
                report.fmt_ms(base_p95),
                ratio,
                f"<= {target:g} ms added",
                added * 1e3 <= target,
            )
        )
        before, in_all = max(figures.trips[backend])
        verdicts.append(
            report.Verdict(
                f"store round trips, {backend}",
                f"{before} before the POST, {in_all} in all",
                "-",
                "-",
                f"<= {TARGET_BEFORE} before, <= {TARGET_ALL} in all",
                before <= TARGET_BEFORE and in_all <= TARGET_ALL,
            )
        )
    if AZURITE not in figures.trips:
        rows.append((f"with the record: {AZURITE}", 0, "-", "-", "not measured: Azurite not installed"))
    table = report.table(("path", "rounds", "p50", "p95", "p95 added"), rows)
    trips = "\n".join(_trips_line(backend, seen) for backend, seen in figures.trips.items())
    return table + "\n\n" + trips + "\n\n" + report.verdict_table(verdicts)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=200, help="timed rounds per path (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first (default 10)")
    parser.add_argument("--cpp-latency-ms", type=float, default=20.0, help="delay of every CPP request (default 20)")
    parser.add_argument("--quick", action="store_true", help="10 rounds, 2 warm-up (smoke test)")


def main(args: argparse.Namespace) -> int:
    rounds, warmup = (10, 2) if args.quick else (max(1, args.rounds), max(0, args.warmup))
    print(report.heading(TITLE, (__doc__ or "").split("\n\n", 1)[1].strip()))
    print(render(measure(rounds, warmup, args.cpp_latency_ms / 1e3)))
    return 0
