"""One contract, every backend: each test of this package runs against SQLite and against Azure Tables on Azurite."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from record_store.base import RecordStore
from record_store.sqlite import SqliteRecordStore
from record_store.tables import TableRecordStore
from tests.record_store.azurite import Azurite, missing_reason

_tables = itertools.count(1)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    reason = missing_reason()
    if reason is not None:
        pytest.fail(reason, pytrace=False)  # never a skip: production runs on this backend
    server = Azurite(tmp_path_factory.mktemp("azurite"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "azure-tables"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordStore]:
    """A fresh, empty store of each backend (a table of its own on the session's Azurite)."""
    backend: RecordStore
    if request.param == "sqlite":
        backend = SqliteRecordStore(tmp_path / "records.sqlite3")
    else:
        server: Azurite = request.getfixturevalue("azurite")
        backend = TableRecordStore.from_connection_string(server.connection_string, f"contract{next(_tables)}")
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def azurite_forbidden(azurite: Azurite) -> str:
    """The session's Azurite with a wrong account key: every request is refused (403), as for a missing role."""
    return azurite.connection_string.replace("AccountKey=Eby8", "AccountKey=AAAA")
