"""Counting a record store's round trips: every call of a storage primitive is one request to the store.

A backend reaches its store only through the primitives of `record_store.primitives` (Azure Tables: one HTTP request
each, a transaction included; SQLite: one statement or one transaction each), and every operation of `RecordStore`
is written on top of them. So wrapping the primitives of one store object counts exactly the round trips the
operations above them make, whatever the backend, without changing what they do.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from record_store.base import RecordStore

PRIMITIVES = ("_insert", "_read", "_replace", "_delete", "_put", "_scan", "_transact")


class RoundTrips:
    """Wraps `store`'s primitives (on that object only) and counts their calls; `calls` names them in order."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self.calls: list[str] = []
        self._guard = threading.Lock()
        for name in PRIMITIVES:
            if hasattr(store, name):  # (a store from before `_transact` existed: to compare with one)
                setattr(store, name, self._counted(name, getattr(store, name)))

    def _counted(self, name: str, primitive: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(primitive)
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._guard:
                self.calls.append(name)
            return primitive(*args, **kwargs)

        return counted

    @property
    def count(self) -> int:
        with self._guard:
            return len(self.calls)

    def reset(self) -> None:
        with self._guard:
            self.calls.clear()
