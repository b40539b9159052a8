"""The app's own durable record of every cancel, its cancel locks and its registered jobs, on seven storage primitives.

Why it exists: the Partner Portal cannot tell the app that its own earlier cancel POST was taken (no source shows a
`cancellationRequestState` but `canCancel`), and an activity runs at least once. So "was this request's POST
already sent?" and "is another cancel of this offer in flight?" are answered from a record the app writes itself,
outside the orchestration history, *before* every POST.

The semantics live here and in `locks.py` / `jobs.py`, once; a backend implements only the primitives of
`primitives.py`: `_insert` (conditional: fails if the key exists), `_read` (with an opaque version, the ETag),
`_replace` and `_delete` (conditional on that version), `_put` (unconditional), `_scan` (a partition) and `_transact`
(several of those writes in one partition, all or nothing: Azure Tables' entity-group transaction). That is the
idempotency-layer shape of AWS Lambda Powertools: one small base class, several backends, one contract test suite
(tests/record_store) that every backend - SQLite and Azure Tables on Azurite - passes. Any backend failure is raised
as `StoreUnavailable`, and callers fail closed: nothing is sent that could not be recorded first.

Keys (spelled in `keys.py`; identifiers cannot hold `|`, `/`, `#`, `?` or control characters, so each is a valid
Azure Tables key):

- offer partition `{publisher}|{offer}`:
  - `req|{instance id}`: one cancel request's record (a CPP publish's, or a configure job's: its `job_id` column),
    so `/cpp history` lists both;
  - `approval|{instance id}`: the approvals a request under a two-person rule waits for (`approvals.py`);
  - `lock`: the offer's CPP cancel lock (`locks.py`). It shares the partition with its holders' records on purpose:
    a CPP cancel writes its record and the lock together, one transaction per step (`together.py`: two round trips
    before its POST, three in all). A job's lock lives in the job's partition, apart from the record (below), so a
    job cancel writes them one by one;
  - `job|{job id}`: a job registered under the offer: what `/cpp ops` lists and a bare `/cpp cancel` targets
    (`jobs.py`).
- job partition `job|{job id}`:
  - `cancel-lock`: the job's cancel lock, keyed by the job alone: one POST per job, whatever offer it is named under;
  - `registration`: which publisher/offer the job is registered under (the first registration wins): the offer a job
    cancel is authorised against;
  - `status`: the job's last status read by anyone, and what it got (`job_reads.py`). Microsoft asks for at most one
    status read per minute per job, and a job may have two watchers (its registration's and a cancel's):
    `claim_job_read` lets one of them read only when no read was taken within the minimum interval (a conditional
    write two watchers cannot both win) and hands the other the status that read got (`note_job_read`).
- caller partition `caller|{webhook caller}`:
  - `running-job|{job id}`: one of the caller's registrations still running (the per-caller cap).

Job IDs are lowercased in keys (GUID-like: case does not make another job). A job's partition is where anything
known about the job *by its ID alone* belongs; a row added there takes a key of its own that is none of the above
and, like them, never equal to an offer partition's (`lock`, `req|…`,
`job|…`), so that even a publisher named `job` (or `caller`) collides with nothing.

The two kinds of lock have the same semantics (`locks.py`: insert to take, `mark_sending` before the POST, a takeover
of a holder that holds nothing, release by the holder). A job cancel and a CPP cancel of one offer never join each
other: they stop different things (a CPP publish and a configure job), and neither may silently swallow the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from record_store.jobs import JobOps, JobOwner, JobRegistration, Registered
from record_store.keys import RECORD_PREFIX, partition_of, record_row
from record_store.locks import LOCK_CLAIM_S, LockLost, LockResult, OfferLock, holds
from record_store.primitives import Entity, StoreUnavailable
from record_store.records import RECORD_STATES, CancelRecord, RecordState
from record_store.together import TogetherOps

if TYPE_CHECKING:  # a job's shared status reads load with the watchers only (not on the Slack ack path)
    from record_store.job_reads import JobReadClaim

__all__ = [
    "LOCK_CLAIM_S",
    "RECORD_STATES",
    "CancelRecord",
    "Entity",
    "JobOwner",
    "JobRegistration",
    "LockLost",
    "LockResult",
    "OfferLock",
    "RecordState",
    "RecordStore",
    "Registered",
    "StoreUnavailable",
    "holds",
    "partition_of",
]


class RecordStore(TogetherOps, JobOps):
    """The record, the locks and the registered jobs. Thread-safe as far as the backend is; every method may raise
    StoreUnavailable."""

    def create(self, record: CancelRecord) -> CancelRecord | None:
        """Record a new request (conditional insert). None when created; the stored record when it existed."""
        partition = partition_of(record.publisher_id, record.offer_id)
        row = record_row(record.instance_id)
        if self._insert(partition, row, record.to_entity()):
            return None
        existing = self._read(partition, row)
        if existing is None:  # deleted in between: nothing this app does deletes records, so refuse to guess
            raise StoreUnavailable(f"the record of {record.instance_id} vanished while it was read")
        return CancelRecord.from_entity(existing[0])

    def get(self, publisher_id: str, offer_id: str, instance_id: str) -> CancelRecord | None:
        found = self._read(partition_of(publisher_id, offer_id), record_row(instance_id))
        return CancelRecord.from_entity(found[0]) if found else None

    def update(self, record: CancelRecord) -> CancelRecord:
        """Write the record's new state. Unconditional, in one round trip: a request's record has one writer, the
        request's own activity (a re-run of it only ever runs after the first run died)."""
        self._put(
            partition_of(record.publisher_id, record.offer_id), record_row(record.instance_id), record.to_entity()
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

    # -- a configure job's shared status reads (job_reads.py) -------------------------------------------------------
    def claim_job_read(
        self, job_id: str, reader: str, now: datetime, min_interval_s: float, *, earlier_read: datetime | None = None
    ) -> JobReadClaim:
        """`reader` may read the job's status now, or is told when the next read may be (`job_reads.claim_job_read`)."""
        from record_store import job_reads

        return job_reads.claim_job_read(self, job_id, reader, now, min_interval_s, earlier_read=earlier_read)

    def note_job_read(
        self, job_id: str, reader: str, read_at: datetime, status_json: str | None, retry_after_s: float | None
    ) -> None:
        """What `reader`'s read got, for the job's other watcher (`job_reads.note_job_read`)."""
        from record_store import job_reads

        job_reads.note_job_read(self, job_id, reader, read_at, status_json, retry_after_s)
