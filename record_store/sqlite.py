"""The embedded backend: one SQLite file in the dev host's data dir, so `make demo` needs nothing but Python.

Conditional writes are single SQL statements (`INSERT` that fails on the primary key, `UPDATE`/`DELETE ... WHERE
version = ?`), so they are atomic across the threads and processes that share the file; a transaction of several
(`_transact`) is one `BEGIN IMMEDIATE ... COMMIT`, rolled back when a condition fails. WAL mode and a busy timeout
let a restarted dev host and its predecessor's leftovers take turns instead of failing.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from record_store.base import Entity, RecordStore, StoreUnavailable
from record_store.primitives import Delete, Insert, Put, Replace, Write, checked

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
            self._execute(*self._insert_sql(partition, row, entity, self._version()))
        except sqlite3.IntegrityError:
            return False
        return True

    @staticmethod
    def _insert_sql(partition: str, row: str, entity: Entity, version: str) -> tuple[str, tuple[object, ...]]:
        return (
            "INSERT INTO records (partition, row, version, body) VALUES (?, ?, ?, ?)",
            (partition, row, version, json.dumps(entity)),
        )

    @staticmethod
    def _put_sql(partition: str, row: str, entity: Entity, version: str) -> tuple[str, tuple[object, ...]]:
        return (
            "INSERT INTO records (partition, row, version, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (partition, row) DO UPDATE SET version = excluded.version, body = excluded.body",
            (partition, row, version, json.dumps(entity)),
        )

    @staticmethod
    def _replace_sql(partition: str, write: Replace, version: str) -> tuple[str, tuple[object, ...]]:
        return (
            "UPDATE records SET body = ?, version = ? WHERE partition = ? AND row = ? AND version = ?",
            (json.dumps(write.entity), version, partition, write.row, write.version),
        )

    def _read(self, partition: str, row: str) -> tuple[Entity, str] | None:
        rows, _ = self._execute("SELECT body, version FROM records WHERE partition = ? AND row = ?", (partition, row))
        if not rows:
            return None
        body: Entity = json.loads(rows[0][0])
        return body, str(rows[0][1])

    def _replace(self, partition: str, row: str, entity: Entity, version: str) -> bool:
        _, changed = self._execute(*self._replace_sql(partition, Replace(row, entity, version), self._version()))
        return changed == 1

    def _delete(self, partition: str, row: str, version: str) -> bool:
        _, changed = self._execute(
            "DELETE FROM records WHERE partition = ? AND row = ? AND version = ?", (partition, row, version)
        )
        return changed == 1

    def _put(self, partition: str, row: str, entity: Entity) -> None:
        self._execute(*self._put_sql(partition, row, entity, self._version()))

    def _statement(self, partition: str, write: Write, version: str) -> tuple[str, tuple[object, ...]]:
        if isinstance(write, Insert):
            return self._insert_sql(partition, write.row, write.entity, version)
        if isinstance(write, Put):
            return self._put_sql(partition, write.row, write.entity, version)
        if isinstance(write, Replace):
            return self._replace_sql(partition, write, version)
        return "DELETE FROM records WHERE partition = ? AND row = ? AND version = ?", (
            partition,
            write.row,
            write.version,
        )

    def _transact(self, partition: str, writes: Sequence[Write]) -> list[str | None] | None:
        versions: list[str | None] = [None if isinstance(w, Delete) else self._version() for w in checked(writes)]
        try:
            with self._lock:  # every statement of the transaction under the lock (see `_execute`)
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    done = self._apply(partition, writes, versions)
                    self._db.execute("COMMIT" if done else "ROLLBACK")
                finally:
                    if self._db.in_transaction:  # failed part-way, or the COMMIT itself failed
                        self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"the record store {self.path} failed: {exc}") from exc
        return versions if done else None

    def _apply(self, partition: str, writes: Sequence[Write], versions: list[str | None]) -> bool:
        """Each write inside the open transaction; False at the first whose condition fails."""
        for write, version in zip(writes, versions, strict=True):
            try:
                cursor = self._db.execute(*self._statement(partition, write, version or ""))
            except sqlite3.IntegrityError:
                return False  # an insert's row exists
            if isinstance(write, Replace | Delete) and cursor.rowcount != 1:
                return False  # changed or gone
        return True

    def _scan(self, partition: str) -> Iterator[tuple[str, Entity]]:
        rows, _ = self._execute("SELECT row, body FROM records WHERE partition = ?", (partition,))
        for row, body in rows:
            yield str(row), json.loads(body)

    def close(self) -> None:
        with self._lock:
            self._db.close()
