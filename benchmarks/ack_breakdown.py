"""The optional breakdown of figure 1: where the real handlers spend their time.

Timing wrappers around named functions of the app, installed for an extra pass after the measurement and removed
again, so the figure's own numbers never include their cost. A module of its own because it patches the app and
the figure does not: what it reports is a reading aid (`--breakdown ROUNDS`), not part of the verdict.
"""

from __future__ import annotations

import collections
import functools
import importlib
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks import fixtures, report
from benchmarks.ack_session import Session

_PROBES: tuple[tuple[str, str, str], ...] = (
    ("slack_app.functions_adapter", "handle", "adapter: Bolt dispatch on the worker thread"),
    ("slack_app.listeners.command", "answer", "listener: slash command"),
    ("slack_app.listeners.frame", "run_click", "listener: click"),
    ("slack_app.runtime", "Runtime.refusal", "policy check"),
    ("slack_app.offers", "read_offer", "CPP read (list + detail)"),
    ("backends.cpp.client", "CppClient.list_operations", "CPP GET submissions"),
    ("backends.cpp.client", "CppClient.get_operation", "CPP GET operation"),
    ("slack_app.replies", "confirmation_message", "render the confirmation"),
    ("slack_app.audit_sink", "AuditSink.record", "audit record"),
    ("durable_bridge", "DurableBridge.status", "durable client: get_status"),
    ("durable_bridge", "DurableBridge.start", "durable client: start_new"),
    ("slack_bolt.context.respond.respond", "Respond.__call__", "respond() to response_url"),
)


class Probes:
    """Timing wrappers around named functions of the app, installed for the breakdown pass only, then removed.

    Best effort by design: a probe whose target was renamed is skipped and reported, never an error. Each
    request's time per probe is summed (a command reads the CPP twice) and kept per request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, float] = collections.defaultdict(float)
        self.per_request: dict[str, dict[str, list[float]]] = collections.defaultdict(
            lambda: collections.defaultdict(list)
        )
        self.missing: list[str] = []
        self._undo: list[Callable[[], None]] = []

    def install(self) -> None:
        for module_name, path, label in _PROBES:
            try:
                owner: Any = importlib.import_module(module_name)
                *parents, name = path.split(".")
                for parent in parents:
                    owner = getattr(owner, parent)
                original = getattr(owner, name)
            except (ImportError, AttributeError):
                self.missing.append(f"{module_name}.{path}")
                continue
            setattr(owner, name, self._wrap(original, label))
            self._undo.append(functools.partial(setattr, owner, name, original))

    def remove(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def _wrap(self, original: Callable[..., Any], label: str) -> Callable[..., Any]:
        probes = self

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with probes._lock:
                    probes._current[label] += time.perf_counter() - started

        return timed

    def begin(self) -> None:
        with self._lock:
            self._current = collections.defaultdict(float)

    def end(self, kind: str, total_s: float) -> None:
        with self._lock:
            spent = dict(self._current)
        self.per_request[kind]["whole request (client side)"].append(total_s)
        for label, seconds in spent.items():
            self.per_request[kind][label].append(seconds)


def breakdown(session: Session, rounds: int) -> str:
    probes = Probes()
    probes.install()
    try:
        for _ in range(rounds):
            probes.begin()
            reply = session.command(session.real)
            probes.end("command", session.real.last_seconds)
            if reply.button(fixtures.CONFIRM_ACTION) is None:
                continue
            probes.begin()
            session.click(session.real, reply)
            probes.end("click", session.real.last_seconds)
            session.settle()
    finally:
        probes.remove()
    labels = ["whole request (client side)"] + [label for _, _, label in _PROBES]
    rows = []
    for label in labels:
        cells = []
        for kind in ("command", "click"):
            samples = probes.per_request[kind].get(label, [])
            cells.append(report.fmt_ms(report.median(samples)) if samples else "-")
        if any(cell != "-" for cell in cells):
            rows.append((label, *cells))
    text = report.table(("where (nested; medians per request)", "command", "Confirm click"), rows)
    if probes.missing:
        text += "\n\nProbes skipped (renamed or removed): " + ", ".join(probes.missing)
    return f"Breakdown of the real handlers ({rounds} instrumented rounds, after the measurement):\n\n{text}"
