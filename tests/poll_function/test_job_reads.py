"""A configure job is read at most once per INGESTION_MIN_POLL_INTERVAL_S, whoever watches it (issue #22, item 4).

Microsoft asks for at most one status read per minute per job. `poll_job` is called as the worker calls it, against
the Product Ingestion stand-in over loopback HTTP and the record store of `app_env` (SQLite); the interval is set
far above how long the test takes, so "no second read" never depends on the machine's speed. The watchers are
told apart by their instance IDs, as the watcher orchestration passes them (`watch_logic.job_poll_input`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from cppcancel.contracts import Requester, WatchRequest
from cppcancel.settings import reset_settings_cache
from cppcancel.times import iso, parse_iso, utc_now
from devhost.standins.ingestion import IngestionStandIn
from poll_function.payloads import PollResult
from poll_function.watch_logic import job_poll_input

pytestmark = pytest.mark.usefixtures("app_env")

Activity = Callable[[str], Callable[..., Any]]
JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0042"
FLOOR_S = 3600.0


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestionStandIn]:
    with IngestionStandIn() as api:
        monkeypatch.setenv("INGESTION_BASE_URL", api.base_url)
        monkeypatch.setenv("INGESTION_ACCESS_TOKEN", api.token)
        monkeypatch.setenv("INGESTION_MIN_POLL_INTERVAL_S", str(FLOOR_S))
        reset_settings_cache()
        yield api
    reset_settings_cache()


def watcher(jobs: IngestionStandIn, *, registered: bool, answered_at: str = "") -> WatchRequest:
    return WatchRequest(
        operation_url=f"{jobs.base_url}/configure/{JOB}/status?$version=2022-03-01-preview2",
        publisher_id="contoso",
        offer_id="contoso-saas",
        requester=Requester(display="release-pipeline", caller="release-pipeline"),
        correlation_id="corr-job",
        started_at=answered_at or iso(utc_now()),
        job_id=JOB,
        registered=registered,
    )


def status_reads(jobs: IngestionStandIn) -> int:
    return sum(1 for r in jobs.requests if r.method == "GET" and r.path.endswith(f"/{JOB}/status"))


def poll(activity: Activity, request: WatchRequest) -> PollResult:
    return PollResult.from_json(activity("poll_job")(payload=job_poll_input(request)))


def test_two_watchers_of_one_job_read_it_once_within_the_interval_and_share_what_it_said(
    activity: Activity, jobs: IngestionStandIn
) -> None:
    jobs.add_job(JOB)
    registered = watcher(jobs, registered=True)
    cancels = watcher(jobs, registered=False, answered_at=iso(utc_now() - timedelta(seconds=2 * FLOOR_S)))
    assert registered.instance_id != cancels.instance_id

    first = poll(activity, registered)
    assert first.ok and first.read and status_reads(jobs) == 1
    next_read = parse_iso(first.next_read_at)
    assert next_read is not None and first.min_interval_s == FLOOR_S

    second = poll(activity, cancels)
    assert status_reads(jobs) == 1, "the other watcher did not read the job within the interval"
    assert second.ok and second.shared and not second.read
    assert second.operation is not None and second.operation.raw_status == "running", "it got the first read's news"
    assert second.next_read_at == first.next_read_at

    again = poll(activity, registered)
    assert status_reads(jobs) == 1 and again.shared, "nor did the first watcher read again"


def test_a_cancels_watcher_reads_no_sooner_than_the_interval_after_the_cancels_answer(
    activity: Activity, jobs: IngestionStandIn
) -> None:
    jobs.add_job(JOB)
    answered = utc_now()
    cancels = watcher(jobs, registered=False, answered_at=iso(answered))
    first = poll(activity, cancels)
    assert status_reads(jobs) == 0 and first.deferred and not first.ok and first.error.code == ""
    assert first.next_read_at == iso(answered + timedelta(seconds=FLOOR_S))
    registered = poll(activity, watcher(jobs, registered=True))
    assert status_reads(jobs) == 0 and registered.deferred, "the cancel's answer counts for the other watcher too"


def test_a_store_that_cannot_be_reached_means_no_read(
    activity: Activity, jobs: IngestionStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.add_job(JOB)
    monkeypatch.setenv("RECORD_STORE_SQLITE", "/proc/no-such-dir/records.sqlite3")
    reset_settings_cache()
    result = poll(activity, watcher(jobs, registered=True))
    assert status_reads(jobs) == 0
    assert not result.ok and result.transient and result.error.code == "not_recorded"
