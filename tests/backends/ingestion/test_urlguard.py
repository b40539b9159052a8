"""The Graph token goes to INGESTION_BASE_URL's origin and path only; job IDs are safe URL segments."""

from __future__ import annotations

import pytest

from backends.http.errors import UnsafeUrl
from backends.ingestion.urlguard import ensure_ingestion_url, job_of_status_url, job_url
from cppcancel.identifiers import InvalidInput, validate_job_id

BASE = "https://graph.microsoft.com/rp/product-ingestion"
JOB = "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc"


def test_job_urls_sit_under_the_base_path() -> None:
    assert job_url(BASE, JOB, "cancel") == f"{BASE}/configure/{JOB}/cancel"
    assert job_of_status_url(BASE, f"{BASE}/configure/{JOB}/status?$version=2022-03-01-preview2") == JOB


@pytest.mark.parametrize(
    "url",
    [
        f"https://graph.microsoft.com/v1.0/me?x={JOB}",  # same host, another Graph API
        f"https://graph.microsoft.com/rp/product-ingestion-evil/configure/{JOB}/status",
        f"https://evil.example/rp/product-ingestion/configure/{JOB}/status",
        f"http://graph.microsoft.com/rp/product-ingestion/configure/{JOB}/status",
        f"https://user@graph.microsoft.com/rp/product-ingestion/configure/{JOB}/status",
        "https://graph.microsoft.com/rp/product-ingestion/configure/%2e%2e/status",
        f"https://graph.microsoft.com/rp/product-ingestion/../v1.0/configure/{JOB}/status",
        "https://cloudpartner.azure.com/api/publishers/contoso/offers/x/operations/1",
    ],
)
def test_the_token_is_never_sent_elsewhere(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        ensure_ingestion_url(BASE, url)
    with pytest.raises(UnsafeUrl):
        job_of_status_url(BASE, url)


@pytest.mark.parametrize(
    "url", [f"{BASE}/configure/{JOB}/cancel", f"{BASE}/configure/{JOB}", f"{BASE}/configure/a/b/status"]
)
def test_only_a_status_url_is_followed(url: str) -> None:
    with pytest.raises(UnsafeUrl, match="not a configure job's status"):
        job_of_status_url(BASE, url)


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "a?b", "a b", "-leading", "x" * 65, "a%2fb", "ü"])
def test_bad_job_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        validate_job_id(bad)
