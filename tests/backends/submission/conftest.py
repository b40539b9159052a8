"""Fixtures: the submission API stand-in over real loopback HTTP (one per session, reset per test), and a client of
it that serves the publisher `contoso`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends.http.tokens import StaticTokenProvider
from backends.submission.client import Connection, SubmissionClient
from devhost.standins.submission import SubmissionStandIn

PUBLISHER = "contoso"
OFFER = "contoso-managed-app"
PRODUCT_ID = "8faa69e0-0de3-4c4e-ad7e-617ac7f6591b"


@pytest.fixture(scope="session")
def _shared_submission_standin() -> Iterator[SubmissionStandIn]:
    with SubmissionStandIn() as api:
        yield api


@pytest.fixture
def submission_standin(_shared_submission_standin: SubmissionStandIn) -> SubmissionStandIn:
    """The stand-in with no products, no requests and every switch at its default (what the sources document)."""
    _shared_submission_standin.reset()
    return _shared_submission_standin


def make_client(
    standin: SubmissionStandIn,
    *,
    token: str | None = None,
    publishers: tuple[str, ...] = (PUBLISHER,),
    **options: float,
) -> SubmissionClient:
    settings: dict[str, float] = {"max_retries": 2, "backoff_factor": 0.01} | options
    connection = Connection(
        standin.base_url,
        timeout=(1.0, 2.0),
        max_retries=int(settings["max_retries"]),
        backoff_factor=settings["backoff_factor"],
        max_retry_after_s=settings.get("max_retry_after_s", 30.0),
    )
    return SubmissionClient(connection, StaticTokenProvider(token or standin.token), publishers=publishers)


@pytest.fixture
def submission_client(submission_standin: SubmissionStandIn) -> Iterator[SubmissionClient]:
    client = make_client(submission_standin)
    yield client
    client.close()
