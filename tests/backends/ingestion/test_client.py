"""The ingestion client against the stand-in over loopback HTTP: status, cancel, the too-late 400, and the fence."""

from __future__ import annotations

import pytest

from backends.http import errors
from backends.http.tokens import StaticTokenProvider
from backends.ingestion.client import IngestionClient, JobAlreadyCompleted
from devhost.standins.ingestion import TOO_LATE_MESSAGE, IngestionStandIn
from tests.backends.cpp.conftest import RecordingServer
from tests.backends.ingestion.conftest import JOB


def test_a_cancel_that_finishes_after_a_few_status_reads(standin: IngestionStandIn, ingestion: IngestionClient) -> None:
    standin.add_job(JOB, cancel_after_reads=3)
    answer = ingestion.cancel(JOB)
    assert (answer.raw_status, answer.raw_result) == ("running", "pending")
    seen = [ingestion.poll(ingestion.status_url(JOB))[0].words for _ in range(4)]
    assert seen == ["running (pending)", "running (pending)", "completed (cancelled)", "completed (cancelled)"]
    assert standin.cancel_count(JOB) == 1
    assert all(r.query == {"$version": "2022-03-01-preview2"} for r in standin.requests)


def test_a_cancel_done_at_once(standin: IngestionStandIn, ingestion: IngestionClient) -> None:
    standin.add_job(JOB, cancel_after_reads=0, id_key="jobID")
    answer = ingestion.cancel(JOB)
    assert answer.is_cancelled and answer.job_id == JOB


def test_too_late_is_its_own_error_and_the_status_says_how_it_ended(
    standin: IngestionStandIn, ingestion: IngestionClient
) -> None:
    standin.add_job(JOB, status="completed", result="succeeded")
    with pytest.raises(JobAlreadyCompleted) as caught:
        ingestion.cancel(JOB)
    assert (caught.value.status_code, caught.value.code, caught.value.api_message) == (
        400,
        "already_completed",
        TOO_LATE_MESSAGE,
    )
    assert not caught.value.transient
    assert ingestion.get_status(JOB).words == "completed (succeeded)"


def test_an_unknown_job_is_not_found(ingestion: IngestionClient) -> None:
    with pytest.raises(errors.NotFound):
        ingestion.get_status(JOB)


def test_a_wrong_token_is_unauthorized(standin: IngestionStandIn) -> None:
    standin.add_job(JOB)
    client = IngestionClient(standin.base_url, StaticTokenProvider("the-cpp-token"), max_retries=0)
    with pytest.raises(errors.Unauthorized):
        client.get_status(JOB)
    assert [r.token for r in standin.requests] == ["the-cpp-token"]


def test_a_stored_url_on_another_host_is_never_fetched(ingestion: IngestionClient) -> None:
    foreign = RecordingServer()
    try:
        with pytest.raises(errors.UnsafeUrl):
            ingestion.poll(f"{foreign.base_url}/rp/product-ingestion/configure/{JOB}/status")
        assert foreign.visits == []
    finally:
        foreign.close()


def test_the_adapter_refuses_a_token_outside_the_path(standin: IngestionStandIn, ingestion: IngestionClient) -> None:
    session = ingestion._session  # the pinned session itself, as a careless future code path would use it
    with pytest.raises(errors.UnsafeUrl):
        session.get(f"{standin.origin}/v1.0/me", headers={"Authorization": "Bearer x"}, timeout=2)
    assert standin.requests == []


def test_transport_failures_and_the_apis_own_words_name_the_product_ingestion_api(standin: IngestionStandIn) -> None:
    from tests.devhost.conftest import free_port

    closed = f"http://127.0.0.1:{free_port()}/rp/product-ingestion"
    client = IngestionClient(closed, StaticTokenProvider("t"), max_retries=0)
    with pytest.raises(errors.ApiConnectionError) as refused:
        client.get_status(JOB)
    assert "Could not connect to the Product Ingestion API" in refused.value.describe()
    assert "Partner Portal" not in refused.value.describe()
    standin.add_job(JOB, status="completed", result="succeeded")
    ok = IngestionClient(standin.base_url, StaticTokenProvider(standin.token), max_retries=0)
    with pytest.raises(JobAlreadyCompleted) as late:
        ok.cancel(JOB)
    assert f"The Product Ingestion API said: {TOO_LATE_MESSAGE}" in late.value.describe()
    assert "Partner Portal" not in late.value.describe()
