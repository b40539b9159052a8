"""Signed but hostile Slack bodies get a specific answer, never a 500: found by driving the dev host with them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.cancel_function.test_slack_signatures import no_side_effect
from tests.slack_app.helpers import block_actions_payload, command_body, interaction_body, signed_headers


@pytest.mark.parametrize(
    "actions",
    ["confirm_cancel", [None], [1], {"a": 1}, [], [{"action_id": 5, "value": "x"}], None],
    ids=["string", "null-item", "number-item", "object", "empty", "numeric-action-id", "null"],
)
def test_a_click_whose_actions_are_not_a_list_of_objects_is_400_in_one_log_line(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog, caplog: pytest.LogCaptureFixture, actions: Any
) -> None:
    payload = block_actions_payload("confirm_cancel", "x", response_url=slack.standin.response_url("h"))
    payload["actions"] = actions
    body = interaction_body(payload)
    with caplog.at_level(logging.WARNING):
        reply = slack.host.post("slack/interactions", body, signed_headers(body))
    assert reply.status == 400, reply.body
    assert reply.json == {"error": {"code": "malformed_request", "message": "malformed request"}}
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("slack_app")]
    assert len(lines) == 1 and "malformed body" in lines[0].getMessage()
    assert not any(r.exc_info for r in caplog.records), "no traceback"
    no_side_effect(slack, cpp_emulator, audit_log)


def test_the_same_hostile_click_unsigned_is_401(slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog) -> None:
    payload = block_actions_payload("confirm_cancel", "x", response_url=slack.standin.response_url("h"))
    payload["actions"] = [None]
    assert slack.host.post("slack/interactions", interaction_body(payload), {}).status == 401
    no_side_effect(slack, cpp_emulator, audit_log)


def test_a_command_that_names_no_user_is_refused_specifically_and_audited_invalid(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_body("cancel contoso contoso-vm-offer").replace(b"user_id=U0ALICE&", b"")
    assert b"user_id" not in body
    reply = slack.host.post("slack/commands", body, signed_headers(body))
    assert reply.status == 200 and reply.json["response_type"] == "ephemeral"
    assert "Slack did not say who sent this command, so nothing was done" in reply.readable()
    assert "Something went wrong" not in reply.readable()
    assert any("names no user" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert not any(r.levelno >= logging.ERROR or r.exc_info for r in caplog.records), "no ERROR, no traceback"
    record = audit_log.only()
    assert (record["decision"], record["outcome"], record["who"]) == ("none", "invalid", None)
    assert (record["command"], record["publisher"], record["offer"]) == ("cancel", "contoso", "contoso-vm-offer")
    assert cpp_emulator.requests == []
