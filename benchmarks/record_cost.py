"""Figure 5 - what the cancel record costs: the send path after Confirm, with the record, against the POST alone.

What runs: the CPP client's cancel POST against the loopback CPP emulator (every request delayed by
`--cpp-latency-ms`, default 20 ms, as a latency fault), alone - the baseline, measured in the same run - and wrapped
in what `send_cancel` now does around it: `exactly_once.before_post` (create the request's record, take the offer's
lock, mark it `sending`) and `after_post` (write the answer, release the lock). Each backend is measured: SQLite
(the dev host's embedded store) and Azure Table Storage on Azurite (Microsoft's emulator, when installed; over
loopback it shows the number of round trips, not Azure's latency). Rounds alternate between the paths, each with a
request and an offer of its own, after `--warmup` untimed rounds.

Why this path and not the click's ack: the click only starts the cancel orchestration (its ack is figure 1); the
record is written in the `send_cancel` activity, on the way from Confirm to the Partner Portal. Target: the record
adds at most 100 ms at p95 to that way on either backend (the POST alone takes a round trip to the Partner
Portal; a real cancel takes 1-3 minutes to show).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from backends.cpp.client import CppClient
from backends.http.tokens import StaticTokenProvider
from benchmarks import report
from cancel_function.exactly_once import Go, after_post, before_post, mark_sending
from cppcancel.contracts import CancelRequest, Requester, SlackTarget
from cppcancel.sending import Answer
from cppcancel.targets import PublishTarget
from devhost.standins.cpp import EmulatorServer, Fault
from record_store.base import CancelRecord, RecordStore
from record_store.sqlite import SqliteRecordStore

TITLE = "Cancel record cost (figure 5)"
TARGET_MS = 100.0
LEASE_S = 3600.0


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


def _post_only(client: CppClient) -> None:
    _post(client)


def _post(client: CppClient) -> Answer:
    result = client.cancel("contoso", "contoso-vm-offer")
    return Answer(result.outcome, result.status_code, result.operation_url)


def _with_record(client: CppClient, store: RecordStore, n: int) -> None:
    now = datetime.now(UTC)
    step = before_post(store, _request(n), now, LEASE_S)
    assert isinstance(step, Go), step
    sending = mark_sending(store, step.record, now, LEASE_S)
    assert isinstance(sending, CancelRecord), sending
    done = after_post(store, sending, _post(client), now)
    store.release_lock(done.target, done.instance_id)  # the watch's end, for the next round


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


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(rounds: int, warmup: int, cpp_latency_s: float) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}
    with (
        EmulatorServer(step_seconds=3600.0) as emulator,
        tempfile.TemporaryDirectory(prefix="bench-records-") as data,
        _azurite() as tables,
    ):
        if cpp_latency_s > 0:
            emulator.add_fault(Fault(latency_s=cpp_latency_s, times=None))
        client = CppClient(emulator.base_url, StaticTokenProvider(emulator.token), max_retries=0)
        sqlite = SqliteRecordStore(Path(data) / "records.sqlite3")
        paths: dict[str, Callable[[int], None]] = {
            "POST alone (baseline)": lambda n: _post_only(client),
            "with the record: SQLite": lambda n: _with_record(client, sqlite, n),
        }
        if tables is not None:
            paths["with the record: Azure Tables (Azurite)"] = lambda n: _with_record(client, tables, n)
        requests = iter(range(10**9))  # every round of every path a request of its own
        for n in range(warmup + rounds):
            order = list(paths.items()) if n % 2 == 0 else list(reversed(paths.items()))
            for name, path in order:
                request_no = next(requests)
                elapsed = _timed(lambda p=path, i=request_no: p(i))  # type: ignore[misc]
                if n >= warmup:
                    samples.setdefault(name, []).append(elapsed)
        sqlite.close()
        client.close()
    return samples


def render(samples: dict[str, list[float]]) -> str:
    base = samples["POST alone (baseline)"]
    rows, verdicts = [], []
    for name, values in samples.items():
        p50, p95 = statistics.median(values), report.percentile(values, 95)
        added = p95 - report.percentile(base, 95)
        rows.append((name, len(values), report.fmt_ms(p50), report.fmt_ms(p95), f"{added * 1e3:+.1f} ms"))
        if values is not base:
            verdicts.append(
                report.Verdict(
                    f"record cost, {name.split(': ')[1]} (p95 added)",
                    f"{added * 1e3:.1f} ms",
                    report.fmt_ms(report.percentile(base, 95)),
                    report.fmt_ratio(report.ratio(p95, report.percentile(base, 95))),
                    f"<= {TARGET_MS:g} ms added",
                    added * 1e3 <= TARGET_MS,
                )
            )
    if len(samples) == 2:
        rows.append(("with the record: Azure Tables (Azurite)", 0, "-", "-", "not measured: Azurite not installed"))
    table = report.table(("path", "rounds", "p50", "p95", "p95 added"), rows)
    return table + "\n\n" + report.verdict_table(verdicts)


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
