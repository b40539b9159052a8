"""At most one cancel POST per request, and one cancel per offer at a time, decided from the app's own record.

`send_cancel` runs at least once (a dead host's activity is delivered again), and no Microsoft source lets the app
learn from the Partner Portal that its own earlier POST was taken. So before every POST:

1. the request's record is created (conditional insert). A re-run finds it: `sending` means the first run may have
   sent the POST, so it is **never sent again**; `sent`/`failed` means its answer was recorded, which is replayed;
   `joined` stays joined; only `recorded` (nothing sent yet) may go on.
2. the offer's lock is taken. Held by another request that sent its cancel or is about to (its *record* says so,
   not only the lock row: `record_store.locks.holds`): this one sends nothing and **joins** it. A lock left behind by
   a request that holds nothing (a store outage kept it from releasing) is taken over, and this one sends.
3. (the caller checks that the Partner Portal can be reached at all - a safe, retried read - so that a host dying
   while the Portal is unreachable leaves a record that may still send)
4. the record is marked `sending`, then the lock (`mark_sending`, ETag-checked: a lock taken over meanwhile means
   this request joins the new holder instead); only then is the POST made. Its answer is written back after.

Any store failure before the POST means nothing is sent ("could not record the cancel before sending it"): the
person retries, rather than the app sending something it could not remember. The request then says so in its record
(`not_sent`) and releases the lock, each best effort: should the outage keep it from both, the lock's holder still
holds nothing, and the next request takes the lock over. After the POST, the write-back is best effort too: the
answer is in the orchestration's history, and a record left at `sending` only ever stops a re-run.

The lock is released when nothing is left to follow (a 200, a failure) or when the watch of the cancel ends
(`record_watch_end`: matched by its watcher, or by the request's correlation ID when the lock never learnt its
watcher); its lease (`CANCEL_LOCK_LEASE_S`) bounds a lost release.

A configure job's cancel (`CancelRequest.job_id`) goes through exactly these steps; its record carries the job ID and
its lock is the job's own, keyed by the job alone (`record_store.keys.lock_key`), so it joins another cancel of the
same job - whatever offer that one named - and never a CPP cancel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from cancel_function.payloads import CancelSent, joined_error
from cppcancel.contracts import CancelRequest, watch_instance_id
from cppcancel.error_info import NOT_RECORDED as NOT_RECORDED_CODE
from cppcancel.error_info import ErrorInfo
from cppcancel.times import iso
from record_store.base import CancelRecord, LockLost, OfferLock, RecordStore, StoreUnavailable

log = logging.getLogger(__name__)

NOT_RECORDED = (
    "The cancel could not be recorded before sending it, so nothing was sent to the Partner Portal ({reason}). "
    "Try again in a minute."
)

PostVerdict = Literal["send", "not_recorded", "joined", "answered", "unconfirmed"]


@dataclass(frozen=True)
class BeforePost:
    """What the record says to do. `send`: the lock is held and the record written; `mark_sending` before the POST."""

    verdict: PostVerdict
    record: CancelRecord | None = None
    lock: OfferLock | None = None  # for `joined`: the holder's; for `send`: this request's
    reason: str | None = None  # for `not_recorded`: why the store failed


def record_of(request: CancelRequest, now: datetime) -> CancelRecord:
    requester = request.requester
    return CancelRecord(
        publisher_id=request.publisher_id,
        offer_id=request.offer_id,
        instance_id=request.instance_id,
        source=request.source,
        requested_by=requester.user_id or requester.caller or requester.display,
        requested_at=request.requested_at or iso(now),
        display=requester.display,
        channel=request.slack.channel_id if request.slack else None,
        updated_at=iso(now),
        job_id=request.target.item,
        correlation_id=request.correlation_id or None,
    )


def _lock_key(record: CancelRecord) -> tuple[str, str, str | None]:
    return record.publisher_id, record.offer_id, record.job_id


def _earlier(store: RecordStore, existing: CancelRecord) -> BeforePost | None:
    """A re-run's verdict from what its first run recorded; None when nothing was sent yet (go on)."""
    if existing.state == "sending":
        return BeforePost("unconfirmed", existing, store.read_lock(*_lock_key(existing)))
    if existing.state in ("sent", "failed", "not_sent"):
        return BeforePost("answered", existing)
    if existing.state == "joined":
        return BeforePost("joined", existing, store.read_lock(*_lock_key(existing)))
    return None


def before_post(store: RecordStore, request: CancelRequest, now: datetime, lease_s: float) -> BeforePost:
    record = record_of(request, now)
    try:
        existing = store.create(record)
        if existing is not None:
            earlier = _earlier(store, existing)
            if earlier is not None:
                return earlier
            record = existing
        taken = store.acquire(record, now, lease_s)
        if not taken.acquired:
            joined = replace(record, state="joined", joined=taken.lock.holder, outcome="joined", updated_at=iso(now))
            store.update(joined)
            return BeforePost("joined", joined, taken.lock)
        return BeforePost("send", record, taken.lock)
    except StoreUnavailable as exc:
        log.error("cancel of %s/%s not sent: the record store failed: %s", request.publisher_id, request.offer_id, exc)
        return BeforePost("not_recorded", record, reason=str(exc))


TAKEN_OVER = (
    "Nothing was sent: while this cancel was checking that the API could be reached, another request for the same "
    "target took its lock over, and has ended since. Check what is in flight before trying again."
)


def mark_sending(
    store: RecordStore, record: CancelRecord, now: datetime, lease_s: float
) -> CancelRecord | OfferLock | ErrorInfo:
    """The last writes before the POST: the record, then the lock, marked `sending` - from here a re-run never sends.
    The record to POST for; else nothing is sent: the new holder's lock when this request's lock was taken over
    meanwhile (it joins that one), or why not (the store failed: said in the record and the lock released, as far as
    the store lets)."""
    sending = replace(record, state="sending", updated_at=iso(now))
    try:
        store.update(sending)
        store.mark_sending(sending, now, lease_s)
    except LockLost as lost:
        log.warning("cancel %s not sent: its lock was taken over before it was sent", record.instance_id)
        holder = lost.lock
        if holder is None:
            not_sent(store, record, TAKEN_OVER, now)
            return ErrorInfo(NOT_RECORDED_CODE, TAKEN_OVER)  # nothing was sent, as for a store failure
        _write_quietly(
            store, replace(record, state="joined", joined=holder.holder, outcome="joined", updated_at=iso(now))
        )
        return holder
    except StoreUnavailable as exc:
        log.error("cancel %s not sent: it could not be marked as sending: %s", record.instance_id, exc)
        not_sent(store, record, f"the record store failed before the cancel was sent: {exc}", now)
        reason = "it could not be marked as being sent"
        return ErrorInfo(NOT_RECORDED_CODE, NOT_RECORDED.format(reason=reason))
    return sending


def not_sent(store: RecordStore, record: CancelRecord, reason: str, now: datetime) -> None:
    """Nothing was sent after all (the Portal could not be reached, the store failed): say so in the record, free
    the offer. Each write on its own: a record that says `not_sent` frees the offer even if the release fails."""
    _write_quietly(
        store, replace(record, state="not_sent", outcome="failed", message=reason[:500], updated_at=iso(now))
    )
    _release_quietly(store, record)


def _write_quietly(store: RecordStore, record: CancelRecord) -> None:
    try:
        store.update(record)
    except StoreUnavailable as exc:
        log.warning("the record of %s could not be written (%s): %s", record.instance_id, record.state, exc)


def _release_quietly(store: RecordStore, record: CancelRecord) -> None:
    try:
        store.release(record.publisher_id, record.offer_id, record.instance_id, record.job_id)
    except StoreUnavailable as exc:
        log.warning("could not release the lock of %s/%s: %s", record.publisher_id, record.offer_id, exc)


@dataclass(frozen=True)
class PostAnswer:
    """What the one POST came to, for the record: its audit outcome and, on 202, the operation to follow."""

    outcome: str  # "cancelled", "accepted" or "failed"
    status_code: int | None = None
    operation_url: str | None = None
    message: str | None = None


def after_post(store: RecordStore, record: CancelRecord, answer: PostAnswer, now: datetime) -> CancelRecord:
    """Write the POST's answer back; keep the lock while there is an operation to watch, release it otherwise."""
    watch_id = watch_instance_id(answer.operation_url) if answer.operation_url else None
    done = replace(
        record,
        state="failed" if answer.outcome == "failed" else "sent",
        status_code=answer.status_code,
        operation_url=answer.operation_url,
        watch_instance_id=watch_id,
        outcome=answer.outcome,
        message=answer.message[:500] if answer.message else None,
        updated_at=iso(now),
    )
    # The POST happened and its answer is in the history; each write is best effort on its own (a record left at
    # `sending` only stops a re-run; a lock without its watcher is released by the watch's correlation ID).
    _write_quietly(store, done)
    if not answer.operation_url:
        _release_quietly(store, record)
        return done
    try:
        store.annotate(
            record.publisher_id,
            record.offer_id,
            record.instance_id,
            operation_url=answer.operation_url,
            watch_instance_id=watch_id,
            job_id=record.job_id,
        )
    except StoreUnavailable as exc:
        log.warning("the lock of %s could not name its operation: %s", record.instance_id, exc)
    return done


def release(store: RecordStore, publisher_id: str, offer_id: str, holder: str, job_id: str | None = None) -> bool:
    """End of a watch (or of a cancel with nothing to watch): free the offer (or the job) for the next cancel."""
    try:
        return store.release(publisher_id, offer_id, holder, job_id)
    except StoreUnavailable as exc:
        log.warning("could not release the cancel lock of %s/%s (its lease will): %s", publisher_id, offer_id, exc)
        return False


def post_once(
    store: RecordStore,
    record: CancelRecord,
    *,
    unreachable: Callable[[], ErrorInfo | None],
    post: Callable[[], tuple[CancelSent, PostAnswer]],
    clock: Callable[[], datetime],
    lease_s: float,
) -> CancelSent:
    """Steps 3 and 4 in their one order, for either backend (the CPP, a configure job): the API reachable at all
    (`unreachable()`: the error if not, else None), the record and the lock marked `sending`, the one `post()`, and
    the answer it gives for the record written back."""
    problem = unreachable()
    if problem is not None:
        not_sent(store, record, problem.message, clock())
        return CancelSent.failed(problem)
    sending = mark_sending(store, record, clock(), lease_s)
    if isinstance(sending, OfferLock):
        holder = sending
        return CancelSent.joined(
            joined_error(holder.holder, holder.requested_by, holder.requested_at, channel=holder.channel)
        )
    if isinstance(sending, ErrorInfo):
        return CancelSent.failed(sending)
    sent, answer = post()
    after_post(store, sending, answer, clock())
    return sent
