"""The shared record of one configure job's status reads, whoever watches it (`RecordStore.claim_job_read`).

Microsoft asks that a job's status be read at most once a minute, and one job can have two watchers (its
registration's and a cancel's). So the job's own partition (`job|{job id, lowercased}`) holds one row `status`
(`JobStatusRead`): when the job was last read, by whom, and the configure status the latest successful read got, so
that a watcher whose turn it is not can use that news instead of reading again. Only the watchers load this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from cppcancel.times import parse_iso
from record_store.jobs import JOB_PREFIX

JOB_STATUS_ROW = "status"
# A status above this is not shared (an Azure Tables string property holds 64 KiB): the other watcher reads itself.
MAX_SHARED_STATUS_CHARS = 30_000


def job_partition(job_id: str) -> str:
    """The job's own partition (job IDs are GUID-like: case does not make another job)."""
    return JOB_PREFIX + job_id.lower()


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
