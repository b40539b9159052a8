"""Histories live in SQLite: a new engine on the same file picks up every live instance where the old one stopped."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.durable.engine import DurableEngine
from devhost.durable.store import DurableStore, InstanceRecord
from devhost.functions.host import FunctionsHost, index_app
from tests.devhost import fixture_app
from tests.devhost.conftest import wait_until

# An event raised before the orchestrator waits for it is parked by the SDK, which warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Potential duplicate Task completion")


def _no_client() -> str:
    raise AssertionError("these orchestrations take no durable client")


class Engines:
    """Start engines on one SQLite file, one after the other, as restarts of the dev host would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.functions = FunctionsHost(index_app(fixture_app.app), client_binding=_no_client)
        self.current: DurableEngine | None = None

    def start(self) -> DurableEngine:
        self.stop()
        self.current = DurableEngine(DurableStore(self.path), self.functions)
        self.current.start()
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current.store.close()
            self.current = None


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Engines]:
    made = Engines(tmp_path / "durable.sqlite3")
    yield made
    made.stop()
    made.functions.close()


def _done(engine: DurableEngine, instance_id: str, timeout: float = 10) -> InstanceRecord:
    record = engine.wait_for_instance(instance_id, timeout)
    assert record is not None and record.is_terminal, record
    return record


def test_an_instance_stopped_mid_timer_resumes_and_finishes_on_a_new_engine(engines: Engines, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    engine = engines.start()
    engine.start_new("sleeper", "nap", json.dumps({"seconds": 0.8, "path": str(marks)}))
    wait_until(lambda: (r := engine.get("nap")) and r.custom_status_json == '"sleeping"', 5, "the timer to start")

    engines.stop()  # mid-timer
    engine = engines.start()
    done = _done(engine, "nap")
    assert (done.runtime_status, json.loads(done.output_json or "null")) == ("Completed", "rested")
    assert marks.read_text().split() == ["before", "after"]  # each activity ran exactly once


def test_a_timer_that_fell_due_while_stopped_fires_at_once(engines: Engines, tmp_path: Path) -> None:
    engine = engines.start()
    engine.start_new("sleeper", "late", json.dumps({"seconds": 0.2, "path": str(tmp_path / "m")}))
    wait_until(lambda: (r := engine.get("late")) and r.custom_status_json == '"sleeping"', 5, "the timer to start")
    engines.stop()
    time.sleep(0.3)  # the timer falls due while nothing runs
    engine = engines.start()
    assert _done(engine, "late", timeout=3).runtime_status == "Completed"


def test_an_activity_cut_off_by_a_stop_runs_again(engines: Engines, tmp_path: Path) -> None:
    """At-least-once, as on Azure: the activity's first run is abandoned, its result dropped, and it runs again."""
    marks = tmp_path / "marks"
    engine = engines.start()
    engine.start_new("lingerer", "slow", json.dumps({"seconds": 0.5, "path": str(marks)}))
    wait_until(lambda: marks.exists() and "start" in marks.read_text(), 5, "the activity to start")
    engines.stop()
    engine = engines.start()
    done = _done(engine, "slow")
    assert json.loads(done.output_json or "null") == "lingered"
    assert marks.read_text().split().count("start") == 2


def test_events_raised_while_pending_are_kept_across_a_restart(engines: Engines) -> None:
    store = DurableStore(engines.path)  # an engine that is not running still records starts and events
    stopped = DurableEngine(store, engines.functions)
    stopped.start_new("tour", "queued", json.dumps({"n": 2, "delay": 0.05, "wait": 20, "failures": 0}))
    stopped.raise_event("queued", "go", json.dumps("while stopped"))
    stopped.stop()
    store.close()
    engine = engines.start()
    done = _done(engine, "queued")
    assert json.loads(done.output_json or "null")["event"] == "while stopped"
