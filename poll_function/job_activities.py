"""The watcher's read of a Product Ingestion configure job (`poll_job`): its status, as the watcher's `Operation`.

Like `poll_operation`, it never raises for an API error: it returns it as error JSON (`transient` says whether
trying again can help), so the watcher backs off on durable timers. The URL comes from durable state, so the client
checks it again (INGESTION_BASE_URL's origin and path, `configure/{jobId}/status`) before the token goes anywhere.

Microsoft asks for at most one status read per minute per job (INGESTION_MIN_POLL_INTERVAL_S), and one job can
have two watchers: its registration's and a cancel's. So before reading, the activity claims the read in the record
store (`RecordStore.claim_job_read`: the job's row `status`, an ETag-conditional write two watchers cannot both
win). When the claim is refused - another watcher read within the minute, or this is a cancel's watcher less than a
minute after the cancel's answer - nothing is read: the answer is the status that latest read got (`shared`), or
`deferred` when there is none yet, with the moment the next read may be. A store that cannot be reached reads
nothing either (a transient error: the watcher tries again later), and the client itself does not retry a read:
the watcher does, at the job's pace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cppcancel.error_info import NOT_RECORDED, ErrorInfo
from cppcancel.settings import SettingsError, get_settings
from cppcancel.times import iso, parse_iso, utc_now
from partner_portal.errors import CppError
from poll_function.blueprint import activity
from poll_function.payloads import PollResult, load

if TYPE_CHECKING:  # the HTTP client (requests) and the store's backends load when a poll runs, not at indexing
    from product_ingestion.client import IngestionClient
    from record_store.base import RecordStore
    from record_store.jobs import JobReadClaim

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _JobRead:
    """One watcher's poll of one job: where, which job, who reads, and the job's least interval between reads."""

    url: str
    job_id: str
    reader: str
    floor_s: float

    def paced(self, result: PollResult, next_at: datetime) -> PollResult:
        return replace(result, next_read_at=iso(next_at), min_interval_s=self.floor_s)


def _shared(poll: _JobRead, claim: JobReadClaim) -> PollResult:
    """Not this watcher's turn: what the latest read got, or nothing new, and when the next read may be."""
    from product_ingestion.models import ConfigureStatus

    status = claim.last.status if claim.last is not None else None
    if status is None:
        return poll.paced(PollResult(False, deferred=True), claim.next_at)
    return poll.paced(PollResult(True, ConfigureStatus.from_json(status).as_operation(), shared=True), claim.next_at)


def _read(client: IngestionClient, store: RecordStore, poll: _JobRead, claimed_at: datetime) -> PollResult:
    """Read the job (this watcher's turn), and leave what the read got for the other watcher."""
    from record_store.base import StoreUnavailable
    from record_store.jobs import shared_status

    try:
        status, retry_after = client.poll(poll.url)
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


@activity
def poll_job(payload: Any) -> dict[str, Any]:
    """GET the job's status once, at the job's shared pace. Input `{"operationUrl": status URL, "jobId", "watcher",
    "answeredAt"}` (the last two: who reads, and for a cancel's watcher when the cancel answered); output
    `PollResult` JSON."""
    from product_ingestion.client import IngestionClient
    from record_store.base import StoreUnavailable
    from record_store.factory import record_store

    data = load(payload)
    url, answered = str(data.get("operationUrl") or ""), data.get("answeredAt")
    try:
        settings = get_settings()
        client = IngestionClient.from_settings(settings, max_retries=0)
    except (SettingsError, ValueError) as exc:
        return PollResult(False, error=ErrorInfo("settings", str(exc))).to_json()
    poll = _JobRead(
        url, str(data.get("jobId") or ""), str(data.get("watcher") or url), settings.ingestion_min_poll_interval_s
    )
    try:
        store, now = record_store(settings), utc_now()
        earlier = parse_iso(answered) if isinstance(answered, str) else None
        claim = store.claim_job_read(poll.job_id, poll.reader, now, poll.floor_s, earlier_read=earlier)
        return (_read(client, store, poll, now) if claim.granted else _shared(poll, claim)).to_json()
    except StoreUnavailable as exc:
        message = f"The job's shared read schedule could not be checked, so it was not read: {exc}"
        return PollResult(False, error=ErrorInfo(NOT_RECORDED, message, transient=True)).to_json()
    finally:
        client.close()
