"""One watcher's poll of a configure job at the job's shared pace: read it if it is this watcher's turn, else use
the news the latest read got (`poll_job` runs it against the Product Ingestion API; figure 3 on a simulated clock).

Microsoft asks for at most one status read per minute per job, whoever reads it. The turn is claimed in the record
store (`RecordStore.claim_job_read`: an ETag-conditional write two watchers cannot both win) before anything is
read. When the claim is refused - another watcher read within the interval, or this is a cancel's watcher less than
the interval after the cancel's answer - nothing is read: the result is the status that latest read got (`shared`),
or `deferred` when there is none yet, with the moment the next read may be. `StoreUnavailable` reaches the caller:
no read without the claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cppcancel.times import iso
from partner_portal.errors import CppError
from poll_function.payloads import PollResult
from product_ingestion.models import ConfigureStatus
from record_store.base import RecordStore, StoreUnavailable
from record_store.job_reads import JobReadClaim, shared_status

log = logging.getLogger(__name__)

# One GET of the job's status, with the answer's Retry-After; raises CppError.
StatusRead = Callable[[], tuple[ConfigureStatus, float | None]]


@dataclass(frozen=True)
class JobPoll:
    """Which job, who reads (the watcher's instance ID), the job's least interval between reads, and for a
    cancel's watcher when the cancel was answered (a read of sorts: the first real one counts from it)."""

    job_id: str
    reader: str
    floor_s: float
    answered_at: datetime | None = None

    def paced(self, result: PollResult, next_at: datetime) -> PollResult:
        return replace(result, next_read_at=iso(next_at), min_interval_s=self.floor_s)


def paced_poll(store: RecordStore, poll: JobPoll, now: datetime, read: StatusRead) -> PollResult:
    claim = store.claim_job_read(poll.job_id, poll.reader, now, poll.floor_s, earlier_read=poll.answered_at)
    return _read(store, poll, now, read) if claim.granted else _shared(poll, claim)


def _shared(poll: JobPoll, claim: JobReadClaim) -> PollResult:
    """Not this watcher's turn: what the latest read got, or nothing new, and when the next read may be."""
    status = claim.last.status if claim.last is not None else None
    if status is None:
        return poll.paced(PollResult(False, deferred=True), claim.next_at)
    return poll.paced(PollResult(True, ConfigureStatus.from_json(status).as_operation(), shared=True), claim.next_at)


def _read(store: RecordStore, poll: JobPoll, claimed_at: datetime, read: StatusRead) -> PollResult:
    """Read the job (this watcher's turn), and leave what the read got for the other watcher."""
    try:
        status, retry_after = read()
        result = PollResult(True, status.as_operation(), retry_after)
        shared = shared_status(status.to_json())
    except CppError as exc:
        log.warning("job status poll failed: %s", exc.describe())
        result = PollResult(False, error=exc.error_info(), retry_after_s=exc.retry_after_s)
        retry_after, shared = exc.retry_after_s, None
    try:
        store.note_job_read(poll.job_id, poll.reader, claimed_at, shared, retry_after)
    except StoreUnavailable as exc:  # the read was made and is claimed: only the news is not shared this time
        log.warning("what the status read of job %s got could not be recorded: %s", poll.job_id, exc)
    return poll.paced(result, claimed_at + timedelta(seconds=max(poll.floor_s, retry_after or 0.0)))
