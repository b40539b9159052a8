"""The app's own durable record of every cancel, and the per-offer lock, on top of five storage primitives.

Why it exists: the Partner Portal cannot tell the app that its own earlier cancel POST was taken (no source shows a
`cancellationRequestState` but `canCancel`), and an activity runs at least once. So "was this request's POST
already sent?" and "is another cancel of this offer in flight?" are answered from a record the app writes itself,
outside the orchestration history, *before* every POST.

The semantics live here, once; a backend implements only `_insert` (conditional: fails if the key exists), `_read`
(with an opaque version, the ETag), `_replace` and `_delete` (conditional on that version), `_put` (unconditional)
and `_scan` (a partition). That is the idempotency-layer shape of AWS Lambda Powertools: one small base class,
several backends, one contract test suite (tests/record_store) that every backend passes. Any backend failure is
raised as `StoreUnavailable`, and callers fail closed: nothing is sent that could not be recorded first.

Keys: a partition per offer (`{publisher}|{offer}`: identifiers cannot hold `|`, `/`, `#`, `?` or control
characters, so this is safe as an Azure Tables key), a row per request (`req|{instance id}`) and one row for the
offer's lock (`lock`).

Product Ingestion configure jobs live in the same partition, kept apart from the CPP's by their keys: a job cancel's
record is a `req|` row like any other (its `job_id` column names the job, so `/cpp history` lists both kinds), and
its lock is the job's own row `lock|job|{job id, lowercased}`, with exactly the offer lock's semantics (insert to
take, ETag-checked takeover of an expired lease, join when held, release by the holder only). So two cancels of one
job send one POST, while a job cancel and a CPP cancel of the same offer never join each other: they stop different
things (a CPP publish and a configure job), and neither may silently swallow the other.

A job's own partition `job|{job id, lowercased}` (kept per job, whichever offer names it) holds the row `status`:
the job's last status read by anyone (`record_store.job_reads.JobStatusRead`). Microsoft asks for at most one status
read per minute per job, and a job may have two watchers (its registration's and a cancel's); `claim_job_read` lets
one of them read only when no read was taken within the minimum interval, by a conditional (ETag) write that two
watchers cannot both win, and hands the other the status that read got (`note_job_read`).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args

from cppcancel.times import iso, parse_iso
from record_store.jobs import JOB_PREFIX, JobRegistration, job_row

if TYPE_CHECKING:  # a job's shared status reads (record_store.job_reads) load with the watchers only
    from record_store.job_reads import JobReadClaim, JobStatusRead

# recorded: written, nothing sent yet (a re-run may still send). sending: the POST is about to go or went out and its
# answer is not recorded (a re-run must never send again). sent / failed: the POST's answer is recorded. joined:
# another cancel of the offer held the lock; nothing was sent. not_sent: refused before sending (for the history).
RecordState = Literal["recorded", "sending", "sent", "failed", "joined", "not_sent"]
RECORD_STATES: tuple[str, ...] = get_args(RecordState)
LOCK_ROW = "lock"
JOB_LOCK_PREFIX = "lock|job|"
RECORD_PREFIX = "req|"
Entity = dict[str, Any]


class StoreUnavailable(RuntimeError):
    """The store could not be read or written (down, throttled, no permission): callers send nothing."""


@dataclass(frozen=True)
class CancelRecord:
    """One cancel request, as the app recorded it. Field names are the stored column names."""

    publisher_id: str
    offer_id: str
    instance_id: str  # the cancel orchestration's instance ID: one record per request
    source: str  # "slack" or "webhook"
    requested_by: str  # a Slack user ID or a webhook caller name
    requested_at: str  # ISO time the entry point accepted the request
    state: RecordState = "recorded"
    display: str | None = None
    channel: str | None = None
    updated_at: str | None = None
    status_code: int | None = None
    operation_url: str | None = None
    watch_instance_id: str | None = None
    outcome: str | None = None  # the audit outcome, for the history
    message: str | None = None
    joined: str | None = None  # the instance ID of the cancel this one joined
    job_id: str | None = None  # a configure job's cancel (None: the CPP publish of the offer)

    def to_entity(self) -> Entity:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> CancelRecord:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in entity.items() if k in names}
        if data.get("state") not in RECORD_STATES:
            data["state"] = "recorded"  # an unknown state is treated as the most careful one that still reads
        status = data.get("status_code")
        data["status_code"] = status if isinstance(status, int) and not isinstance(status, bool) else None
        return cls(**data)


@dataclass(frozen=True)
class OfferLock:
    """Who holds an offer's cancel lock, until when, and where its cancel can be followed."""

    publisher_id: str
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

    def to_entity(self) -> Entity:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> OfferLock:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in entity.items() if k in names})

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
        )


@dataclass(frozen=True)
class LockResult:
    """`acquired`: this request holds the lock now (also when it already did). Otherwise `lock` is the holder's."""

    acquired: bool
    lock: OfferLock


def partition_of(publisher_id: str, offer_id: str) -> str:
    return f"{publisher_id}|{offer_id}"


def lock_row(job_id: str | None) -> str:
    """The offer's CPP cancel lock, or one configure job's (job IDs are GUID-like: case does not make another)."""
    return LOCK_ROW if not job_id else JOB_LOCK_PREFIX + job_id.lower()


class RecordStore(abc.ABC):
    """The record and the lock. Thread-safe as far as the backend is; every method may raise StoreUnavailable."""

    # -- the five primitives a backend implements -------------------------------------------------------------------
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
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    # -- records ---------------------------------------------------------------------------------------------------
    def create(self, record: CancelRecord) -> CancelRecord | None:
        """Record a new request (conditional insert). None when created; the stored record when it existed."""
        partition = partition_of(record.publisher_id, record.offer_id)
        row = RECORD_PREFIX + record.instance_id
        if self._insert(partition, row, record.to_entity()):
            return None
        existing = self._read(partition, row)
        if existing is None:  # deleted in between: nothing this app does deletes records, so refuse to guess
            raise StoreUnavailable(f"the record of {record.instance_id} vanished while it was read")
        return CancelRecord.from_entity(existing[0])

    def get(self, publisher_id: str, offer_id: str, instance_id: str) -> CancelRecord | None:
        found = self._read(partition_of(publisher_id, offer_id), RECORD_PREFIX + instance_id)
        return CancelRecord.from_entity(found[0]) if found else None

    def update(self, record: CancelRecord) -> CancelRecord:
        """Write the record's new state. Unconditional, in one round trip: a request's record has one writer, the
        request's own activity (a re-run of it only ever runs after the first run died)."""
        self._put(
            partition_of(record.publisher_id, record.offer_id), RECORD_PREFIX + record.instance_id, record.to_entity()
        )
        return record

    def history(self, publisher_id: str, offer_id: str, limit: int = 10) -> list[CancelRecord]:
        """The offer's last `limit` requests, newest first."""
        records = [
            CancelRecord.from_entity(entity)
            for row, entity in self._scan(partition_of(publisher_id, offer_id))
            if row.startswith(RECORD_PREFIX)
        ]
        records.sort(key=lambda r: (r.requested_at, r.instance_id), reverse=True)
        return records[:limit]

    # -- registered configure jobs (record_store.jobs) -------------------------------------------------------------
    def register_job(self, job: JobRegistration) -> JobRegistration | None:
        """Remember a job (conditional insert). None when new; the stored registration when it was known already."""
        partition = partition_of(job.publisher_id, job.offer_id)
        if self._insert(partition, job_row(job.job_id), job.to_entity()):
            return None
        found = self._read(partition, job_row(job.job_id))
        if found is None:
            raise StoreUnavailable(f"the registration of job {job.job_id} vanished while it was read")
        return JobRegistration.from_entity(found[0])

    def registered_jobs(self, publisher_id: str, offer_id: str) -> list[JobRegistration]:
        """The offer's registered jobs, newest first."""
        jobs = [
            JobRegistration.from_entity(entity)
            for row, entity in self._scan(partition_of(publisher_id, offer_id))
            if row.startswith(JOB_PREFIX)
        ]
        return sorted(jobs, key=lambda j: (j.registered_at, j.job_id), reverse=True)

    def job(self, publisher_id: str, offer_id: str, job_id: str) -> JobRegistration | None:
        found = self._read(partition_of(publisher_id, offer_id), job_row(job_id))
        return JobRegistration.from_entity(found[0]) if found else None

    def update_job(self, job: JobRegistration) -> None:
        """Write a registration's new state (its one writer at a time: the job's watcher)."""
        self._put(partition_of(job.publisher_id, job.offer_id), job_row(job.job_id), job.to_entity())

    # -- one job's status reads, whoever watches it (record_store.jobs) ---------------------------------------------
    def claim_job_read(
        self, job_id: str, reader: str, now: datetime, min_interval_s: float, *, earlier_read: datetime | None = None
    ) -> JobReadClaim:
        """Record `reader` as reading the job's status now, unless someone read it within `min_interval_s` (or the
        Retry-After it was answered with); then say when the next read may be and what the latest one got.

        `earlier_read`: a read the caller knows of that the row may not hold yet (a cancel's own answer): it is
        recorded first, so every watcher counts from it."""
        from record_store.job_reads import JOB_STATUS_ROW, JobReadClaim, JobStatusRead, job_partition

        partition = job_partition(job_id)
        for _ in range(5):
            found = self._read(partition, JOB_STATUS_ROW)
            last = JobStatusRead.from_entity(found[0]) if found else None
            if earlier_read is not None and (last is None or (last.read_time or earlier_read) < earlier_read):
                known = JobStatusRead(job_id, iso(earlier_read), "the cancel's answer")
                if last is not None:
                    known = replace(last, read_at=known.read_at, reader=known.reader, retry_after_s=None)
                self._write_read(partition, found, known)
                continue  # read it back: the decision is made on what the store holds
            allowed = last.next_read_at(min_interval_s) if last is not None else None
            if allowed is not None and now < allowed:
                return JobReadClaim(False, allowed, last)
            base = last or JobStatusRead(job_id, iso(now), reader)
            claimed = replace(base, read_at=iso(now), reader=reader, retry_after_s=None)
            if self._write_read(partition, found, claimed):
                return JobReadClaim(True, now + timedelta(seconds=min_interval_s), claimed)
        raise StoreUnavailable(f"the status reads of job {job_id} kept changing while one was claimed")

    def note_job_read(
        self, job_id: str, reader: str, read_at: datetime, status_json: str | None, retry_after_s: float | None
    ) -> None:
        """What `reader`'s read (claimed at `read_at`) got: the status, if newer than the one held, and the
        Retry-After, if that read is still the latest."""
        from record_store.job_reads import JOB_STATUS_ROW, JobStatusRead, job_partition

        partition = job_partition(job_id)
        for _ in range(5):
            found = self._read(partition, JOB_STATUS_ROW)
            current = JobStatusRead.from_entity(found[0]) if found else JobStatusRead(job_id, iso(read_at), reader)
            updated = current
            held = parse_iso(current.status_at)
            if status_json is not None and (held is None or held <= read_at):
                updated = replace(updated, status_json=status_json, status_at=iso(read_at))
            if (current.reader, current.read_time) == (reader, read_at):
                updated = replace(updated, retry_after_s=retry_after_s)
            if found is not None and updated == current:
                return
            if self._write_read(partition, found, updated):
                return
        raise StoreUnavailable(f"the status reads of job {job_id} kept changing while one was noted")

    def _write_read(self, partition: str, found: tuple[Entity, str] | None, row: JobStatusRead) -> bool:
        """Insert the row, or replace it if still at the version read: False when another writer came first."""
        from record_store.job_reads import JOB_STATUS_ROW

        if found is None:
            return self._insert(partition, JOB_STATUS_ROW, row.to_entity())
        return self._replace(partition, JOB_STATUS_ROW, row.to_entity(), found[1])

    # -- the per-offer lock ------------------------------------------------------------------------------------------
    def acquire(self, record: CancelRecord, now: datetime, lease_s: float) -> LockResult:
        """Take the offer's lock for `record`, or say who holds it. An expired lease is taken over (ETag-checked)."""
        wanted = OfferLock.for_record(record, now, lease_s)
        partition = partition_of(record.publisher_id, record.offer_id)
        row = lock_row(record.job_id)
        for _ in range(5):
            if self._insert(partition, row, wanted.to_entity()):
                return LockResult(True, wanted)
            found = self._read(partition, row)
            if found is None:
                continue  # released in between: try the insert again
            current = OfferLock.from_entity(found[0])
            if current.holder == record.instance_id:
                return LockResult(True, current)  # a re-run of the holder
            if not current.expired(now):
                return LockResult(False, current)
            if self._replace(partition, row, wanted.to_entity(), found[1]):
                return LockResult(True, wanted)
        raise StoreUnavailable(f"the lock of {partition} kept changing while it was taken")

    def read_lock(self, publisher_id: str, offer_id: str, job_id: str | None = None) -> OfferLock | None:
        found = self._read(partition_of(publisher_id, offer_id), lock_row(job_id))
        return OfferLock.from_entity(found[0]) if found else None

    def annotate(
        self,
        publisher_id: str,
        offer_id: str,
        holder: str,
        *,
        operation_url: str | None = None,
        watch_instance_id: str | None = None,
        message_ts: str | None = None,
        job_id: str | None = None,
    ) -> bool:
        """Add what joiners need (operation URL, watcher, message ts) to the holder's lock; False if not held."""
        partition, row = partition_of(publisher_id, offer_id), lock_row(job_id)
        for _ in range(3):
            found = self._read(partition, row)
            if found is None:
                return False
            current = OfferLock.from_entity(found[0])
            if current.holder != holder:
                return False
            changed = replace(
                current,
                operation_url=operation_url or current.operation_url,
                watch_instance_id=watch_instance_id or current.watch_instance_id,
                message_ts=message_ts or current.message_ts,
            )
            if self._replace(partition, row, changed.to_entity(), found[1]):
                return True
        raise StoreUnavailable(f"the lock of {partition} kept changing while it was annotated")

    def release(self, publisher_id: str, offer_id: str, holder: str, job_id: str | None = None) -> bool:
        """Release the lock if `holder` holds it (a late release never frees someone else's lock)."""
        partition, row = partition_of(publisher_id, offer_id), lock_row(job_id)
        for _ in range(3):
            found = self._read(partition, row)
            if found is None or OfferLock.from_entity(found[0]).holder != holder:
                return False
            if self._delete(partition, row, found[1]):
                return True
        raise StoreUnavailable(f"the lock of {partition} kept changing while it was released")

    def release_watched(
        self, publisher_id: str, offer_id: str, watch_instance_id: str, job_id: str | None = None
    ) -> bool:
        """The end of a watch frees the offer (or the job) if the lock's cancel is the one that watch followed."""
        lock = self.read_lock(publisher_id, offer_id, job_id)
        if lock is None or lock.watch_instance_id != watch_instance_id:
            return False
        return self.release(publisher_id, offer_id, lock.holder, job_id)
