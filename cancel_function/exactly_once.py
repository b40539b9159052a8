"""Exactly once: at most one cancel POST per request, and one per target at a time, decided from the app's record.

`send_cancel` runs at least once (a dead host's activity is delivered again), and no Microsoft source lets the app
learn from an API that its own earlier POST was taken. So `send` does these steps, in this order, whatever the API:

1. **record**: the request's record is created (conditional insert). A re-run finds it: `sending` means the first
   run may have sent the POST, so it is **never sent again** (`NotRepeated`, following what the backend says is
   being cancelled); `sent`/`failed`/`not_sent` means its answer was recorded, which is replayed; `joined` stays
   joined; only `recorded` (nothing sent yet) may go on.
2. **lock**: the target's lock is taken (`Target.lock_key`: an offer's publish, or a job whatever offer named it).
   Held by another request that sent its cancel or is about to (its *record* says so, not only the lock row:
   `record_store.locks.holds`): this one sends nothing and **joins** it (`Joined`). A lock left behind by a request
   that holds nothing (a store outage kept it from releasing) is taken over, and this one sends.
3. **reachable**: the backend's safe read says the API can be reached at all, so that a host dying while the API is
   unreachable leaves a record that may still send. If not: `not_sent`, the lock released, `Failed`.
4. **mark sending**: the record, then the lock (ETag-checked: a lock taken over meanwhile means this request joins
   the new holder instead, and sends nothing).
5. **the one POST** (`Sender.post`), never retried once a byte may have left.
6. **write back**: its answer, in the record; the lock keeps what joiners need (the operation, its watcher).

Where the record and the lock share a partition (a CPP publish's), steps 1+2, step 4 and step 6 are each one
transaction of the store (`record_store.together`): two round trips before the POST, three in all. Each does what the
separate writes do or writes nothing, and then the step goes the long way, write by write, as described here.

Any store failure before the POST means nothing is sent (`NotRecorded`: "could not record the cancel before sending
it"): the person retries, rather than the app sending something it could not remember. The request then says so in
its record (`not_sent`) and releases the lock, each best effort: should the outage keep it from both, the lock's
holder still holds nothing, and the next request takes the lock over. After the POST, the write-back is best effort
too: the answer is in the orchestration's history, and a record left at `sending` only ever stops a re-run.

The lock is released when nothing is left to follow (a 200, a failure) or when the watch of the cancel ends
(`record_watch_end`: matched by its watcher, or by the request's correlation ID when the lock never learnt its
watcher); its lease (`CANCEL_LOCK_LEASE_S`) bounds a lost release. The steps below `send` are public so that each
can be driven on its own against every store (tests/cancel_function/test_send_once.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from backends.registry import backend_for
from cppcancel import identifiers
from cppcancel.contracts import CancelRequest, watch_instance_id
from cppcancel.error_info import ErrorInfo
from cppcancel.sending import Answer, Failed, Joined, NotRecorded, NotRepeated, SendResult, Sent
from cppcancel.settings import Settings
from cppcancel.targets import Target
from cppcancel.times import iso, utc_now
from record_store.base import CancelRecord, LockLost, OfferLock, RecordStore, StoreUnavailable

log = logging.getLogger(__name__)

NOT_RECORDED = (
    "The cancel could not be recorded before sending it, so nothing was sent to the Partner Portal ({reason}). "
    "Try again in a minute."
)
TAKEN_OVER = (
    "Nothing was sent: while this cancel was checking that the API could be reached, another request for the same "
    "target took its lock over, and has ended since. Check what is in flight before trying again."
)


def not_recorded(reason: str) -> NotRecorded:
    return NotRecorded(NOT_RECORDED.format(reason=reason[:200]))


# -- step 1 and 2: what the record says to do ------------------------------------------------------------------------


@dataclass(frozen=True)
class Go:
    """Nothing was sent for this request yet, and it holds the target's lock: check the API, then send."""

    record: CancelRecord
    lock: OfferLock


@dataclass(frozen=True)
class Earlier:
    """This request's first run recorded its answer (`sent`, `failed`, `not_sent`): replay it, send nothing."""

    record: CancelRecord


@dataclass(frozen=True)
class Unconfirmed:
    """This request's first run marked it `sending` and recorded no answer: its POST may have gone out."""

    record: CancelRecord
    lock: OfferLock | None


@dataclass(frozen=True)
class Held:
    """Another request holds the target's lock (`lock`, None when it released meanwhile): join it."""

    record: CancelRecord
    lock: OfferLock | None


BeforePost = Go | Earlier | Unconfirmed | Held | NotRecorded


def record_of(request: CancelRequest, now: datetime) -> CancelRecord:
    requester = request.requester
    return CancelRecord.of(
        request.target,
        instance_id=request.instance_id,
        source=request.source,
        requested_by=requester.user_id or requester.caller or requester.display,
        requested_at=request.requested_at or iso(now),
        display=requester.display,
        channel=request.slack.channel_id if request.slack else None,
        updated_at=iso(now),
        correlation_id=request.correlation_id or None,
    )


def _earlier(store: RecordStore, existing: CancelRecord) -> BeforePost | None:
    """A re-run's step from what its first run recorded; None when nothing was sent yet (go on)."""
    if existing.state == "sending":
        return Unconfirmed(existing, store.lock_of(existing.target))
    if existing.state in ("sent", "failed", "not_sent"):
        return Earlier(existing)
    if existing.state == "joined":
        return Held(existing, store.lock_of(existing.target))
    return None


def before_post(store: RecordStore, request: CancelRequest, now: datetime, lease_s: float) -> BeforePost:
    """Steps 1 and 2: the record, then the lock."""
    record = record_of(request, now)
    try:
        lock = store.create_and_acquire(record, now, lease_s)  # one round trip where the two share a partition
        if lock is not None:
            return Go(record, lock)
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
            return Held(joined, taken.lock)
        return Go(record, taken.lock)
    except StoreUnavailable as exc:
        log.error("cancel of %s not sent: the record store failed: %s", request.target.words, exc)
        return not_recorded(str(exc))


# -- step 4 and 6, and the releases ------------------------------------------------------------------------------------


def mark_sending(
    store: RecordStore, record: CancelRecord, now: datetime, lease_s: float
) -> CancelRecord | OfferLock | NotRecorded:
    """Step 4, the last writes before the POST: the record, then the lock, marked `sending` - from here a re-run never
    sends. The record to POST for; else nothing is sent: the new holder's lock when this request's lock was taken
    over meanwhile (it joins that one), or why not (the store failed: said in the record and the lock released, as
    far as the store lets)."""
    sending = replace(record, state="sending", updated_at=iso(now))
    try:
        store.mark_request_sending(sending, now, lease_s)  # the record, then the lock (together where they can be)
    except LockLost as lost:
        log.warning("cancel %s not sent: its lock was taken over before it was sent", record.instance_id)
        holder = lost.lock
        if holder is None:
            not_sent(store, record, TAKEN_OVER, now)
            return NotRecorded(TAKEN_OVER)  # nothing was sent, as for a store failure
        _write_quietly(
            store, replace(record, state="joined", joined=holder.holder, outcome="joined", updated_at=iso(now))
        )
        return holder
    except StoreUnavailable as exc:
        log.error("cancel %s not sent: it could not be marked as sending: %s", record.instance_id, exc)
        not_sent(store, record, f"the record store failed before the cancel was sent: {exc}", now)
        return not_recorded("it could not be marked as being sent")
    return sending


def not_sent(store: RecordStore, record: CancelRecord, reason: str, now: datetime) -> None:
    """Nothing was sent after all (the API could not be reached, the store failed): say so in the record, free the
    target. Each write on its own: a record that says `not_sent` frees the target even if the release fails."""
    _write_quietly(
        store, replace(record, state="not_sent", outcome="failed", message=reason[:500], updated_at=iso(now))
    )
    release(store, record.target, record.instance_id)


def _write_quietly(store: RecordStore, record: CancelRecord) -> None:
    try:
        store.update(record)
    except StoreUnavailable as exc:
        log.warning("the record of %s could not be written (%s): %s", record.instance_id, record.state, exc)


def after_post(store: RecordStore, record: CancelRecord, answer: Answer, now: datetime) -> CancelRecord:
    """Step 6: write the POST's answer back; keep the lock while there is an operation to watch, else release it."""
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
    # The POST happened and its answer is in the history. Both writes in one round trip where they can be; else each
    # is best effort on its own (a record left at `sending` only stops a re-run; a lock without its watcher is
    # released by the watch's correlation ID).
    try:
        if store.write_back(
            done, release=not answer.operation_url, operation_url=answer.operation_url, watch_instance_id=watch_id
        ):
            return done
    except StoreUnavailable as exc:
        log.warning("the answer of %s could not be written with its lock; one by one: %s", record.instance_id, exc)
    _write_quietly(store, done)
    if not answer.operation_url:
        release(store, record.target, record.instance_id)
        return done
    try:
        store.annotate_lock(
            record.target, record.instance_id, operation_url=answer.operation_url, watch_instance_id=watch_id
        )
    except StoreUnavailable as exc:
        log.warning("the lock of %s could not name its operation: %s", record.instance_id, exc)
    return done


def release(store: RecordStore, target: Target, holder: str) -> bool:
    """End of a watch (or of a cancel with nothing to watch): free the target for the next cancel."""
    try:
        return store.release_lock(target, holder)
    except StoreUnavailable as exc:
        log.warning("could not release the cancel lock of %s (its lease will): %s", target.words, exc)
        return False


# -- what a request that sends nothing answers ------------------------------------------------------------------------


def replayed(record: CancelRecord) -> SendResult:
    """A re-run after the first run's answer was recorded: that answer again, without a second POST (audited as
    `replayed`: the act was the first run's, and its record says so already)."""
    if record.state == "sent" and record.status_code and record.outcome == "cancelled":
        return Sent("cancelled", record.status_code, replayed=True)
    if record.state == "sent" and record.status_code and record.outcome == "accepted":
        return Sent("accepted", record.status_code, record.operation_url, replayed=True)
    message = record.message or "The cancel failed (its answer was recorded before a restart)."
    return Failed(ErrorInfo("failed", message, status_code=record.status_code), replayed=True)


def _holders_operation(store: RecordStore, lock: OfferLock, wait_s: float) -> OfferLock:
    """The joined cancel's lock once its POST's answer names the operation (a few seconds at most), so the joiner
    can point at what to follow; the lock as it was if that takes longer than `wait_s` (CANCEL_JOIN_WAIT_S: the
    joiner then points at the holder's message)."""
    deadline = time.monotonic() + wait_s
    current: OfferLock | None = lock
    while current is not None and not current.operation_url and time.monotonic() < deadline:
        time.sleep(0.2)  # an activity may wait; what it waits for is another request's POST answer
        try:
            current = store.lock_of(lock.target)
        except StoreUnavailable:
            break
    return current if current is not None and current.holder == lock.holder else lock


def joined(store: RecordStore, record: CancelRecord, lock: OfferLock | None, wait_s: float) -> Joined:
    if lock is None:  # the holder has released meanwhile: its cancel ended
        return Joined(record.joined or "", "another request", "an earlier time")
    lock = _holders_operation(store, lock, wait_s)
    return Joined(lock.holder, lock.requested_by, lock.requested_at, lock.channel, lock.operation_url)


def not_repeated(settings: Settings, store: RecordStore, request: CancelRequest, record: CancelRecord) -> NotRepeated:
    """The first run may have sent it: follow what it would have started (its recorded operation, else what the
    backend says is being cancelled), and free the target - the next request is a person's fresh decision (their
    confirmation shows what is in flight), not a duplicate of this one."""
    follow = record.operation_url or backend_for(request.target).to_follow(settings, request.target)
    log.warning("cancel %s: its first attempt may have been sent; not sent again", request.instance_id)
    release(store, request.target, request.instance_id)
    return NotRepeated(follow)


# -- the whole ---------------------------------------------------------------------------------------------------------


def _checked(request: CancelRequest) -> Failed | None:
    """The entry points validated these; validating again costs nothing and keeps the send safe on its own."""
    try:
        request.target.validated()
        identifiers.validate_emails(request.notification_emails)
    except identifiers.InvalidInput as exc:
        return Failed(ErrorInfo("invalid_input", str(exc)))
    return None


def send(
    settings: Settings, store: RecordStore, request: CancelRequest, *, clock: Callable[[], datetime] = utc_now
) -> SendResult:
    """Steps 1 to 6 for `request`, in their order; a tagged result, never an API error raised."""
    invalid = _checked(request)
    if invalid is not None:
        return invalid
    lease_s = settings.cancel_lock_lease_s
    step = before_post(store, request, clock(), lease_s)
    if isinstance(step, NotRecorded):
        return step
    if isinstance(step, Earlier):
        return replayed(step.record)
    if isinstance(step, Held):
        return joined(store, step.record, step.lock, settings.cancel_join_wait_s)
    if isinstance(step, Unconfirmed):
        return not_repeated(settings, store, request, step.record)
    with backend_for(request.target).sender(settings, request.target) as sender:
        problem = sender.reachable()
        if problem is not None:
            not_sent(store, step.record, problem.message, clock())
            return Failed(problem)
        sending = mark_sending(store, step.record, clock(), lease_s)
        if isinstance(sending, OfferLock):  # taken over meanwhile: the new holder is joined, as it stands
            return Joined(sending.holder, sending.requested_by, sending.requested_at, sending.channel)
        if isinstance(sending, NotRecorded):
            return sending
        posted = sender.post(request)
    after_post(store, sending, posted.answer, clock())
    return posted.result
