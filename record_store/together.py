"""A request's record and its target's lock written together: one round trip per step of the send, where they can.

`exactly_once.send` writes both rows at each of its three steps: record the request and take the lock; mark both
`sending` before the POST; write the answer back and annotate (or release) the lock after it. A CPP publish's record
`req|{instance}` and its lock `lock` share the offer's partition, so each step is one entity-group transaction
(`Primitives._transact`: Azure Tables' `submit_transaction`, one SQLite transaction) - three round trips in all,
two of them before the POST - instead of the eight the separate operations take.

Nothing is weakened, because each transaction is exactly the separate writes' conditions, all or nothing:

- `create_and_acquire`: the record's insert and the lock's insert. Either row existing (a re-run; another request
  holds the target) fails both, nothing is written, and the caller goes the long way (`create`, then `acquire`, which
  decide what a re-run or a joiner does). A host dying after it leaves what the long way's first two steps leave: the
  record `recorded` and the lock `taken`, so the request is still sendable (its re-run holds its own lock).
- `mark_request_sending`: the record put `sending` and the lock replaced `sending`, conditional on the lock's ETag as
  this store wrote it (so still this request's, untouched). A lock taken over (or annotated) meanwhile fails both, and
  the long way (`update`, then `mark_sending`) reads it and says `LockLost`.
- `write_back`: the answer put in the record, and the lock annotated with its operation - or, with nothing to watch,
  deleted - conditional on that ETag too. When it cannot be done so, nothing is written and the caller writes each on
  its own, as before.

The ETag each step needs comes from the previous step's answer: the store keeps, per lock row, the lock as it last
wrote it for its holder (`_Held`). That is only a hint saving a read: a stale one fails the ETag check, and the long
way reads. A job's lock lives in the job's partition, apart from the record (`keys.py`), so a job cancel always goes
the long way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property

from cppcancel.times import iso
from record_store.keys import lock_key, partition_of, record_row
from record_store.locks import LockOps, OfferLock, annotated
from record_store.primitives import Delete, Insert, Put, Replace
from record_store.records import CancelRecord

KEPT = 1024  # locks whose last-written version a store remembers (one per cancel in flight on this host)


@dataclass(frozen=True)
class _Held:
    """A lock as this store last wrote it, and the version (ETag) that write got."""

    lock: OfferLock
    version: str


class _Versions:
    """The last-written lock of each lock row, for its holder; bounded, thread-safe."""

    def __init__(self) -> None:
        self._known: OrderedDict[tuple[str, str], _Held] = OrderedDict()
        self._guard = threading.Lock()

    def note(self, key: tuple[str, str], lock: OfferLock, version: str | None) -> None:
        with self._guard:
            self._known.pop(key, None)
            if version:
                self._known[key] = _Held(lock, version)
                while len(self._known) > KEPT:
                    self._known.popitem(last=False)

    def take(self, key: tuple[str, str], holder: str) -> _Held | None:
        """The lock this store last wrote at `key`, if for `holder` (forgotten: the write it serves changes it)."""
        with self._guard:
            held = self._known.pop(key, None)
        return held if held is not None and held.lock.holder == holder else None


class TogetherOps(LockOps):
    """The record-and-lock steps of `RecordStore` (see the module docstring)."""

    @cached_property
    def _lock_versions(self) -> _Versions:
        return _Versions()

    def create_and_acquire(self, record: CancelRecord, now: datetime, lease_s: float) -> OfferLock | None:
        """The record created and the lock taken in one round trip: the lock, or None - nothing written - when the two
        do not share a partition or either exists (go the long way: `create`, then `acquire`)."""
        partition, row = lock_key(record.target)
        if partition != partition_of(record.publisher_id, record.offer_id):
            return None
        lock = OfferLock.for_record(record, now, lease_s)
        writes = [Insert(record_row(record.instance_id), record.to_entity()), Insert(row, lock.to_entity())]
        versions = self._transact(partition, writes)
        if versions is None:
            return None
        self._lock_versions.note((partition, row), lock, versions[1])
        return lock

    def mark_request_sending(self, sending: CancelRecord, now: datetime, lease_s: float) -> OfferLock:
        """`update(sending)` then `mark_sending(sending, ...)`: in one round trip when this store took the lock and
        nobody wrote it since, else those two in that order. Raises `LockLost` as `mark_sending` does."""
        key = lock_key(sending.target)
        partition = partition_of(sending.publisher_id, sending.offer_id)
        held = self._lock_versions.take(key, sending.instance_id)  # noted only where lock and record share a partition
        if held is not None:
            marked = replace(held.lock, state="sending", expires_at=iso(now + timedelta(seconds=lease_s)))
            record = Put(record_row(sending.instance_id), sending.to_entity())
            versions = self._transact(partition, [record, Replace(key[1], marked.to_entity(), held.version)])
            if versions is not None:
                self._lock_versions.note(key, marked, versions[1])
                return marked
        self._put(partition, record_row(sending.instance_id), sending.to_entity())
        return self.mark_sending(sending, now, lease_s)

    def write_back(
        self,
        done: CancelRecord,
        *,
        release: bool,
        operation_url: str | None = None,
        watch_instance_id: str | None = None,
    ) -> bool:
        """The POST's answer in the record, and the lock annotated (or, `release`, deleted), in one round trip: True.
        False - nothing written - when this store did not mark the lock or it changed since: write each on its own
        (`update`, then `annotate_lock` or `release_lock`)."""
        key = lock_key(done.target)
        partition = partition_of(done.publisher_id, done.offer_id)
        held = self._lock_versions.take(key, done.instance_id)  # noted only where lock and record share a partition
        if held is None:
            return False
        notes = annotated(held.lock, operation_url=operation_url, watch_instance_id=watch_instance_id)
        lock = Delete(key[1], held.version) if release else Replace(key[1], notes.to_entity(), held.version)
        return self._transact(partition, [Put(record_row(done.instance_id), done.to_entity()), lock]) is not None
