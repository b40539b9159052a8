"""A store that cannot be reached says so as StoreUnavailable, quickly: the cancel path then sends nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devhost.standins.azurite import connection_string, free_port
from record_store.base import StoreUnavailable
from record_store.sqlite import SqliteRecordStore
from record_store.tables import TableRecordStore
from tests.record_store.test_contract import NOW, record


def test_azure_tables_with_nothing_listening_is_unavailable_within_seconds() -> None:
    store = TableRecordStore.from_connection_string(connection_string(free_port()), "nowhere")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="Azure Table Storage"):
        store.create(record())
    with pytest.raises(StoreUnavailable):
        store.acquire(record(), NOW, 60)
    assert time.monotonic() - started < 30
    store.close()


def test_a_table_the_identity_may_not_write_is_unavailable(azurite_forbidden: str) -> None:
    store = TableRecordStore.from_connection_string(azurite_forbidden, "records")
    with pytest.raises(StoreUnavailable):
        store.create(record())
    store.close()


def test_sqlite_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable, match="cannot be opened"):
        SqliteRecordStore(blocker / "records.sqlite3")
