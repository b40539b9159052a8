"""The shared record of one configure job's status reads, whoever watches it (`RecordStore.claim_job_read`).

Microsoft asks that a job's status be read at most once a minute, and one job can have two watchers (its
registration's and a cancel's). So the job's own partition (`job|{job id, lowercased}`) holds one row `status`
(`JobStatusRead`): when the job was last read, by whom, and the configure status the latest successful read got, so
that a watcher whose turn it is not can use that news instead of reading again. Only the watchers load this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from cppcancel.times import iso, parse_iso
from record_store.keys import JOB_STATUS, job_partition
from record_store.primitives import Entity, Primitives, StoreUnavailable

# A status above this is not shared (an Azure Tables string property holds 64 KiB): the other watcher reads itself.
MAX_SHARED_STATUS_CHARS = 30_000


@dataclass(frozen=True)
class JobStatusRead:
    """The last status read of one job, whoever made it. Field names are the stored column names.

    `read_at`: when the latest read was taken (a claim: the read may still be under way, or have failed); a cancel's
    own answer counts as one. `status_json` / `status_at`: the configure status the latest successful read got, and
    when. `retry_after_s`: the Retry-After the latest read was answered with.
    """

    job_id: str
    read_at: str
    reader: str
    status_json: str | None = None
    status_at: str | None = None
    retry_after_s: float | None = None

    def to_entity(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> JobStatusRead:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in entity.items() if k in names})

    @property
    def read_time(self) -> datetime | None:
        return parse_iso(self.read_at)

    def next_read_at(self, min_interval_s: float) -> datetime | None:
        """The earliest moment anyone may read the job again (None: an unreadable time, so no limit is known)."""
        read = self.read_time
        if read is None:
            return None
        return read + timedelta(seconds=max(min_interval_s, self.retry_after_s or 0.0))

    @property
    def status(self) -> dict[str, Any] | None:
        """The configure status JSON the latest successful read got (None: none yet, or unreadable)."""
        try:
            data = json.loads(self.status_json) if self.status_json else None
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class JobReadClaim:
    """`granted`: the caller may read the job now (and is recorded as reading it). Otherwise `next_at` says when
    the next read may be, and `last` what the latest one got."""

    granted: bool
    next_at: datetime
    last: JobStatusRead | None


def shared_status(status: Mapping[str, Any] | None) -> str | None:
    """A configure status as stored for the other watcher (None when too large to share)."""
    if status is None:
        return None
    text = json.dumps(status, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_SHARED_STATUS_CHARS else None


# The status-read operations of `RecordStore` (which calls them lazily: the Slack ack path reads the store but never
# a job's pace), on the row `status` of the job's own partition.


def claim_job_read(
    store: Primitives,
    job_id: str,
    reader: str,
    now: datetime,
    min_interval_s: float,
    *,
    earlier_read: datetime | None = None,
) -> JobReadClaim:
    """Record `reader` as reading the job's status now, unless someone read it within `min_interval_s` (or the
    Retry-After it was answered with); then say when the next read may be and what the latest one got.

    `earlier_read`: a read the caller knows of that the row may not hold yet (a cancel's own answer): it is
    recorded first, so every watcher counts from it."""
    partition = job_partition(job_id)
    for _ in range(5):
        found = store._read(partition, JOB_STATUS)
        last = JobStatusRead.from_entity(found[0]) if found else None
        if earlier_read is not None and (last is None or (last.read_time or earlier_read) < earlier_read):
            known = JobStatusRead(job_id, iso(earlier_read), "the cancel's answer")
            if last is not None:
                known = replace(last, read_at=known.read_at, reader=known.reader, retry_after_s=None)
            _write_read(store, partition, found, known)
            continue  # read it back: the decision is made on what the store holds
        allowed = last.next_read_at(min_interval_s) if last is not None else None
        if allowed is not None and now < allowed:
            return JobReadClaim(False, allowed, last)
        base = last or JobStatusRead(job_id, iso(now), reader)
        claimed = replace(base, read_at=iso(now), reader=reader, retry_after_s=None)
        if _write_read(store, partition, found, claimed):
            return JobReadClaim(True, now + timedelta(seconds=min_interval_s), claimed)
    raise StoreUnavailable(f"the status reads of job {job_id} kept changing while one was claimed")


def note_job_read(
    store: Primitives, job_id: str, reader: str, read_at: datetime, status_json: str | None, retry_after_s: float | None
) -> None:
    """What `reader`'s read (claimed at `read_at`) got: the status, if newer than the one held, and the
    Retry-After, if that read is still the latest."""
    partition = job_partition(job_id)
    for _ in range(5):
        found = store._read(partition, JOB_STATUS)
        current = JobStatusRead.from_entity(found[0]) if found else JobStatusRead(job_id, iso(read_at), reader)
        updated = current
        held = parse_iso(current.status_at)
        if status_json is not None and (held is None or held <= read_at):
            updated = replace(updated, status_json=status_json, status_at=iso(read_at))
        if (current.reader, current.read_time) == (reader, read_at):
            updated = replace(updated, retry_after_s=retry_after_s)
        if found is not None and updated == current:
            return
        if _write_read(store, partition, found, updated):
            return
    raise StoreUnavailable(f"the status reads of job {job_id} kept changing while one was noted")


def _write_read(store: Primitives, partition: str, found: tuple[Entity, str] | None, row: JobStatusRead) -> bool:
    """Insert the row, or replace it if still at the version read: False when another writer came first."""
    if found is None:
        return store._insert(partition, JOB_STATUS, row.to_entity())
    return store._replace(partition, JOB_STATUS, row.to_entity(), found[1])
