"""The cancel locks: one per offer (its CPP publish) and one per configure job, and when a holder holds nothing.

A lock is a row taken by conditional insert; `acquire` answers who holds it. Its holder goes through two states, and
the second is what makes a takeover safe:

- `taken`: the holder has its record and the lock, and is checking that the API can be reached.
- `sending`: the holder proved - by an ETag-checked replace of the lock row (`mark_sending`) - that it still held the
  lock, and only then POSTs. A takeover is an ETag-checked replace too, so once a lock is taken over the old holder's
  `mark_sending` fails and it sends nothing: whatever the record says, at most one POST follows one lock.

So the lock row alone does not say whether anyone holds the offer: a store outage can leave a lock behind whose
holder gave up (its release failed too). A joiner therefore reads the holder's **record** (`holds`): a holder whose
record is missing, says nothing was sent (`not_sent`, `joined`), or finished (`failed`; `sent` with nothing to
watch) holds nothing, and neither does a `taken` lock whose holder has not marked it `sending` within
`LOCK_CLAIM_S` (the outage that kept it from doing so may have kept it from writing anything else too). Such a lock is
taken over and the new request sends. Only a holder that sent or is about to - `sending`, a `taken` lock within its
claim, `sent` with an operation being watched - is joined, so a joiner is told "joined the cancel requested by X at
T" only when that is true. The lease (`CANCEL_LOCK_LEASE_S`) still bounds everything else.

Release is by holder: the request itself (nothing to watch, or nothing sent), or the end of the watch that followed
it - matched by the watcher's instance ID once the lock was annotated with it, or by the holder's correlation ID,
which the watcher carries too, when the annotation was lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from cppcancel.targets import Target, target_of
from cppcancel.times import iso, parse_iso
from record_store.keys import lock_key, partition_of, record_row
from record_store.primitives import Entity, Primitives, StoreUnavailable
from record_store.records import CancelRecord

# How long a holder may take from the lock to `mark_sending` (the API's reachability read) before a joiner stops
# trusting it. Safety never depends on it (see the module docstring): only how soon an abandoned lock is reused.
LOCK_CLAIM_S = 120.0
LockState = Literal["taken", "sending"]


@dataclass(frozen=True)
class OfferLock:
    """Who holds an offer's (or a job's) cancel lock, until when, and where its cancel can be followed."""

    publisher_id: str  # the holder's offer (for a job's lock: the offer the holder named; its record is there)
    offer_id: str
    holder: str  # the holding request's instance ID
    requested_by: str
    requested_at: str
    expires_at: str
    display: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    operation_url: str | None = None
    watch_instance_id: str | None = None
    job_id: str | None = None  # the lock of one configure job, not the offer's CPP lock
    state: LockState = "sending"  # a row from before the states existed: its holder may have sent
    taken_at: str | None = None
    correlation_id: str | None = None
    submission_id: str | None = None  # the lock of an Azure Application product, taken for this submission

    def to_entity(self) -> Entity:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> OfferLock:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in entity.items() if k in names}
        if data.get("state") not in ("taken", "sending"):
            data["state"] = "sending"
        return cls(**data)

    @property
    def target(self) -> Target:
        """What the holder cancels (a job's lock names its job; the offer is the one its holder named)."""
        return target_of(self.publisher_id, self.offer_id, self.job_id, self.submission_id)

    def expired(self, now: datetime) -> bool:
        expires = parse_iso(self.expires_at)
        return expires is None or expires <= now

    @classmethod
    def for_record(cls, record: CancelRecord, now: datetime, lease_s: float) -> OfferLock:
        return cls(
            publisher_id=record.publisher_id,
            offer_id=record.offer_id,
            holder=record.instance_id,
            requested_by=record.requested_by,
            requested_at=record.requested_at,
            expires_at=iso(now + timedelta(seconds=lease_s)),
            display=record.display,
            channel=record.channel,
            job_id=record.job_id,
            submission_id=record.submission_id,
            state="taken",
            taken_at=iso(now),
            correlation_id=record.correlation_id,
        )


def holds(lock: OfferLock, holder: CancelRecord | None, now: datetime, claim_s: float = LOCK_CLAIM_S) -> bool:
    """Whether the lock's holder, as its record says, sent its cancel or is about to (see the module docstring)."""
    if holder is None or holder.state in ("not_sent", "joined", "failed"):
        return False
    if holder.state == "sent":
        return holder.watched
    if lock.state == "sending":
        return True  # recorded or sending: its POST went, or is going, and its answer is not written yet
    taken = parse_iso(lock.taken_at)
    return taken is None or now < taken + timedelta(seconds=claim_s)


def annotated(
    lock: OfferLock,
    *,
    operation_url: str | None = None,
    watch_instance_id: str | None = None,
    message_ts: str | None = None,
) -> OfferLock:
    """The lock with what joiners need added (what is not given is kept)."""
    return replace(
        lock,
        operation_url=operation_url or lock.operation_url,
        watch_instance_id=watch_instance_id or lock.watch_instance_id,
        message_ts=message_ts or lock.message_ts,
    )


@dataclass(frozen=True)
class LockResult:
    """`acquired`: this request holds the lock now (also when it already did). Otherwise `lock` is the holder's."""

    acquired: bool
    lock: OfferLock


class LockLost(Exception):
    """The lock was taken over before its holder could mark it `sending`; `lock` is the new holder's (None when that
    one has already released it)."""

    def __init__(self, lock: OfferLock | None) -> None:
        super().__init__(f"the cancel lock is held by {lock.holder if lock else 'nobody'} now")
        self.lock = lock


class LockOps(Primitives):
    """The lock operations of `RecordStore`."""

    def _holder_of(self, lock: OfferLock) -> CancelRecord | None:
        found = self._read(partition_of(lock.publisher_id, lock.offer_id), record_row(lock.holder))
        return CancelRecord.from_entity(found[0]) if found else None

    def acquire(self, record: CancelRecord, now: datetime, lease_s: float, claim_s: float = LOCK_CLAIM_S) -> LockResult:
        """Take the lock for `record`, or say who holds it. A lock whose lease ran out, or whose holder holds nothing
        (`holds`), is taken over (ETag-checked)."""
        wanted = OfferLock.for_record(record, now, lease_s)
        partition, row = lock_key(record.target)
        for _ in range(5):
            if self._insert(partition, row, wanted.to_entity()):
                return LockResult(True, wanted)
            found = self._read(partition, row)
            if found is None:
                continue  # released in between: try the insert again
            current = OfferLock.from_entity(found[0])
            if current.holder == record.instance_id:
                return LockResult(True, current)  # a re-run of the holder
            if not current.expired(now) and holds(current, self._holder_of(current), now, claim_s):
                return LockResult(False, current)
            if self._replace(partition, row, wanted.to_entity(), found[1]):
                return LockResult(True, wanted)
        raise StoreUnavailable(f"the lock {partition}/{row} kept changing while it was taken")

    def mark_sending(self, record: CancelRecord, now: datetime, lease_s: float) -> OfferLock:
        """The holder's last step before its POST: the lock marked `sending` (its lease counted from now),
        ETag-checked, while `record` still holds it. Raises `LockLost` when it was taken over meanwhile (or taken
        over and already released): send nothing."""
        partition, row = lock_key(record.target)
        for _ in range(5):
            found = self._read(partition, row)
            if found is None:
                raise LockLost(None)
            current = OfferLock.from_entity(found[0])
            if current.holder != record.instance_id:
                raise LockLost(current)
            if current.state == "sending":
                return current
            marked = replace(current, state="sending", expires_at=iso(now + timedelta(seconds=lease_s)))
            if self._replace(partition, row, marked.to_entity(), found[1]):
                return marked
        raise StoreUnavailable(f"the lock {partition}/{row} kept changing while it was marked sending")

    def lock_of(self, target: Target) -> OfferLock | None:
        """The cancel lock of what `target` stops, if held."""
        found = self._read(*lock_key(target))
        return OfferLock.from_entity(found[0]) if found else None

    def read_lock(self, publisher_id: str, offer_id: str, job_id: str | None = None) -> OfferLock | None:
        """`lock_of` for the target a stored row names."""
        return self.lock_of(target_of(publisher_id, offer_id, job_id))

    def annotate_lock(
        self,
        target: Target,
        holder: str,
        *,
        operation_url: str | None = None,
        watch_instance_id: str | None = None,
        message_ts: str | None = None,
    ) -> bool:
        """Add what joiners need (operation URL, watcher, message ts) to the holder's lock; False if not held."""
        partition, row = lock_key(target)
        for _ in range(3):
            found = self._read(partition, row)
            if found is None:
                return False
            current = OfferLock.from_entity(found[0])
            if current.holder != holder:
                return False
            changed = annotated(
                current, operation_url=operation_url, watch_instance_id=watch_instance_id, message_ts=message_ts
            )
            if self._replace(partition, row, changed.to_entity(), found[1]):
                return True
        raise StoreUnavailable(f"the lock {partition}/{row} kept changing while it was annotated")

    def annotate(
        self, publisher_id: str, offer_id: str, holder: str, *, job_id: str | None = None, **notes: str | None
    ) -> bool:
        """`annotate_lock` for the target a stored row names."""
        return self.annotate_lock(target_of(publisher_id, offer_id, job_id), holder, **notes)

    def release_lock(self, target: Target, holder: str) -> bool:
        """Release the lock if `holder` holds it (a late release never frees someone else's lock)."""
        partition, row = lock_key(target)
        for _ in range(3):
            found = self._read(partition, row)
            if found is None or OfferLock.from_entity(found[0]).holder != holder:
                return False
            if self._delete(partition, row, found[1]):
                return True
        raise StoreUnavailable(f"the lock {partition}/{row} kept changing while it was released")

    def release(self, publisher_id: str, offer_id: str, holder: str, job_id: str | None = None) -> bool:
        """`release_lock` for the target a stored row names."""
        return self.release_lock(target_of(publisher_id, offer_id, job_id), holder)

    def release_watched_lock(self, target: Target, watch_instance_id: str, correlation_id: str | None = None) -> bool:
        """The end of a watch frees the offer (or the job) if the lock's cancel is the one that watch followed: the
        lock names that watcher, or - its annotation lost to a store failure - the holder's correlation ID is the
        watch's."""
        lock = self.lock_of(target)
        if lock is None:
            return False
        by_watcher = lock.watch_instance_id == watch_instance_id
        by_holder = correlation_id is not None and lock.correlation_id == correlation_id
        if not (by_watcher or by_holder):
            return False
        return self.release_lock(target, lock.holder)

    def release_watched(
        self,
        publisher_id: str,
        offer_id: str,
        watch_instance_id: str,
        job_id: str | None = None,
        correlation_id: str | None = None,
    ) -> bool:
        """`release_watched_lock` for the target a stored row names."""
        target = target_of(publisher_id, offer_id, job_id)
        return self.release_watched_lock(target, watch_instance_id, correlation_id)
