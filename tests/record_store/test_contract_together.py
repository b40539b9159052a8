"""Several writes in one round trip, on every backend (SQLite and Azurite): issue #27, part 2.

`_transact` is Azure Tables' entity-group transaction (one partition, each row once, at most 100, all or nothing)
and one SQLite transaction; the record-and-lock steps built on it (`record_store.together`) must do exactly what the
separate writes do - or write nothing, so that the caller goes the long way.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from record_store.base import CancelRecord, LockLost, RecordStore
from record_store.keys import partition_of, record_row
from record_store.primitives import MAX_WRITES, Delete, Insert, Put, Replace
from tests.record_store.test_contract import LEASE_S, NOW, ask, record
from tests.record_store.test_contract_locks import JOB, OPERATION

P = partition_of("contoso", "contoso-vm-offer")


def test_a_transaction_is_all_or_nothing_and_answers_each_rows_new_version(records: RecordStore) -> None:
    assert records._insert(P, "b", {"n": 1})
    assert records._transact(P, [Insert("a", {"n": 1}), Insert("b", {"n": 2})]) is None, "b exists"
    assert records._read(P, "a") is None, "nothing of a failed transaction is applied"

    versions = records._transact(P, [Insert("a", {"n": 1}), Put("b", {"n": 3})])
    assert versions is not None and len(versions) == 2 and all(versions)
    found_a, found_b = records._read(P, "a"), records._read(P, "b")
    assert found_a == ({"n": 1}, versions[0]) and found_b == ({"n": 3}, versions[1]), "versions are the stored ones"

    stale = versions[1]
    assert records._replace(P, "b", {"n": 4}, stale)
    assert records._transact(P, [Put("a", {"n": 9}), Replace("b", {"n": 9}, stale)]) is None, "b changed"
    assert records._transact(P, [Put("a", {"n": 9}), Delete("b", stale)]) is None
    assert records._read(P, "a") == found_a and records._read(P, "b") is not None

    current = records._read(P, "b")
    assert current is not None
    deleted = records._transact(P, [Put("a", {"n": 5}), Delete("b", current[1])])
    assert deleted is not None and deleted[1] is None and records._read(P, "b") is None
    assert records._read(P, "a") == ({"n": 5}, deleted[0])
    assert records._transact(P, [Put("a", {"n": 6}), Delete("b", current[1])]) is None, "b is gone"
    assert records._read(P, "a") == ({"n": 5}, deleted[0])


@pytest.mark.parametrize("rows", [[], ["a", "a"], [f"r{n}" for n in range(MAX_WRITES + 1)]])
def test_a_transaction_azure_would_refuse_is_refused_by_every_backend(records: RecordStore, rows: list[str]) -> None:
    with pytest.raises(ValueError, match="distinct rows"):
        records._transact(P, [Put(row, {}) for row in rows])


def test_a_new_request_is_recorded_and_takes_the_free_lock_in_one_write(records: RecordStore) -> None:
    lock = records.create_and_acquire(record("cancel-a"), NOW, LEASE_S)
    assert lock is not None and (lock.holder, lock.state) == ("cancel-a", "taken")
    stored = records.get("contoso", "contoso-vm-offer", "cancel-a")
    assert stored is not None and stored.state == "recorded"
    assert records.read_lock("contoso", "contoso-vm-offer") == lock


def test_neither_row_is_written_when_either_exists(records: RecordStore) -> None:
    assert ask(records, record("cancel-a")).acquired
    assert records.create_and_acquire(record("cancel-b"), NOW, LEASE_S) is None, "the lock is held"
    assert records.get("contoso", "contoso-vm-offer", "cancel-b") is None

    assert records.create(record("cancel-c", offer_id="other-offer")) is None
    assert records.create_and_acquire(record("cancel-c", offer_id="other-offer"), NOW, LEASE_S) is None, "a re-run"
    assert records.read_lock("contoso", "other-offer") is None


def test_a_job_cancels_record_and_lock_live_apart_so_it_goes_the_long_way(records: RecordStore) -> None:
    assert records.create_and_acquire(record("cancel-j", job_id=JOB), NOW, LEASE_S) is None
    assert records.get("contoso", "contoso-vm-offer", "cancel-j") is None
    assert records.read_lock("contoso", "contoso-vm-offer", JOB) is None


def sending(instance_id: str = "cancel-a") -> CancelRecord:
    return replace(record(instance_id), state="sending")


def test_record_and_lock_are_marked_sending_together(records: RecordStore) -> None:
    assert records.create_and_acquire(record("cancel-a"), NOW, LEASE_S) is not None
    marked = records.mark_request_sending(sending(), NOW, LEASE_S)
    assert marked.state == "sending" and records.read_lock("contoso", "contoso-vm-offer") == marked
    stored = records.get("contoso", "contoso-vm-offer", "cancel-a")
    assert stored is not None and stored.state == "sending"


def test_a_lock_taken_over_before_it_was_marked_is_lost_whichever_way(records: RecordStore) -> None:
    assert records.create_and_acquire(record("cancel-a"), NOW, LEASE_S) is not None
    found = records._read(P, "lock")
    assert found is not None
    taken_over = {**found[0], "holder": "cancel-b"}
    assert records._replace(P, "lock", taken_over, found[1])
    with pytest.raises(LockLost) as lost:
        records.mark_request_sending(sending(), NOW, LEASE_S)
    assert lost.value.lock is not None and lost.value.lock.holder == "cancel-b"
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and (lock.holder, lock.state) == ("cancel-b", "taken"), "the new holder's lock untouched"


@pytest.mark.parametrize("release", [True, False])
def test_the_answer_and_the_lock_are_written_back_together(records: RecordStore, release: bool) -> None:
    assert records.create_and_acquire(record("cancel-a"), NOW, LEASE_S) is not None
    records.mark_request_sending(sending(), NOW, LEASE_S)
    done = replace(record("cancel-a"), state="sent", status_code=202, operation_url=OPERATION, outcome="accepted")
    assert records.write_back(done, release=release, operation_url=OPERATION, watch_instance_id="watch-1")
    assert records.get("contoso", "contoso-vm-offer", "cancel-a") == done
    lock = records.read_lock("contoso", "contoso-vm-offer")
    if release:
        assert lock is None
    else:
        assert lock is not None and (lock.state, lock.operation_url, lock.watch_instance_id) == (
            "sending",
            OPERATION,
            "watch-1",
        )


def test_nothing_is_written_back_together_once_the_lock_changed(records: RecordStore) -> None:
    assert records.create_and_acquire(record("cancel-a"), NOW, LEASE_S) is not None
    records.mark_request_sending(sending(), NOW, LEASE_S)
    assert records.annotate("contoso", "contoso-vm-offer", "cancel-a", message_ts="1.2")  # another writer
    done = replace(record("cancel-a"), state="sent", status_code=200, outcome="cancelled")
    assert not records.write_back(done, release=True)
    assert records.get("contoso", "contoso-vm-offer", "cancel-a") == sending(), "the caller writes each on its own"
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and lock.message_ts == "1.2"


def test_a_store_that_did_not_take_the_lock_writes_nothing_back_together(records: RecordStore) -> None:
    assert ask(records, record("cancel-a")).acquired  # the long way: no version known
    records._put(P, record_row("cancel-a"), sending().to_entity())
    assert not records.write_back(replace(record("cancel-a"), state="failed"), release=True)
    assert records.read_lock("contoso", "contoso-vm-offer") is not None
