"""Fixtures: the Product Ingestion stand-in over real loopback HTTP, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends.http.tokens import StaticTokenProvider
from backends.ingestion.client import IngestionClient
from devhost.standins.ingestion import IngestionStandIn

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0001"


@pytest.fixture
def standin() -> Iterator[IngestionStandIn]:
    with IngestionStandIn() as api:
        yield api


@pytest.fixture
def ingestion(standin: IngestionStandIn) -> Iterator[IngestionClient]:
    client = IngestionClient(
        standin.base_url, StaticTokenProvider(standin.token), timeout=(1.0, 2.0), max_retries=1, backoff_factor=0.01
    )
    yield client
    client.close()
