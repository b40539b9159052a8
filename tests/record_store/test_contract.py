"""The record store's contract: what the cancel path relies on, proven on every backend (see conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from record_store.base import CancelRecord, LockResult, RecordStore

T = TypeVar("T")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LEASE_S = 600.0


def record(instance_id: str = "cancel-slack-1", *, at: str = "2026-12-01T10:00:00Z", **changes: object) -> CancelRecord:
    base = CancelRecord(
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        instance_id=instance_id,
        source="slack",
        requested_by="U0ALICE",
        requested_at=at,
        channel="C0RELEASES",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(i)` on `count` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results: list[T | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return [r for r in results if r is not None]


# -- records -----------------------------------------------------------------------------------------------------------


def test_a_record_is_created_once_and_a_second_create_returns_the_first(records: RecordStore) -> None:
    first = record(state="sending")
    assert records.create(first) is None
    again = records.create(record(state="recorded", requested_by="U0SOMEONE"))
    assert again == first  # the stored one, untouched: a re-run learns what its first run got to
    assert records.get("contoso", "contoso-vm-offer", "cancel-slack-1") == first
    assert records.get("contoso", "contoso-vm-offer", "cancel-slack-2") is None


def test_concurrent_creates_of_one_request_let_exactly_one_through(records: RecordStore) -> None:
    outcomes = all_at_once(8, lambda i: records.create(record(display=f"try {i}")) is None)
    assert outcomes.count(True) == 1 and len(outcomes) == 8


def test_update_writes_the_answer_over_the_record(records: RecordStore) -> None:
    records.create(record())
    sent = record(state="sent", status_code=202, operation_url="https://x/api/op/1", outcome="accepted")
    records.update(sent)
    assert records.get("contoso", "contoso-vm-offer", "cancel-slack-1") == sent


def test_history_is_newest_first_bounded_and_per_offer(records: RecordStore) -> None:
    for n in range(12):
        records.create(record(f"cancel-slack-{n:02d}", at=f"2026-12-01T10:{n:02d}:00Z"))
    records.create(replace(record("cancel-other"), offer_id="another-offer"))
    history = records.history("contoso", "contoso-vm-offer")
    assert [r.instance_id for r in history] == [f"cancel-slack-{n:02d}" for n in range(11, 1, -1)]
    assert [r.instance_id for r in records.history("contoso", "another-offer")] == ["cancel-other"]
    assert records.history("contoso", "nothing-here") == []


def test_values_round_trip_exactly(records: RecordStore) -> None:
    tricky = record(display="Zoë 🚀 'quoted' \"double\"", message="line 1\nline 2", status_code=200, joined="x")
    records.create(tricky)
    assert records.get("contoso", "contoso-vm-offer", "cancel-slack-1") == tricky


# -- the per-offer lock ------------------------------------------------------------------------------------------------


def ask(records: RecordStore, request: CancelRecord, now: datetime = NOW) -> LockResult:
    """A request as the cancel path makes it: its record first, then the lock."""
    records.create(request)
    return records.acquire(request, now, LEASE_S)


def hold(records: RecordStore, request: CancelRecord, now: datetime = NOW) -> LockResult:
    """A request that took the lock and marked it `sending` (its POST went, or is going)."""
    taken = ask(records, request, now)
    assert taken.acquired, taken
    records.update(replace(request, state="sending"))
    records.mark_sending(request, now, LEASE_S)
    return taken


def test_the_first_request_takes_the_lock_and_a_second_sees_who_holds_it(records: RecordStore) -> None:
    first = ask(records, record("cancel-a", requested_by="U0ALICE"))
    assert first.acquired and first.lock.holder == "cancel-a"
    second = ask(records, record("cancel-b", requested_by="U0BOB"))
    assert not second.acquired
    assert (second.lock.holder, second.lock.requested_by) == ("cancel-a", "U0ALICE")
    assert second.lock.expires_at == "2026-12-01T10:10:00Z"


def test_the_holder_taking_the_lock_again_keeps_it(records: RecordStore) -> None:
    """A re-run of the holder's activity must find that it holds the lock, not that someone else does."""
    assert records.acquire(record("cancel-a"), NOW, LEASE_S).acquired
    again = records.acquire(record("cancel-a"), NOW + timedelta(seconds=5), LEASE_S)
    assert again.acquired and again.lock.holder == "cancel-a"


def test_concurrent_requests_for_one_offer_let_exactly_one_take_the_lock(records: RecordStore) -> None:
    results = all_at_once(8, lambda i: ask(records, record(f"cancel-{i}")))
    winners = [r.lock.holder for r in results if r.acquired]
    assert len(winners) == 1 and len(results) == 8
    assert {r.lock.holder for r in results} == set(winners)  # every loser names the one winner


def test_an_expired_lease_is_taken_over(records: RecordStore) -> None:
    hold(records, record("cancel-a"))
    assert not ask(records, record("cancel-b"), NOW + timedelta(seconds=LEASE_S - 1)).acquired
    later = records.acquire(record("cancel-b"), NOW + timedelta(seconds=LEASE_S), LEASE_S)
    assert later.acquired and later.lock.holder == "cancel-b"
    assert not records.release("contoso", "contoso-vm-offer", "cancel-a"), "a late release frees nobody else's lock"
    assert records.read_lock("contoso", "contoso-vm-offer") == later.lock


def test_release_frees_the_lock_for_the_next_request(records: RecordStore) -> None:
    assert records.acquire(record("cancel-a"), NOW, LEASE_S).acquired
    assert not records.release("contoso", "contoso-vm-offer", "cancel-b")
    assert records.release("contoso", "contoso-vm-offer", "cancel-a")
    assert records.read_lock("contoso", "contoso-vm-offer") is None
    assert not records.release("contoso", "contoso-vm-offer", "cancel-a")
    assert records.acquire(record("cancel-b"), NOW, LEASE_S).acquired


def test_the_holder_annotates_its_lock_for_joiners(records: RecordStore) -> None:
    records.acquire(record("cancel-a"), NOW, LEASE_S)
    assert records.annotate("contoso", "contoso-vm-offer", "cancel-a", operation_url="https://x/op/1", message_ts="1.2")
    assert not records.annotate("contoso", "contoso-vm-offer", "cancel-b", operation_url="https://x/op/2")
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and (lock.operation_url, lock.message_ts) == ("https://x/op/1", "1.2")


def test_locks_of_different_offers_are_independent(records: RecordStore) -> None:
    assert records.acquire(record("cancel-a"), NOW, LEASE_S).acquired
    assert records.acquire(replace(record("cancel-b"), offer_id="another-offer"), NOW, LEASE_S).acquired


def test_an_unknown_state_reads_back_as_the_careful_one() -> None:
    entity = {**record().to_entity(), "state": "from-the-future"}
    assert CancelRecord.from_entity(entity).state == "recorded"
    with pytest.raises(TypeError):
        CancelRecord.from_entity({"state": "sent"})  # a record without its keys is not a record
