"""What a person reads after a cancel that may have been taken, was taken but cannot be followed, or was already
under way - and the Slack bodies Bolt cannot read, which must be refused rather than crash.

Regression tests for docs/reliability.md: "What to do" used to say "try again in a minute" right under "the cancel
may or may not have been taken: check /cpp ops before trying again"; a redirected cancel was called "accepted";
a 202 without an operation to follow was headlined "❌ failed".
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import azure.functions as func
import pytest

from cppcancel.contracts import CancelOutcome, Requester
from cppcancel.targets import PublishTarget
from devhost.standins.slack import blocks_to_text
from slack_app.advice import next_step_hint
from slack_app.functions_adapter import MalformedRequest, handle, to_bolt_request
from slack_app.progress import render_cancel_report
from tests.slack_app.helpers import FORM, signed_headers

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ALICE = Requester(display="alice", user_id="U0ALICE", team_id="T0LOCAL")
LOOK_FIRST = "The outcome is unknown: the cancel may or may not have been taken. Check `/cpp ops` before trying again."


def report(outcome: CancelOutcome) -> str:
    message = render_cancel_report(target=PublishTarget("contoso", "vm"), requester=ALICE, outcome=outcome, at=T0)
    return "\n".join(blocks_to_text(message.blocks))


@pytest.mark.parametrize("code", ["server_error", "connection_error", "timeout", "something_new"])
def test_a_cancel_that_may_have_been_taken_is_never_followed_by_try_again(code: str) -> None:
    assert next_step_hint({"code": code, "statusCode": 503, "outcomeUnknown": True}) == LOOK_FIRST


def test_a_refusal_that_did_nothing_keeps_its_own_advice() -> None:
    assert "try again in a minute" in next_step_hint({"code": "connection_error", "outcomeUnknown": False})
    assert next_step_hint({"code": "throttled", "statusCode": 429, "retryAfterS": 7}) == (
        "The Partner Portal is busy: try again in 7 s."
    )
    assert next_step_hint({"code": "throttled", "retryAfterS": 90}).endswith("try again in 1 min.")


def test_a_redirected_cancel_is_not_called_accepted() -> None:
    advice = next_step_hint({"code": "unsafe_url", "statusCode": 302})
    assert "accepted" not in advice and "never follows a redirect" in advice and "/cpp ops" in advice


def test_an_accepted_cancel_nobody_can_follow_says_it_was_taken() -> None:
    error = {"code": "unsafe_url", "message": "The URL points to evil.example, not to the Partner Portal <x>."}
    text = report(CancelOutcome("accepted", 202, error=error))
    assert text.startswith("⚠️ Cancel of contoso/vm accepted but not followed here — requested by <@U0ALICE>")
    assert "not to the Partner Portal &lt;x&gt;." in text, "API text is escaped"
    assert "do not send it again" in text and "[Stop watching]" not in text


def test_a_cancel_already_under_way_says_it_was_not_sent_again() -> None:
    text = report(CancelOutcome("accepted", None, "https://x/api/publishers/p/offers/o/operations/1", "watch-1"))
    assert "was already under way, so it was not sent again" in text and "[Stop watching]" in text
    assert "answered HTTP" not in text
    assert "The Partner Portal answered HTTP 202." in report(CancelOutcome("accepted", 202, "https://x/o/1", "watch-1"))


# -- bodies Bolt cannot read -------------------------------------------------------------------------------------------


def request(body: bytes, headers: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest("POST", "http://localhost/api/slack/interactions", headers=headers, body=body)


class NoApp:
    def dispatch(self, req: Any) -> Any:
        raise AssertionError("must not dispatch")


@pytest.mark.parametrize("payload", ["[1, 2]", "7", "null", '"text"', "true"])
def test_a_payload_that_is_json_but_not_an_object_is_malformed_not_a_crash(payload: str) -> None:
    body = urlencode({"payload": payload}).encode()
    with pytest.raises(MalformedRequest):
        to_bolt_request(request(body, {"Content-Type": FORM}))
    assert handle(NoApp(), "secret", request(body, {"Content-Type": FORM})).status_code == 401  # type: ignore[arg-type]
    signed = signed_headers(body, secret="secret")
    assert handle(NoApp(), "secret", request(body, signed)).status_code == 400  # type: ignore[arg-type]


def test_a_json_body_that_is_not_an_object_is_malformed_too() -> None:
    with pytest.raises(MalformedRequest):
        to_bolt_request(
            request(json.dumps([{"type": "url_verification"}]).encode(), {"Content-Type": "application/json"})
        )


def test_a_signed_body_that_is_not_utf8_is_refused_not_a_crash() -> None:
    body = b"payload=\xff\xfe"
    stamp = str(int(time.time()))
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + "0" * 64}
    assert handle(NoApp(), "secret", request(body, headers)).status_code == 401  # type: ignore[arg-type]
