"""The end of every watch leaves one audit record: proof of who asked, what was followed and how it ended."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.poll_function.conftest import watch_request


def _records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "cppcancel.audit"]


def test_a_completed_watch_is_recorded(
    activity: Callable[[str], Callable[..., Any]], caplog: pytest.LogCaptureFixture
) -> None:
    request = watch_request()
    ending = {"phase": "completed", "operationStatus": "completed", "stoppedBy": None, "error": None}
    with caplog.at_level(logging.INFO, logger="cppcancel.audit"):
        assert activity("record_watch_end")(payload={"request": request.to_json(), "ending": ending}) is True
    [record] = _records(caplog)
    assert record["source"] == "watcher"
    assert record["command"] == "watch"
    assert record["outcome"] == "completed"
    assert (record["publisher"], record["offer"]) == ("contoso", "contoso-vm-offer")
    assert record["operationUrl"] == request.operation_url
    assert record["correlationId"] == "corr-1"
    assert record["requestId"] == request.instance_id
    assert record["reason"] is None


def test_a_stopped_watch_names_who_stopped_it(
    activity: Callable[[str], Callable[..., Any]], caplog: pytest.LogCaptureFixture
) -> None:
    ending = {"phase": "stopped", "stoppedBy": {"display": "bob", "userId": "U0BOB"}, "error": None}
    with caplog.at_level(logging.INFO, logger="cppcancel.audit"):
        activity("record_watch_end")(payload=json.dumps({"request": watch_request().to_json(), "ending": ending}))
    [record] = _records(caplog)
    assert (record["outcome"], record["reason"]) == ("stopped", "stopped by bob")


def test_every_phase_a_watch_can_end_in_is_an_audit_outcome_of_its_own() -> None:
    from typing import get_args

    from poll_function.audit_activities import WATCH_OUTCOMES
    from poll_function.watch_view import Phase

    assert set(WATCH_OUTCOMES) == set(get_args(Phase))
    assert all(outcome == phase for phase, outcome in WATCH_OUTCOMES.items())
