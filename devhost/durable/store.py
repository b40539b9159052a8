"""SQLite persistence for orchestration instances, so a restarted dev host resumes every instance where it stopped.

One row per instance: its identity, runtime status, input/output/custom status as JSON text, timestamps, and the
replay driver's state (`devhost.durable.replay.Orchestration.to_json()`: the history, work scheduled but not finished,
timers not fired, and external events received but not yet seen by the orchestrator). Every change is committed
before the engine acts on it, so a crash at any point leaves either the old or the new state, never half of each.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"

RUNNING_STATES = frozenset({"Pending", "Running"})
# The extension's default `overridableExistingInstanceStates` (NonRunningStates, DurableTaskOptions.cs): a start of an
# instance ID in one of these is refused; a finished instance is replaced. ContinuedAsNew and Suspended are states the
# dev host does not enter itself, but a start must not replace an instance in them either.
NOT_OVERRIDABLE_STATES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})
TERMINAL_STATES = frozenset({"Completed", "Failed", "Terminated", "Canceled"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
    instance_id       TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    execution_id      TEXT NOT NULL,
    runtime_status    TEXT NOT NULL,
    input             TEXT,
    output            TEXT,
    custom_status     TEXT,
    created_time      TEXT NOT NULL,
    last_updated_time TEXT NOT NULL,
    state             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_status ON instances (runtime_status);
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass
class InstanceRecord:
    """One orchestration instance. JSON columns hold JSON text exactly as the orchestration produced it."""

    instance_id: str
    name: str
    execution_id: str
    runtime_status: str
    input_json: str | None
    output_json: str | None
    custom_status_json: str | None
    created_time: datetime
    last_updated_time: datetime
    state: dict[str, Any]

    @property
    def is_terminal(self) -> bool:
        return self.runtime_status in TERMINAL_STATES


class DurableStore:
    """A single connection guarded by a lock: the dev host is one process, and SQLite serialises writers anyway."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "PRAGMA synchronous=NORMAL"
        )  # WAL + NORMAL survives a killed process; only power loss can lose
        self._db.executescript(_SCHEMA)
        with self._transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise RuntimeError(
                    f"{path} was written by a different dev host version (schema {row[0]}); delete it to start fresh"
                )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ---- meta -----------------------------------------------------------------------------------------------
    def meta(self, key: str, default: str) -> str:
        """A persistent per-data-dir value, created with `default` on first use (e.g. the system key)."""
        with self._transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row[0])
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, default))
            return default

    # ---- instances ------------------------------------------------------------------------------------------
    def get(self, instance_id: str) -> InstanceRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
        return _record(row) if row else None

    def put(self, record: InstanceRecord) -> None:
        with self._transaction() as db:
            _upsert(db, record)

    def create_unless_running(self, record: InstanceRecord) -> InstanceRecord | None:
        """Insert or replace `record` atomically unless an instance with its ID is Pending, Running, ContinuedAsNew
        or Suspended; return that one.

        This is the `overridableExistingInstanceStates: NonRunningStates` rule: a finished instance may be replaced,
        a live one may not - the app relies on it for "one cancel per confirmation".
        """
        with self._transaction() as db:
            row = db.execute("SELECT * FROM instances WHERE instance_id = ?", (record.instance_id,)).fetchone()
            if row is not None and row[3] in NOT_OVERRIDABLE_STATES:
                return _record(row)
            _upsert(db, record)
            return None

    def delete(self, instance_id: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,)).rowcount > 0

    def query(
        self,
        *,
        statuses: Sequence[str] = (),
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        prefix: str | None = None,
    ) -> list[InstanceRecord]:
        clauses: list[str] = ["1 = 1"]
        args: list[str] = []
        if statuses:
            clauses.append(f"runtime_status IN ({', '.join('?' for _ in statuses)})")
            args.extend(statuses)
        if created_from is not None:
            clauses.append("created_time >= ?")
            args.append(_iso(created_from))
        if created_to is not None:
            clauses.append("created_time <= ?")
            args.append(_iso(created_to))
        if prefix:
            clauses.append("substr(instance_id, 1, ?) = ?")
            args.extend([str(len(prefix)), prefix])
        sql = f"SELECT * FROM instances WHERE {' AND '.join(clauses)} ORDER BY created_time"  # noqa: S608 - placeholders only
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_record(row) for row in rows]

    def live(self) -> list[InstanceRecord]:
        return self.query(statuses=sorted(RUNNING_STATES))


def _upsert(db: sqlite3.Connection, record: InstanceRecord) -> None:
    db.execute(
        "INSERT OR REPLACE INTO instances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.instance_id,
            record.name,
            record.execution_id,
            record.runtime_status,
            record.input_json,
            record.output_json,
            record.custom_status_json,
            _iso(record.created_time),
            _iso(record.last_updated_time),
            json.dumps(record.state),
        ),
    )


def _record(row: Sequence[Any]) -> InstanceRecord:
    return InstanceRecord(
        instance_id=row[0],
        name=row[1],
        execution_id=row[2],
        runtime_status=row[3],
        input_json=row[4],
        output_json=row[5],
        custom_status_json=row[6],
        created_time=datetime.fromisoformat(row[7]),
        last_updated_time=datetime.fromisoformat(row[8]),
        state=json.loads(row[9]),
    )
