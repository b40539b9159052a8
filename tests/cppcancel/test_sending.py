"""The send's tagged results read every shape a recorded history holds (histories written by older code must
replay), and each writes the JSON `send_cancel` has always written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backends.http.errors import Forbidden
from cppcancel.chat import ReportResult
from cppcancel.error_info import ErrorInfo
from cppcancel.sending import (
    CANCEL_UNDER_WAY,
    Failed,
    Joined,
    NotRepeated,
    Sent,
    UnderWay,
    result_from_json,
)
from tests.fixtures.replaying import HISTORIES, load_fixture

PUBLISH_URL = "https://cloudpartner.azure.com/api/publishers/contoso/offers/o/operations/publish-1"


def test_payloads_parse_tolerantly() -> None:
    assert result_from_json(None).code == "unknown"
    assert ReportResult.from_json(ReportResult("1.1", "channel").to_json()) == ReportResult("1.1", "channel")


def _recorded_send_cancel_result(fixture: str) -> Any:
    """What `send_cancel` answered in a recorded history (written by the code before the results had types)."""
    [generation, *_] = load_fixture(HISTORIES / fixture)["generations"]
    history = generation["history"]
    [scheduled] = [e["EventId"] for e in history if e["EventType"] == 4 and e["Name"] == "send_cancel"]
    [result] = [e["Result"] for e in history if e["EventType"] == 5 and e["TaskScheduledId"] == scheduled]
    return json.loads(result)


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("cancel_orchestrator_202.json", Sent),
        ("cancel_orchestrator_under_way.json", UnderWay),
        ("cancel_orchestrator_403.json", Failed),
        ("cancel_orchestrator_joined.json", Joined),
        ("cancel_orchestrator_not_repeated.json", NotRepeated),
        ("cancel_orchestrator_job.json", Sent),
    ],
)
def test_recorded_send_cancel_results_read_as_what_happened_and_write_back_unchanged(fixture: str, kind: type) -> None:
    raw = _recorded_send_cancel_result(fixture)
    sent = result_from_json(raw)
    assert isinstance(sent, kind)
    assert json.dumps(sent.to_json()) == json.dumps(raw)
    if isinstance(sent, UnderWay | Joined | NotRepeated):
        assert sent.operation_url == raw["error"]["publishOperationUrl"]
    if isinstance(sent, Failed):
        assert (sent.code, sent.status_code, sent.operation_url) == ("forbidden", 403, None)


def test_each_kind_writes_the_json_send_cancel_always_wrote() -> None:
    sent = Sent("accepted", 202, PUBLISH_URL)
    assert sent.to_json() == {
        "ok": True,
        "result": {"outcome": "accepted", "statusCode": 202, "operationUrl": PUBLISH_URL, "retryAfterS": None},
    }
    under_way = UnderWay(PUBLISH_URL).to_json()["error"]
    assert under_way["code"] == CANCEL_UNDER_WAY and under_way["publishOperationUrl"] == PUBLISH_URL
    error = Forbidden("No access.", status_code=403).error_info()
    assert Failed(error).to_json() == {"ok": False, "error": Forbidden("No access.", status_code=403).to_json()}


def test_an_under_way_answer_is_read_by_its_code_even_without_a_publish_to_follow() -> None:
    """As the code before the types read it: the orchestration then still looks for a watcher to join."""
    sent = result_from_json({"ok": False, "error": ErrorInfo(CANCEL_UNDER_WAY, "m").to_json()})
    assert isinstance(sent, UnderWay) and sent.operation_url is None


def test_a_result_nobody_can_read_is_a_failure_never_an_exception() -> None:
    assert isinstance(result_from_json({"ok": True, "result": {"outcome": "maybe"}}), Failed)
    assert isinstance(result_from_json({"ok": False, "error": "oops"}), Failed)
