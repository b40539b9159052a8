"""The cancel orchestration's registered activities, called as the worker calls them, against the CPP emulator and
the Slack stand-in.

Everything goes over loopback sockets: the app's CppClient talks to the emulator, its slack_sdk WebClient and
WebhookClient talk to the stand-in. `app_env` points the settings at both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from cppcancel.contracts import CancelOutcome
from devhost.standins.cpp.faults import Fault
from devhost.standins.slack import SlackFault, SlackStandIn, blocks_to_text
from slack_app.web import SlackTransientError
from tests.cancel_function.conftest import cancel_request
from tests.conftest import CHANNEL

pytestmark = pytest.mark.usefixtures("app_env")

Activity = Callable[[str], Callable[..., Any]]


@pytest.fixture
def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    caplog.set_level(logging.INFO, logger="cppcancel.audit")
    records: list[dict[str, Any]] = []

    class Sink(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(json.loads(record.getMessage()))

    handler = Sink()
    logging.getLogger("cppcancel.audit").addHandler(handler)
    yield records
    logging.getLogger("cppcancel.audit").removeHandler(handler)


def _send(activity: Activity, offer_id: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = activity("send_cancel")(payload=cancel_request(offer_id, **kwargs).to_json())
    return result


# -- send_cancel ------------------------------------------------------------------------------------------------------


def test_send_cancel_202_returns_the_operation_and_audits(
    activity: Activity, cpp_emulator: Any, audit_lines: list[dict[str, Any]]
) -> None:
    result = _send(activity, "contoso-vm-offer")
    assert result["ok"] is True
    assert result["result"]["outcome"] == "accepted" and result["result"]["statusCode"] == 202
    assert result["result"]["operationUrl"].startswith(f"{cpp_emulator.base_url}/api/publishers/contoso/")
    assert cpp_emulator.cancel_count("contoso-vm-offer") == 1
    [record] = audit_lines
    assert (record["command"], record["outcome"], record["cppStatusCode"]) == ("cancel", "accepted", 202)
    assert (record["who"], record["publisher"], record["channel"]) == ("U0ALICE", "contoso", CHANNEL)
    assert record["operationUrl"] == result["result"]["operationUrl"] and record["correlationId"] == "corr-1"


def test_send_cancel_200(activity: Activity) -> None:
    assert _send(activity, "contoso-saas-offer") == {
        "ok": True,
        "result": {"outcome": "cancelled", "statusCode": 200, "operationUrl": None, "retryAfterS": None},
    }


def test_send_cancel_returns_cpp_errors_as_values(
    activity: Activity, cpp_emulator: Any, audit_lines: list[dict[str, Any]]
) -> None:
    result = _send(activity, "no-such-offer")
    assert result["ok"] is False
    assert (result["error"]["code"], result["error"]["statusCode"], result["error"]["transient"]) == (
        "not_found",
        404,
        False,
    )
    assert audit_lines[0]["outcome"] == "failed" and "HTTP 404" in audit_lines[0]["reason"]


def test_send_cancel_validates_ids_again_and_sends_nothing_invalid(activity: Activity, cpp_emulator: Any) -> None:
    payload = cancel_request().to_json() | {"offerId": "../../admin"}
    result = activity("send_cancel")(payload=json.dumps(payload))  # JSON text is accepted too
    assert result["ok"] is False and result["error"]["code"] == "invalid_input"
    assert cpp_emulator.cancel_count() == 0


def test_send_cancel_is_sent_once_even_when_the_answer_is_a_5xx(activity: Activity, cpp_emulator: Any) -> None:
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", status=503, times=None))
    result = _send(activity, "contoso-vm-offer")
    assert result["ok"] is False and result["error"]["code"] == "server_error"
    assert "may or may not have been taken" in result["error"]["message"]
    assert cpp_emulator.cancel_count() == 1


# -- report_cancel ----------------------------------------------------------------------------------------------------


def _report(activity: Activity, standin: SlackStandIn, outcome: CancelOutcome, **kwargs: Any) -> dict[str, Any]:
    request = cancel_request(response_url=standin.response_url("r1"), **kwargs)
    payload = {"request": request.to_json(), "outcome": outcome.to_json(), "at": "2026-11-25T10:00:00Z"}
    result: dict[str, Any] = activity("report_cancel")(payload=payload)
    return result


def test_report_posts_to_the_channel_only_and_leaves_the_pointer_pending(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    """One Slack post per activity: the pointer on the response_url is `point_to_report`'s, a step of its own."""
    outcome = CancelOutcome("accepted", 202, "https://x/api/publishers/contoso/offers/o/operations/1", "watch-1")
    result = _report(activity, slack_standin, outcome)
    [channel_message] = slack_standin.messages
    assert result == {
        "messageTs": channel_message.ts,
        "deliveredVia": "channel",
        "slackError": None,
        "pointerPending": True,
    }
    assert channel_message.method == "chat.postMessage" and channel_message.channel == CHANNEL
    assert channel_message.text is not None and channel_message.text.startswith("🛑 Cancel of contoso/contoso-vm-offer")
    assert "[Stop watching]" in blocks_to_text(channel_message.blocks)


def test_point_to_report_replaces_the_persons_reply_with_a_pointer(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    payload = {"channelId": CHANNEL, "responseUrl": slack_standin.response_url("r1")}
    assert activity("point_to_report")(payload=payload) == {"ok": True}
    [pointer] = slack_standin.messages
    assert (pointer.method, pointer.response_key, pointer.replace_original) == ("response_url", "r1", True)
    assert pointer.text == f"Done — see <#{CHANNEL}> for the outcome and live progress."


def test_point_to_report_is_best_effort(activity: Activity, slack_standin: SlackStandIn) -> None:
    slack_standin.add_fault(SlackFault(method="response_url", status=404, error="expired_url"))
    payload = {"channelId": CHANNEL, "responseUrl": slack_standin.response_url("r1")}
    assert activity("point_to_report")(payload=payload) == {"ok": False}
    assert activity("point_to_report")(payload={"channelId": CHANNEL}) == {"ok": False}


def test_report_falls_back_to_the_response_url_when_the_bot_is_not_in_the_channel(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    slack_standin.add_fault(SlackFault(method="chat.postMessage", status=200, error="not_in_channel"))
    result = _report(activity, slack_standin, CancelOutcome("cancelled", 200))
    assert result == {"messageTs": None, "deliveredVia": "response_url", "slackError": "not_in_channel"}
    [fallback] = slack_standin.messages
    assert fallback.method == "response_url" and fallback.replace_original
    text = "\n".join(blocks_to_text(fallback.blocks))
    assert "publish cancelled by <@U0ALICE>" in text and "/invite" in text


def test_report_raises_transient_slack_failures_for_the_activity_retry(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    slack_standin.add_fault(SlackFault(method="chat.postMessage", status=503, error="service_unavailable"))
    with pytest.raises(SlackTransientError):
        _report(activity, slack_standin, CancelOutcome("cancelled", 200))


def test_report_without_a_slack_target_does_nothing(activity: Activity, slack_standin: SlackStandIn) -> None:
    request = cancel_request(slack=False)
    payload = {"request": request.to_json(), "outcome": CancelOutcome("cancelled", 200).to_json(), "at": None}
    assert activity("report_cancel")(payload=payload)["messageTs"] is None
    assert slack_standin.calls == []
