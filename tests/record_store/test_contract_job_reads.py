"""The record store's contract for a configure job's status reads, on every backend (SQLite and Azurite).

Microsoft asks for at most one status read per minute per job, and a job can have two watchers: the row `status`
in the job's own partition lets exactly one of them read within the minimum interval, and hands the other what
that read got.
"""

from __future__ import annotations

import json
from datetime import timedelta

from record_store.base import RecordStore
from record_store.job_reads import job_partition, shared_status
from record_store.keys import JOB_STATUS
from tests.record_store.test_contract import NOW, all_at_once

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0001"
FLOOR = 60.0
RUNNING = {"jobId": JOB, "jobStatus": "running", "jobResult": "pending"}
DONE = {"jobId": JOB, "jobStatus": "completed", "jobResult": "succeeded"}


def at(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def test_one_watcher_reads_and_the_other_waits_a_minute_from_that_read(records: RecordStore) -> None:
    first = records.claim_job_read(JOB, "watch-registered", NOW, FLOOR)
    assert first.granted and first.next_at == NOW + at(FLOOR)
    second = records.claim_job_read(JOB, "watch-cancel", NOW + at(59), FLOOR)
    assert not second.granted and second.next_at == NOW + at(FLOOR)
    assert second.last is not None and second.last.reader == "watch-registered" and second.last.status is None
    assert records.claim_job_read(JOB, "watch-registered", NOW + at(30), FLOOR).granted is False, "nor itself"
    later = records.claim_job_read(JOB, "watch-cancel", NOW + at(FLOOR), FLOOR)
    assert later.granted and later.last is not None and later.last.reader == "watch-cancel"


def test_the_status_a_read_got_is_handed_to_the_watcher_that_may_not_read(records: RecordStore) -> None:
    records.claim_job_read(JOB, "watch-a", NOW, FLOOR)
    records.note_job_read(JOB, "watch-a", NOW, shared_status(RUNNING), None)
    refused = records.claim_job_read(JOB, "watch-b", NOW + at(5), FLOOR)
    assert not refused.granted and refused.last is not None
    assert refused.last.status == RUNNING and refused.last.status_at == "2026-12-01T10:00:00Z"


def test_of_many_watchers_claiming_at_once_exactly_one_reads(records: RecordStore) -> None:
    claims = all_at_once(8, lambda i: records.claim_job_read(JOB, f"watch-{i}", NOW, FLOOR))
    assert len(claims) == 8 and sum(c.granted for c in claims) == 1
    winner = next(c for c in claims if c.granted).last
    assert winner is not None
    assert {c.last.reader for c in claims if not c.granted and c.last} == {winner.reader}


def test_a_retry_after_longer_than_the_floor_holds_every_watcher_back(records: RecordStore) -> None:
    records.claim_job_read(JOB, "watch-a", NOW, FLOOR)
    records.note_job_read(JOB, "watch-a", NOW, None, 300.0)
    assert not records.claim_job_read(JOB, "watch-b", NOW + at(FLOOR), FLOOR).granted
    assert records.claim_job_read(JOB, "watch-b", NOW + at(300), FLOOR).granted


def test_the_cancels_own_answer_counts_as_a_read_for_both_watchers(records: RecordStore) -> None:
    """The cancel's watcher reads no sooner than a minute after the cancel's answer, and neither does the other."""
    answered = NOW - at(2)
    first = records.claim_job_read(JOB, "watch-cancel", NOW, FLOOR, earlier_read=answered)
    assert not first.granted and first.next_at == answered + at(FLOOR)
    assert not records.claim_job_read(JOB, "watch-registered", NOW + at(30), FLOOR).granted
    assert records.claim_job_read(JOB, "watch-registered", answered + at(FLOOR), FLOOR).granted


def test_an_answer_older_than_the_last_read_changes_nothing(records: RecordStore) -> None:
    records.claim_job_read(JOB, "watch-registered", NOW, FLOOR)
    claim = records.claim_job_read(JOB, "watch-cancel", NOW + at(1), FLOOR, earlier_read=NOW - at(10))
    assert not claim.granted and claim.next_at == NOW + at(FLOOR)
    assert claim.last is not None and claim.last.reader == "watch-registered"


def test_an_older_reads_status_never_replaces_a_newer_one(records: RecordStore) -> None:
    records.claim_job_read(JOB, "watch-a", NOW, FLOOR)
    records.claim_job_read(JOB, "watch-b", NOW + at(FLOOR), FLOOR)
    records.note_job_read(JOB, "watch-b", NOW + at(FLOOR), shared_status(DONE), None)
    records.note_job_read(JOB, "watch-a", NOW, shared_status(RUNNING), None)  # a slow first read, answered late
    last = records.claim_job_read(JOB, "watch-a", NOW + at(FLOOR + 1), FLOOR).last
    assert last is not None and last.status == DONE


def test_one_row_per_job_whatever_the_case_of_its_id_and_apart_from_the_offer(records: RecordStore) -> None:
    assert records.claim_job_read(JOB, "watch-a", NOW, FLOOR).granted
    assert not records.claim_job_read(JOB.upper(), "watch-b", NOW + at(1), FLOOR).granted
    assert records.claim_job_read("d4261631-ad84-4a9b-9f1e-5b7e8a1c0002", "watch-b", NOW, FLOOR).granted
    assert job_partition(JOB.upper()) == f"job|{JOB}" and JOB_STATUS == "status"
    assert records.history("contoso", "contoso-vm-offer") == []
    assert records.registered_jobs("contoso", "contoso-vm-offer") == []


def test_a_status_too_large_to_share_is_not_stored() -> None:
    huge = {**DONE, "errors": [{"code": "x", "message": "m" * 40_000}]}
    assert shared_status(huge) is None
    assert json.loads(shared_status(DONE) or "{}") == DONE
