"""The stand-in is never kinder than the documented API: token and `$version` required, no job listing, the
documented too-late 400, and control endpoints that only the loopback tests and the dev host use."""

from __future__ import annotations

import json

import pytest

from backends.http.tokens import StaticTokenProvider
from backends.ingestion.client import token_provider_from_settings
from cppcancel.settings import load_settings
from devhost.standins.ingestion import TOO_LATE_MESSAGE, IngestionStandIn
from tests.backends.ingestion.conftest import JOB
from tests.devhost.conftest import fetch


def test_no_token_or_no_version_is_refused(standin: IngestionStandIn) -> None:
    standin.add_job(JOB)
    url = f"{standin.base_url}/configure/{JOB}/status"
    assert fetch("GET", f"{url}?$version=2022-03-01-preview2").status == 401
    no_version = fetch("GET", url, headers={"Authorization": f"Bearer {standin.token}"})
    assert no_version.status == 400 and no_version.json()["error"]["code"] == "badRequest"


def test_there_is_no_endpoint_that_lists_jobs(standin: IngestionStandIn) -> None:
    standin.add_job(JOB)
    auth = {"Authorization": f"Bearer {standin.token}"}
    for path in ("/configure", "/configure/", "/configure/status"):
        assert fetch("GET", f"{standin.base_url}{path}?$version=2022-03-01-preview2", headers=auth).status == 404


def test_the_too_late_refusal_is_the_documented_body(standin: IngestionStandIn) -> None:
    standin.add_job(JOB, status="completed", result="succeeded")
    answer = fetch(
        "POST",
        f"{standin.base_url}/configure/{JOB}/cancel?$version=2022-03-01-preview2",
        headers={"Authorization": f"Bearer {standin.token}"},
    )
    assert answer.status == 400
    assert answer.json() == {"error": {"code": "badRequest", "message": TOO_LATE_MESSAGE, "details": []}}


def test_a_job_that_is_not_cancelled_finishes_by_itself(standin: IngestionStandIn) -> None:
    job = standin.add_job(JOB, finish_after_reads=2, final_result="failed")
    assert job.read()["jobStatus"] == "running"
    body = job.read()
    assert (body["jobStatus"], body["jobResult"]) == ("completed", "failed") and body["errors"]
    assert body["jobEnd"] != "0001-01-01T00:00:00"


def test_jobs_are_added_over_http_for_the_dev_host(standin: IngestionStandIn) -> None:
    added = fetch("POST", f"{standin.origin}/_standin/jobs", json.dumps({"jobId": JOB, "idKey": "jobID"}))
    assert added.status == 200 and added.json()["jobID"] == JOB
    assert fetch("POST", f"{standin.origin}/_standin/jobs", "{}").status == 400
    assert standin.job(JOB).id_key == "jobID" and standin.requests == [], "control calls are not recorded"


@pytest.mark.parametrize("static", [True, False])
def test_the_ingestion_token_provider_is_its_own(static: bool) -> None:
    env = {"CPP_ACCESS_TOKEN": "cpp-token"} | ({"INGESTION_ACCESS_TOKEN": "ingestion-token"} if static else {})
    settings = load_settings(env)
    provider = token_provider_from_settings(settings)
    if static:
        assert isinstance(provider, StaticTokenProvider) and provider.get_token() == "ingestion-token"
    else:
        assert not isinstance(provider, StaticTokenProvider), "never the CPP's static token"
        assert "graph.microsoft.com/.default" in repr(provider)
