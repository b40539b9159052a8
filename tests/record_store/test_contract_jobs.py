"""The record store's contract for Product Ingestion configure jobs, on every backend (SQLite and Azurite).

A job's cancel takes the job's own lock (kept apart from the offer's CPP lock, with the same semantics), and a
registered job is remembered once and can be marked completed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from record_store.base import RecordStore
from record_store.jobs import JobRegistration, Registered
from tests.record_store.test_contract import LEASE_S, NOW, all_at_once, ask, hold, record

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0001"
OTHER = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0002"


def test_a_job_cancel_and_a_cpp_cancel_of_one_offer_each_hold_their_own_lock(records: RecordStore) -> None:
    cpp = record("cancel-slack-cpp")
    job = record("cancel-slack-job", job_id=JOB)
    assert ask(records, cpp).acquired
    taken = ask(records, job)
    assert taken.acquired and taken.lock.job_id == JOB
    assert records.read_lock("contoso", "contoso-vm-offer").holder == "cancel-slack-cpp"  # type: ignore[union-attr]
    assert records.read_lock("contoso", "contoso-vm-offer", JOB).holder == "cancel-slack-job"  # type: ignore[union-attr]
    assert ask(records, record("cancel-slack-job2", job_id=OTHER)).acquired, "another job: free"


def test_two_cancels_of_one_job_join_and_the_lock_keys_ignore_case(records: RecordStore) -> None:
    assert ask(records, record("cancel-a", job_id=JOB)).acquired
    second = ask(records, record("cancel-b", job_id=JOB.upper()))
    assert not second.acquired and second.lock.holder == "cancel-a"


def test_only_one_of_many_simultaneous_job_cancels_takes_the_lock(records: RecordStore) -> None:
    results = all_at_once(8, lambda i: ask(records, record(f"cancel-{i}", job_id=JOB)))
    assert sum(r.acquired for r in results) == 1
    assert len({r.lock.holder for r in results}) == 1


def test_a_job_lock_is_annotated_released_and_expires_like_the_offers(records: RecordStore) -> None:
    holder = record("cancel-a", job_id=JOB)
    hold(records, holder)
    assert records.annotate("contoso", "contoso-vm-offer", "cancel-a", watch_instance_id="watch-1", job_id=JOB)
    assert not records.release_watched("contoso", "contoso-vm-offer", "watch-1"), "the CPP lock is not the job's"
    assert records.release_watched("contoso", "contoso-vm-offer", "watch-1", JOB)
    assert records.read_lock("contoso", "contoso-vm-offer", JOB) is None
    assert records.acquire(holder, NOW, LEASE_S).acquired
    records.mark_sending(holder, NOW, LEASE_S)
    later = NOW + timedelta(seconds=LEASE_S + 1)
    assert ask(records, record("cancel-b", job_id=JOB), later).acquired, "an expired lease is taken over"


def test_a_job_cancel_record_keeps_its_job_and_shows_in_the_history(records: RecordStore) -> None:
    records.create(record("cancel-job", job_id=JOB))
    records.create(record("cancel-cpp", at="2026-12-01T10:01:00Z"))
    history = records.history("contoso", "contoso-vm-offer")
    assert [(r.instance_id, r.job_id) for r in history] == [("cancel-cpp", None), ("cancel-job", JOB)]


def registration(job_id: str = JOB, at: str = "2026-12-01T10:00:00Z") -> JobRegistration:
    return JobRegistration("contoso", "contoso-vm-offer", job_id, "release-pipeline", at, slack_channel="C0RELEASES")


def test_a_job_is_registered_once_listed_newest_first_and_marked_completed(records: RecordStore) -> None:
    assert records.register_job(registration()) == Registered("registered", registration())
    assert records.register_job(replace(registration(), requested_by="other")) == Registered("known", registration())
    records.register_job(registration(OTHER, "2026-12-01T10:05:00Z"))
    assert [j.job_id for j in records.registered_jobs("contoso", "contoso-vm-offer")] == [OTHER, JOB]
    records.update_job(replace(registration(), state="completed", job_status="succeeded"))
    assert records.job("contoso", "contoso-vm-offer", JOB) == replace(
        registration(), state="completed", job_status="succeeded"
    )
    running = [j.job_id for j in records.registered_jobs("contoso", "contoso-vm-offer") if j.running]
    assert running == [OTHER]
    assert records.history("contoso", "contoso-vm-offer") == [], "registrations are not cancel attempts"


def test_the_first_registration_decides_the_jobs_offer_found_by_its_id_alone(records: RecordStore) -> None:
    assert records.job_owner(JOB) is None
    assert records.register_job(registration()).outcome == "registered"
    owner = records.job_owner(JOB.upper())
    assert owner is not None and (owner.publisher_id, owner.offer_id, owner.requested_by) == (
        "contoso",
        "contoso-vm-offer",
        "release-pipeline",
    )
    elsewhere = records.register_job(replace(registration(), offer_id="contoso-saas-offer"))
    assert elsewhere == Registered("elsewhere"), "a job belongs to one offer: nothing is written"
    assert records.registered_jobs("contoso", "contoso-saas-offer") == []
    assert records.job_owner(JOB) == owner


def test_a_callers_running_registrations_are_counted_and_stale_entries_dropped(records: RecordStore) -> None:
    for n, job_id in enumerate((JOB, OTHER)):
        records.register_job(registration(job_id, f"2026-12-01T10:0{n}:00Z"))
    assert records.running_jobs_of_caller("release-pipeline", check_from=10) == 2
    records.update_job(replace(registration(), state="not_found"))
    assert records.running_jobs_of_caller("release-pipeline", check_from=10) == 1, "an ended job leaves the index"
    assert records.running_jobs_of_caller("someone-else", check_from=1) == 0
    # An index entry whose removal was lost (the store failed then) is checked and dropped once a cap is near.
    records._put(
        "caller|release-pipeline",
        "running-job|" + JOB,
        {"publisher_id": "contoso", "offer_id": "contoso-vm-offer", "job_id": JOB},
    )
    assert records.running_jobs_of_caller("release-pipeline", check_from=10) == 2, "below the cap: counted as it is"
    assert records.running_jobs_of_caller("release-pipeline", check_from=2) == 1, "near the cap: checked"
    assert records.running_jobs_of_caller("release-pipeline", check_from=10) == 1, "and dropped"


def test_a_job_the_api_does_not_know_is_no_longer_running(records: RecordStore) -> None:
    records.register_job(registration())
    records.update_job(replace(registration(), state="not_found", job_status="not found"))
    [job] = records.registered_jobs("contoso", "contoso-vm-offer")
    assert job.state == "not_found" and not job.running
