"""Fixtures: the submission API stand-in over real loopback HTTP (one per session, reset per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devhost.standins.submission import SubmissionStandIn


@pytest.fixture(scope="session")
def _shared_submission_standin() -> Iterator[SubmissionStandIn]:
    with SubmissionStandIn() as api:
        yield api


@pytest.fixture
def submission_standin(_shared_submission_standin: SubmissionStandIn) -> SubmissionStandIn:
    """The stand-in with no products, no requests and every switch at its default (what the sources document)."""
    _shared_submission_standin.reset()
    return _shared_submission_standin
