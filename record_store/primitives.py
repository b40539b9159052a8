"""The storage primitives every record-store backend implements, and the one error they raise.

A backend implements only these (`sqlite.py`, `tables.py`); everything the app relies on - the record, the locks,
the registered jobs - is written once on top of them (`base.py`, `locks.py`, `jobs.py`) and proven on every backend
by one contract suite (tests/record_store).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Entity = dict[str, Any]

# Azure Tables' limit on one entity-group transaction (SQLite has none; the contract is the smaller of the two).
MAX_WRITES = 100


@dataclass(frozen=True)
class Insert:
    """Create the row; the transaction fails if it exists."""

    row: str
    entity: Entity


@dataclass(frozen=True)
class Put:
    """Create or replace the row, unconditionally."""

    row: str
    entity: Entity


@dataclass(frozen=True)
class Replace:
    """Replace the row if it is still at `version`; the transaction fails if it changed or is gone."""

    row: str
    entity: Entity
    version: str


@dataclass(frozen=True)
class Delete:
    """Delete the row if it is still at `version`; the transaction fails if it changed or is gone."""

    row: str
    version: str


Write = Insert | Put | Replace | Delete


def checked(writes: Sequence[Write]) -> Sequence[Write]:
    """A transaction Azure Tables would take: 1 to `MAX_WRITES` writes, each of its own row (a caller's mistake
    otherwise, whatever the backend)."""
    rows = [write.row for write in writes]
    if not 0 < len(rows) <= MAX_WRITES or len(set(rows)) != len(rows):
        raise ValueError(f"a transaction needs 1 to {MAX_WRITES} writes of distinct rows, not {rows}")
    return writes


class StoreUnavailable(RuntimeError):
    """The store could not be read or written (down, throttled, no permission): callers send nothing."""


class Primitives(abc.ABC):
    """Conditional insert, versioned read, ETag-checked replace and delete, unconditional put, partition scan, and
    several of those writes in one partition at once (`_transact`)."""

    @abc.abstractmethod
    def _insert(self, partition: str, row: str, entity: Entity) -> bool:
        """Create the entity; False (and no change) if one with that key exists."""

    @abc.abstractmethod
    def _read(self, partition: str, row: str) -> tuple[Entity, str] | None:
        """The entity and its version (ETag), or None."""

    @abc.abstractmethod
    def _replace(self, partition: str, row: str, entity: Entity, version: str) -> bool:
        """Replace the entity if it is still at `version`; False if it changed or is gone."""

    @abc.abstractmethod
    def _delete(self, partition: str, row: str, version: str) -> bool:
        """Delete the entity if it is still at `version`; False if it changed or is gone."""

    @abc.abstractmethod
    def _put(self, partition: str, row: str, entity: Entity) -> None:
        """Create or replace the entity, unconditionally (for rows with one writer: a request's own record)."""

    @abc.abstractmethod
    def _scan(self, partition: str) -> Iterator[tuple[str, Entity]]:
        """Every (row key, entity) of a partition, in any order."""

    @abc.abstractmethod
    def _transact(self, partition: str, writes: Sequence[Write]) -> list[str | None] | None:
        """All of `writes` in one round trip, all or nothing (Azure Tables' entity-group transaction: one partition,
        each row at most once, at most `MAX_WRITES`). The new version of each row (None for a delete), or None - and
        no change at all - when a write's condition failed (an insert's row exists, a replace's or delete's changed or
        is gone)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    def _forget(self, partition: str, row: str) -> None:
        """Delete a row whatever it holds (rows with no concurrent writer worth keeping: an index entry)."""
        for _ in range(3):
            found = self._read(partition, row)
            if found is None or self._delete(partition, row, found[1]):
                return
        raise StoreUnavailable(f"{partition}/{row} kept changing while it was deleted")
