"""Figure 2's runner: one cold start of a subject - spawn, wait for the host, send the command, read what it cost.

`spawn_once` spawns a fresh `python` that runs the dev host (`devhost.__main__.main`, as `python -m devhost` does) on
a free port with a fresh data dir, serving one `Subject`; the CPP emulator and the Slack stand-in (`outside_world`)
run in the benchmark's own process. It times spawn -> host ready -> the first signed slash command answered, reads
the child's CPU time and peak RSS (VmHWM) and, on SIGUSR1, the names in its `sys.modules`.
`benchmarks/cold_start.py` runs it, `benchmarks/cold_report.py` judges and prints what it measured.
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import fixtures
from benchmarks.slack_http import KeepAliveSlackClient
from devhost.functions.loader import REPO_ROOT

START_TIMEOUT_S = 60.0
POLL_S = 0.005
MODULES_ENV = "BENCH_MODULES_OUT"

# The child: dump sys.modules on SIGUSR1, then run the dev host's CLI exactly as `python -m devhost` would.
CHILD = (
    "import json, os, signal, sys\n"
    "def _dump(signum, frame):\n"
    f"    with open(os.environ[{MODULES_ENV!r}], 'w') as out:\n"
    "        json.dump(sorted(sys.modules), out)\n"
    "signal.signal(signal.SIGUSR1, _dump)\n"
    "from devhost.__main__ import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@dataclass(frozen=True)
class Subject:
    label: str
    app: str
    route_prefix: str  # where its slash-command route lives


SUBJECTS = (
    Subject("app", "function_app:app", "api"),
    Subject("minimal DFApp", "benchmarks.minimal_app:app", "api"),
    Subject("floor: DFApp + slack_bolt + requests", "benchmarks.floor_app:app", "api"),
)


@dataclass
class Run:
    ready_s: float
    answer_s: float
    peak_kib: float
    status: int
    modules: list[str] = field(default_factory=list)
    slack_calls: list[str] = field(default_factory=list)
    deferred: bool = False  # the answer was "Looking up…" (the full one came later): not the answer measured
    cpu_s: float = float("nan")  # CPU the child used up to its answer, all its threads: less at the box's mercy


@dataclass
class Stand:
    """The outside world the children talk to: one CPP emulator and one Slack stand-in for the whole figure."""

    environ: dict[str, str]
    secret: str
    standin: Any


@contextlib.contextmanager
def outside_world(cpp_latency_s: float) -> Iterator[Stand]:
    from devhost.standins.cpp import EmulatorServer, Fault
    from devhost.standins.slack import SlackStandIn

    emulator = EmulatorServer(step_seconds=3600.0).start()
    standin = SlackStandIn(bot_token=fixtures.BOT_TOKEN).start()
    if cpp_latency_s > 0:
        emulator.add_fault(Fault(latency_s=cpp_latency_s, times=None))
    secret = fixtures.signing_secret()
    environ = fixtures.clean_environ(os.environ)
    environ.update(
        {
            "CPP_BASE_URL": emulator.base_url,
            "CPP_ACCESS_TOKEN": emulator.token,
            "SLACK_API_BASE_URL": standin.base_url,
            "SLACK_BOT_TOKEN": fixtures.BOT_TOKEN,
            "SLACK_SIGNING_SECRET": secret,
            "CANCEL_POLICY": fixtures.policy_json(),
            "PYTHONUNBUFFERED": "1",
        }
    )
    try:
        yield Stand(environ, secret, standin)
    finally:
        standin.stop()
        emulator.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Until the dev host answers its status endpoint (connection refused until it has bound the port)."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dev host exited with {process.returncode} before answering")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=START_TIMEOUT_S)
        try:
            connection.request("GET", "/admin/host/status")
            if connection.getresponse().status == 200:
                return
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
            time.sleep(POLL_S)
        finally:
            connection.close()
    raise TimeoutError(f"the dev host did not answer within {START_TIMEOUT_S:g} s")


def _peak_kib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return float("nan")


def _cpu_s(pid: int) -> float:
    """CPU seconds the process's threads have run (`/proc/PID/task/*/schedstat`, nanoseconds), NaN if unreadable.

    Wall time on a shared box also counts the time the child waited for a core; its own CPU time much less so, which
    is what makes it the steadier of the two for comparing what the app itself costs."""
    try:
        return sum(int(t.read_text().split()[0]) for t in Path(f"/proc/{pid}/task").glob("*/schedstat")) / 1e9
    except (OSError, ValueError, IndexError):
        return float("nan")


def _modules(pid: int, path: Path) -> list[str]:
    try:
        os.kill(pid, signal.SIGUSR1)
    except OSError:
        return []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            names = json.loads(path.read_text(encoding="utf-8"))
            return [str(n) for n in names]
        except (OSError, ValueError):
            time.sleep(0.01)
    return []


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def existing_record_store(data_dir: Path) -> None:
    """Give the data dir the record store a deployed app already has (untimed, for every subject alike).

    A cold start is a new worker of an app that has run before: in Azure its table is there, and only the first
    request of a brand-new deployment would create it. In a fresh data dir the dev host's SQLite stand-in would create
    its file and schema on the app's first request instead - tens of milliseconds of fsync on this box, charged to
    the app's share though no cold worker in Azure pays it.
    """
    from devhost.emulators import RECORD_STORE_FILE
    from record_store.sqlite import SqliteRecordStore

    SqliteRecordStore(data_dir / RECORD_STORE_FILE).close()


def spawn_once(subject: Subject, stand: Stand, *, importtime_to: Path | None = None) -> Run:
    """One cold start: spawn, wait for the host, send the command, read peak RSS and modules, stop."""
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        port = free_port()
        existing_record_store(Path(tmp) / "data")
        modules_file = Path(tmp) / "modules.json"
        environ = {**stand.environ, MODULES_ENV: str(modules_file)}
        flags = ["-X", "importtime"] if importtime_to is not None else []
        command = [
            sys.executable,
            *flags,
            "-c",
            CHILD,
            "--app",
            subject.app,
            "--port",
            str(port),
            "--data-dir",
            str(Path(tmp) / "data"),
            "--no-local-settings",
            "--log-level",
            "ERROR",
        ]
        calls_before = len(stand.standin.calls)
        stderr = importtime_to.open("wb") if importtime_to is not None else subprocess.DEVNULL
        try:
            started = time.perf_counter()
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                _wait_ready(port, process, time.monotonic() + START_TIMEOUT_S)
                ready = time.perf_counter() - started
                client = KeepAliveSlackClient(
                    f"http://127.0.0.1:{port}", stand.secret, route_prefix=subject.route_prefix
                )
                reply = client.command(
                    fixtures.COMMAND,
                    user=fixtures.USER,
                    channel=fixtures.CHANNEL,
                    response_url=stand.standin.response_url("cold"),
                )
                answered = time.perf_counter() - started
                client.close()
                cpu = _cpu_s(process.pid)
                peak = _peak_kib(process.pid)
                modules = _modules(process.pid, modules_file)
            finally:
                _stop(process)
        finally:
            if importtime_to is not None and not isinstance(stderr, int):
                stderr.close()
        calls = [name for name, _ in stand.standin.calls[calls_before:]]
        deferred = str(reply.payload.get("text") or "").startswith("Looking up")
        return Run(ready, answered, peak, reply.status, modules, calls, deferred, cpu)


def import_costs(path: Path) -> dict[str, float]:
    """Seconds of `-X importtime` self time per top-level package."""
    costs: dict[str, float] = collections.defaultdict(float)
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = [p.strip() for p in line[len("import time:") :].split("|")]
        if len(parts) != 3 or not parts[0].isdigit():
            continue
        costs[parts[2].split(".")[0]] += int(parts[0]) / 1e6
    return dict(costs)
