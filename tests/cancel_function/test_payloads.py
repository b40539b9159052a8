"""The cancel orchestration's activity results parse tolerantly (histories written by older code must replay), and
the typed `CancelSent` is a parse of the JSON `send_cancel` has always written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backends.http.errors import Forbidden
from backends.http.operation import CancelResult
from cancel_function.payloads import CANCEL_UNDER_WAY, CancelSent, ReportResult, cancel_under_way_error
from cppcancel.error_info import ErrorInfo
from tests.fixtures.replaying import HISTORIES, load_fixture

PUBLISH_URL = "https://cloudpartner.azure.com/api/publishers/contoso/offers/o/operations/publish-1"


def test_payloads_parse_tolerantly() -> None:
    assert CancelSent.from_json(None).error.code == "unknown"
    assert ReportResult.from_json(ReportResult("1.1", "channel").to_json()) == ReportResult("1.1", "channel")


def _recorded_send_cancel_result(fixture: str) -> Any:
    """What `send_cancel` answered in a recorded history (written by the code before `CancelSent` had a kind)."""
    [generation, *_] = load_fixture(HISTORIES / fixture)["generations"]
    history = generation["history"]
    [scheduled] = [e["EventId"] for e in history if e["EventType"] == 4 and e["Name"] == "send_cancel"]
    [result] = [e["Result"] for e in history if e["EventType"] == 5 and e["TaskScheduledId"] == scheduled]
    return json.loads(result)


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("cancel_orchestrator_202.json", "sent"),
        ("cancel_orchestrator_under_way.json", "under_way"),
        ("cancel_orchestrator_403.json", "failed"),
    ],
)
def test_recorded_send_cancel_results_read_as_what_happened_and_write_back_unchanged(fixture: str, kind: str) -> None:
    raw = _recorded_send_cancel_result(fixture)
    sent = CancelSent.from_json(raw)
    assert sent.kind == kind
    assert json.dumps(sent.to_json()) == json.dumps(raw)
    if kind == "under_way":
        assert sent.publish_url == raw["error"]["publishOperationUrl"] and sent.result is None
    elif kind == "failed":
        assert (sent.error.code, sent.error.status_code, sent.publish_url) == ("forbidden", 403, None)


def test_each_kind_writes_the_json_send_cancel_always_wrote() -> None:
    result = CancelResult("accepted", 202, PUBLISH_URL)
    assert CancelSent.sent(result).to_json() == {"ok": True, "result": result.to_json()}
    assert CancelSent.under_way(PUBLISH_URL).to_json() == {"ok": False, "error": cancel_under_way_error(PUBLISH_URL)}
    under_way = cancel_under_way_error(PUBLISH_URL)
    assert under_way["code"] == CANCEL_UNDER_WAY and under_way["publishOperationUrl"] == PUBLISH_URL
    error = Forbidden("No access.", status_code=403).error_info()
    assert CancelSent.failed(error).to_json() == {
        "ok": False,
        "error": Forbidden("No access.", status_code=403).to_json(),
    }


def test_an_under_way_answer_is_read_by_its_code_even_without_a_publish_to_follow() -> None:
    """As the code before the type read it: the orchestration then still looks for a watcher to join."""
    sent = CancelSent.from_json({"ok": False, "error": ErrorInfo(CANCEL_UNDER_WAY, "m").to_json()})
    assert (sent.kind, sent.publish_url) == ("under_way", None)


def test_a_sent_result_needs_the_cpp_answer() -> None:
    with pytest.raises(ValueError, match="needs result"):
        CancelSent("sent")
    with pytest.raises(ValueError, match="has no result"):
        CancelSent("failed", CancelResult("cancelled", 200))
