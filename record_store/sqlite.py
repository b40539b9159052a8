"""The embedded backend: one SQLite file in the dev host's data dir, so `make demo` needs nothing but Python.

Conditional writes are single SQL statements (`INSERT` that fails on the primary key, `UPDATE`/`DELETE ... WHERE
version = ?`), so they are atomic across the threads and processes that share the file; WAL mode and a busy timeout
let a restarted dev host and its predecessor's leftovers take turns instead of failing.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from record_store.base import Entity, RecordStore, StoreUnavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    partition TEXT NOT NULL,
    row TEXT NOT NULL,
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (partition, row)
)
"""


class SqliteRecordStore(RecordStore):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._versions = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]  # versions stay unique across processes sharing the file
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"the record store {self.path} cannot be opened: {exc}") from exc

    def _version(self) -> str:
        return f"{self._run}-{next(self._versions)}"

    def _execute(self, sql: str, params: tuple[object, ...]) -> tuple[list[Any], int]:
        """Run one statement to its end and return its rows and its change count, all under the lock.

        The connection is shared by threads, and SQLite keeps the last error per *connection*: a statement still
        being stepped on another thread (a `fetchone` outside the lock) can overwrite a failed INSERT's
        SQLITE_CONSTRAINT before Python reads it, and Python then returns as if the INSERT had succeeded - two
        "first" inserts of one key, seen under load. Nothing of a statement may run outside the lock."""
        try:
            with self._lock:
                cursor = self._db.execute(sql, params)
                return cursor.fetchall(), cursor.rowcount
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"the record store {self.path} failed: {exc}") from exc

    def _insert(self, partition: str, row: str, entity: Entity) -> bool:
        try:
            self._execute(
                "INSERT INTO records (partition, row, version, body) VALUES (?, ?, ?, ?)",
                (partition, row, self._version(), json.dumps(entity)),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def _read(self, partition: str, row: str) -> tuple[Entity, str] | None:
        rows, _ = self._execute("SELECT body, version FROM records WHERE partition = ? AND row = ?", (partition, row))
        if not rows:
            return None
        body: Entity = json.loads(rows[0][0])
        return body, str(rows[0][1])

    def _replace(self, partition: str, row: str, entity: Entity, version: str) -> bool:
        _, changed = self._execute(
            "UPDATE records SET body = ?, version = ? WHERE partition = ? AND row = ? AND version = ?",
            (json.dumps(entity), self._version(), partition, row, version),
        )
        return changed == 1

    def _delete(self, partition: str, row: str, version: str) -> bool:
        _, changed = self._execute(
            "DELETE FROM records WHERE partition = ? AND row = ? AND version = ?", (partition, row, version)
        )
        return changed == 1

    def _put(self, partition: str, row: str, entity: Entity) -> None:
        self._execute(
            "INSERT INTO records (partition, row, version, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (partition, row) DO UPDATE SET version = excluded.version, body = excluded.body",
            (partition, row, self._version(), json.dumps(entity)),
        )

    def _scan(self, partition: str) -> Iterator[tuple[str, Entity]]:
        rows, _ = self._execute("SELECT row, body FROM records WHERE partition = ?", (partition,))
        for row, body in rows:
            yield str(row), json.loads(body)

    def close(self) -> None:
        with self._lock:
            self._db.close()
