"""One structured audit record per attempt - allowed, refused, failed - with who/where/what/outcome, the CPP status
code and the correlation ID the person sees as "ref"; never a secret or token; optionally copied to a channel."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.standins.slack import SlackFault, SlackStandIn
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.conftest import ALICE, BOT_TOKEN, CHANNEL, MALLORY, SIGNING_SECRET, TEAM

FIELDS = {
    "event",
    "at",
    "source",
    "command",
    "decision",
    "outcome",
    "who",
    "display",
    "workspace",
    "enterprise",
    "channel",
    "publisher",
    "offer",
    "cppStatusCode",
    "operationUrl",
    "correlationId",
    "requestId",
    "reason",
}
AUDIT_CHANNEL = "C0AUDIT"


def ref_shown(reply_text: str) -> str:
    return reply_text.split("ref `")[1].split("`")[0]


def test_an_allowed_command_is_recorded_with_every_field(slack: SlackDriver, audit_log: AuditLog) -> None:
    reply = slack.command("status contoso contoso-vm-offer")
    record = audit_log.only()
    assert set(record) == FIELDS
    assert record | {"at": None, "correlationId": None} == {
        "event": "cppcancel.audit",
        "at": None,
        "source": "slack",
        "command": "status",
        "decision": "allowed",
        "outcome": "shown",
        "who": ALICE,
        "display": "u0alice",
        "workspace": TEAM,
        "enterprise": None,
        "channel": CHANNEL,
        "publisher": "contoso",
        "offer": "contoso-vm-offer",
        "cppStatusCode": 200,
        "operationUrl": None,
        "correlationId": None,
        "requestId": None,
        "reason": None,
    }
    assert record["correlationId"] == ref_shown(reply.readable()), "the ref a person quotes finds the record"


def test_a_refusal_is_recorded_with_the_missing_permission(slack: SlackDriver, audit_log: AuditLog) -> None:
    reply = slack.command("cancel contoso contoso-vm-offer", user=MALLORY)
    record = audit_log.only()
    assert (record["who"], record["decision"], record["outcome"], record["reason"]) == (
        MALLORY,
        "refused",
        "refused",
        "missing user/group",
    )
    assert record["cppStatusCode"] is None
    assert record["correlationId"] == ref_shown(reply.readable())


def test_a_failure_is_recorded_with_the_cpp_status(slack: SlackDriver, audit_log: AuditLog) -> None:
    slack.command("ops contoso no-such-offer")
    record = audit_log.only()
    assert (record["decision"], record["outcome"], record["cppStatusCode"]) == ("allowed", "failed", 404)
    assert "no-such-offer" in record["reason"]


def test_a_whole_flow_writes_one_record_per_attempt_and_no_secret_anywhere(
    slack: SlackDriver, audit_log: AuditLog, cpp_emulator: Any
) -> None:
    value = slack.command("cancel contoso contoso-vm-offer notify=ops@contoso.com").button("confirm_cancel")["value"]
    slack.click("confirm_cancel", value, key="confirm")
    slack.click("confirm_cancel", value, key="again")
    slack.command("ops contoso contoso-vm-offer", user=MALLORY)
    assert [(r["command"], r["outcome"]) for r in audit_log.records()] == [
        ("cancel", "confirmation_shown"),
        ("confirm_cancel", "requested"),
        ("confirm_cancel", "already_requested"),
        ("ops", "refused"),
    ]
    everything = audit_log.all_text()
    for secret in (BOT_TOKEN, SIGNING_SECRET, cpp_emulator.token, "xoxb-"):
        assert secret not in everything
    for record in audit_log.records():
        assert "response/" not in json.dumps(record), "response_urls are capabilities: never audited"


@pytest.fixture
def audit_channel(monkeypatch: pytest.MonkeyPatch, app_env: dict[str, str]) -> str:
    monkeypatch.setenv("AUDIT_CHANNEL_ID", AUDIT_CHANNEL)
    reset_settings_cache()
    return AUDIT_CHANNEL


def channel_posts(standin: SlackStandIn, count: int) -> list[Any]:
    found = standin.wait_for(lambda ms: len([m for m in ms if m.channel == AUDIT_CHANNEL]) >= count)
    return [m for m in found if m.channel == AUDIT_CHANNEL]


def test_records_are_copied_to_the_audit_channel(
    slack: SlackDriver, audit_channel: str, slack_standin: SlackStandIn
) -> None:
    slack.command("cancel contoso contoso-vm-offer", user=MALLORY)
    (post,) = channel_posts(slack_standin, 1)
    assert post.method == "chat.postMessage"
    assert f"<@{MALLORY}>" in json.dumps(post.blocks) and "refused" in (post.text or "")
    assert BOT_TOKEN not in json.dumps(post.to_json())


def test_a_failing_audit_channel_never_breaks_the_flow(
    slack: SlackDriver, audit_channel: str, slack_standin: SlackStandIn, audit_log: AuditLog
) -> None:
    slack_standin.add_fault(SlackFault(method="chat.postMessage", status=500, error="internal_error", times=5))
    reply = slack.command("ops contoso contoso-vm-offer")
    assert reply.status == 200 and "Operations of" in reply.readable()
    assert audit_log.only()["outcome"] == "shown", "the log line is written whatever the channel does"
