"""The locks' contract when a holder holds nothing, on every backend (SQLite and Azurite): issue #21, items 2 and 3.

A lock row alone does not say that anyone holds the offer: a store outage can leave one behind whose holder gave up.
A request joins only a holder that sent its cancel or is about to, as the holder's own record says; any other lock
is taken over - ETag-checked, so that the old holder, should it still be running, can no longer mark it `sending`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from record_store.base import LOCK_CLAIM_S, CancelRecord, LockLost, OfferLock, RecordStore
from record_store.keys import partition_of
from tests.record_store.test_contract import LEASE_S, NOW, all_at_once, ask, hold, record

OPERATION = "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/op-1"
JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0301"


@pytest.mark.parametrize(
    ("holder_state", "changes", "joined"),
    [
        ("recorded", {}, True),  # within its claim: about to send
        ("sending", {}, True),
        ("sent", {"operation_url": OPERATION, "status_code": 202, "outcome": "accepted"}, True),  # being watched
        ("sent", {"status_code": 200, "outcome": "cancelled"}, False),  # done: nothing to watch
        ("failed", {"status_code": 403}, False),
        ("not_sent", {}, False),  # gave up before sending; its release was lost
        ("joined", {"joined": "cancel-x"}, False),
    ],
)
def test_a_holder_is_joined_only_when_its_record_says_it_sent_or_is_about_to(
    records: RecordStore, holder_state: str, changes: dict[str, object], joined: bool
) -> None:
    holder = record("cancel-a")
    assert ask(records, holder).acquired
    records.update(replace(holder, state=holder_state, **changes))  # type: ignore[arg-type]
    second = ask(records, record("cancel-b"), NOW + timedelta(seconds=1))
    assert second.acquired is not joined, second
    assert second.lock.holder == ("cancel-a" if joined else "cancel-b")


def test_a_holder_without_a_record_holds_nothing(records: RecordStore) -> None:
    assert records.acquire(record("cancel-ghost"), NOW, LEASE_S).acquired  # a lock whose record was never written
    assert ask(records, record("cancel-b")).acquired


def test_a_lock_not_marked_sending_within_its_claim_is_taken_over_and_its_holder_sends_nothing(
    records: RecordStore,
) -> None:
    holder = record("cancel-a")
    assert ask(records, holder).acquired
    assert not ask(records, record("cancel-b"), NOW + timedelta(seconds=LOCK_CLAIM_S - 1)).acquired
    taken = ask(records, record("cancel-c"), NOW + timedelta(seconds=LOCK_CLAIM_S))
    assert taken.acquired and taken.lock.holder == "cancel-c"
    with pytest.raises(LockLost) as lost:
        records.mark_sending(holder, NOW + timedelta(seconds=LOCK_CLAIM_S), LEASE_S)
    assert lost.value.lock is not None and lost.value.lock.holder == "cancel-c"
    assert records.release("contoso", "contoso-vm-offer", "cancel-c")
    with pytest.raises(LockLost) as gone:
        records.mark_sending(holder, NOW + timedelta(seconds=LOCK_CLAIM_S), LEASE_S)
    assert gone.value.lock is None, "taken over and released since: still not this request's to send"


def test_a_lock_marked_sending_is_held_past_its_claim_until_its_lease(records: RecordStore) -> None:
    hold(records, record("cancel-a"))
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and lock.state == "sending"
    assert not ask(records, record("cancel-b"), NOW + timedelta(seconds=LEASE_S - 1)).acquired
    assert ask(records, record("cancel-c"), NOW + timedelta(seconds=LEASE_S)).acquired


def test_marking_sending_again_is_a_no_op_for_the_holder(records: RecordStore) -> None:
    holder = record("cancel-a")
    hold(records, holder)
    again = records.mark_sending(holder, NOW + timedelta(seconds=5), LEASE_S)
    assert (again.holder, again.state) == ("cancel-a", "sending")


def test_a_lock_written_before_the_states_existed_is_read_as_sending(records: RecordStore) -> None:
    legacy = OfferLock.for_record(record("cancel-a"), NOW, LEASE_S).to_entity()
    for key in ("state", "taken_at", "correlation_id"):
        legacy.pop(key, None)
    records._put(partition_of("contoso", "contoso-vm-offer"), "lock", legacy)
    records.create(record("cancel-a"))  # its record still says `recorded`: its POST may have gone
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and lock.state == "sending", json.dumps(legacy)
    assert not ask(records, record("cancel-b"), NOW + timedelta(seconds=LOCK_CLAIM_S + 1)).acquired


def test_the_end_of_a_watch_releases_by_watcher_or_by_the_holders_correlation_id(records: RecordStore) -> None:
    holder = record("cancel-a", correlation_id="corr-a")
    hold(records, holder)  # its answer was never written back, and the lock never learnt its watcher
    assert not records.release_watched("contoso", "contoso-vm-offer", "watch-1")
    assert not records.release_watched("contoso", "contoso-vm-offer", "watch-1", correlation_id="corr-b")
    assert records.release_watched("contoso", "contoso-vm-offer", "watch-1", correlation_id="corr-a")
    assert records.read_lock("contoso", "contoso-vm-offer") is None
    hold(records, record("cancel-b", correlation_id="corr-b"))
    assert records.annotate("contoso", "contoso-vm-offer", "cancel-b", watch_instance_id="watch-2")
    assert records.release_watched("contoso", "contoso-vm-offer", "watch-2")


def test_one_job_named_under_two_offers_has_one_lock(records: RecordStore) -> None:
    first = record("cancel-a", job_id=JOB)
    under_another = replace(record("cancel-b", job_id=JOB.upper()), offer_id="contoso-saas-offer")
    assert ask(records, first).acquired
    second = ask(records, under_another)
    assert not second.acquired and second.lock.holder == "cancel-a", "one job, one lock, whatever offer is named"
    for offer in ("contoso-vm-offer", "contoso-saas-offer", "anything-else"):
        lock = records.read_lock("contoso", offer, JOB)
        assert lock is not None and lock.holder == "cancel-a"
    assert records.read_lock("contoso", "contoso-saas-offer") is None, "the offer's own CPP lock is another row"


def test_a_job_lock_reads_its_holders_record_where_the_holder_named_it(records: RecordStore) -> None:
    holder = replace(record("cancel-a", job_id=JOB), offer_id="contoso-saas-offer")
    assert ask(records, holder).acquired
    records.update(replace(holder, state="not_sent"))
    taken = ask(records, record("cancel-b", job_id=JOB))
    assert taken.acquired, "its holder (recorded under another offer) said nothing was sent"


def test_concurrent_takeovers_of_a_lock_that_holds_nothing_let_one_through(records: RecordStore) -> None:

    holder = record("cancel-a")
    assert ask(records, holder).acquired
    records.update(replace(holder, state="not_sent"))
    results = all_at_once(6, lambda i: ask(records, record(f"cancel-{i}"), NOW + timedelta(seconds=1)))
    winners = {r.lock.holder for r in results if r.acquired}
    assert len(winners) == 1 and {r.lock.holder for r in results} == winners


def test_a_record_keeps_its_correlation_id(records: RecordStore) -> None:
    stored = record(correlation_id="corr-1")
    records.create(stored)
    assert records.get("contoso", "contoso-vm-offer", stored.instance_id) == stored
    assert CancelRecord.from_entity(stored.to_entity()).correlation_id == "corr-1"
