"""/cpp help | ops | status | cancel, end to end: signed form bodies over loopback HTTP, through the registered
function and Bolt, against the CPP emulator. Every answer is an ephemeral ack body, in well under 3 seconds."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from devhost.standins.cpp import Fault
from devhost.standins.slack import SlackFault, SlackStandIn
from slack_app.attempt import ACK_BUDGET_S
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.conftest import ALICE, BOB, TEST_POLICY
from tests.slack_app.helpers import Reply, has_button

SLACK_LIMIT_S = 3.0


def timed(call: Callable[[], Reply]) -> Reply:
    started = time.monotonic()
    reply = call()
    elapsed = time.monotonic() - started
    assert elapsed < SLACK_LIMIT_S, f"answered in {elapsed:.2f} s"
    return reply


def ephemeral(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    assert reply.json["response_type"] == "ephemeral"
    assert reply.text, "every message has a plain-text fallback"
    return reply.json


def cpp_methods(cpp_emulator: Any) -> list[str]:
    return [r.method for r in cpp_emulator.requests]


# ---- help ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "", "   ", "HELP"])
def test_help_and_empty_text_show_usage_with_examples(slack: SlackDriver, cpp_emulator: Any, text: str) -> None:
    reply = timed(lambda: slack.command(text))
    ephemeral(reply)
    shown = reply.readable()
    for form in ("/cpp ops &lt;publisher&gt; &lt;offer&gt;", "/cpp status", "/cpp cancel", "notify="):
        assert form in shown
    assert "Example: `/cpp cancel contoso contoso-vm-offer" in shown
    assert cpp_emulator.requests == []


def test_unknown_verb_names_it_and_shows_usage(slack: SlackDriver, audit_log: AuditLog) -> None:
    reply = slack.command("stop contoso contoso-vm-offer")
    ephemeral(reply)
    assert "I don't know `stop`" in reply.readable()
    assert "/cpp cancel" in reply.readable()
    assert audit_log.only()["outcome"] == "unknown_command"


def test_usage_uses_the_command_name_the_workspace_chose(slack: SlackDriver) -> None:
    reply = slack.command("help", command="/stop-publish")
    assert "/stop-publish cancel" in reply.readable()
    assert "/cpp" not in reply.readable()


def test_answers_need_no_auth_test_round_trip_to_slack(slack: SlackDriver, slack_standin: SlackStandIn) -> None:
    """A cold worker must not spend its first request's 3 s budget (or fail it) on Bolt's auth.test call."""
    ephemeral(slack.command("ops contoso contoso-vm-offer"))
    ephemeral(slack.command("help"))
    assert [name for name, _ in slack_standin.calls if name == "auth.test"] == []


# ---- parse errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem", "form"),
    [
        ("ops", "The publisher and offer IDs are missing.", "/cpp ops &lt;publisher&gt; &lt;offer&gt;"),
        ("status contoso", "The offer ID is missing.", "/cpp status &lt;publisher&gt; &lt;offer&gt;"),
        ("cancel contoso", "The offer ID is missing.", "/cpp cancel &lt;publisher&gt; &lt;offer&gt; [notify="),
        ("ops contoso ../etc", "The offer ID '../etc' is not valid", "/cpp ops"),
        ("cancel -x contoso-vm-offer", "The publisher ID '-x' is not valid", "/cpp cancel"),
        ("cancel contoso contoso-vm-offer notify=not-an-address", "'not-an-address' is not a valid e-mail", "notify="),
        ("cancel contoso contoso-vm-offer notify=", "notify= needs at least one e-mail address", "/cpp cancel"),
        ("cancel contoso contoso-vm-offer notify=a@x.com notify=b@x.com", "Give notify= once", "/cpp cancel"),
        ("ops contoso contoso-vm-offer extra", "I did not expect 'extra'", "/cpp ops"),
        ("ops contoso " + "o" * 101, "The offer ID is too long", "/cpp ops"),
        ("status contoso " + "x" * 600, "The command is too long", "/cpp ops | status | cancel"),
    ],
)
def test_parse_errors_say_what_is_wrong_and_the_right_form(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog, text: str, problem: str, form: str
) -> None:
    reply = timed(lambda: slack.command(text))
    ephemeral(reply)
    shown = reply.readable()
    assert problem in shown
    assert form in shown
    assert cpp_emulator.requests == []
    record = audit_log.only()
    assert (record["decision"], record["outcome"]) == ("none", "invalid")


# ---- ops ----------------------------------------------------------------------------------------------------------


def test_ops_lists_operations_with_a_cancel_button_on_the_in_flight_one(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog
) -> None:
    reply = timed(lambda: slack.command("ops contoso contoso-vm-offer"))
    ephemeral(reply)
    shown = reply.readable()
    assert "Operations of `contoso/contoso-vm-offer`" in shown
    assert "`publish` *running*" in shown and "`publish` *completed*" in shown
    assert "on step *Certification*" in shown or "on step *Validate Pre-Requisites*" in shown
    buttons = [b for b in reply.blocks if b.get("accessory", {}).get("action_id") == "open_cancel"]
    assert len(buttons) == 1, "only the in-flight operation can be cancelled"
    assert json.loads(buttons[0]["accessory"]["value"]) == {"p": "contoso", "o": "contoso-vm-offer"}
    assert "running" in buttons[0]["text"]["text"]
    assert "POST" not in cpp_methods(cpp_emulator)
    record = audit_log.only()
    assert (record["command"], record["decision"], record["outcome"], record["cppStatusCode"]) == (
        "ops",
        "allowed",
        "shown",
        200,
    )


def test_ops_of_an_idle_offer_offers_no_cancel(slack: SlackDriver) -> None:
    reply = slack.command("ops contoso contoso-idle-offer")
    ephemeral(reply)
    assert not has_button(reply.blocks, "open_cancel")
    assert "Nothing in flight" in reply.readable()


# ---- status -------------------------------------------------------------------------------------------------------


def test_status_shows_the_latest_operation_and_its_steps(slack: SlackDriver) -> None:
    reply = timed(lambda: slack.command("status contoso contoso-vm-offer"))
    ephemeral(reply)
    shown = reply.readable()
    assert "Latest operation of `contoso/contoso-vm-offer`" in shown
    for step in ("Validate Pre-Requisites", "Certification", "Provisioning", "Publisher signoff", "Live"):
        assert step in shown
    assert "To stop it: `/cpp cancel contoso contoso-vm-offer`" in shown
    assert "running" in reply.text


def test_status_of_a_finished_offer_does_not_suggest_cancelling(slack: SlackDriver) -> None:
    reply = slack.command("status contoso contoso-idle-offer")
    ephemeral(reply)
    assert "completed" in reply.readable()
    assert "To stop it" not in reply.readable()


# ---- cancel: the confirmation --------------------------------------------------------------------------------------


def test_cancel_shows_what_will_be_cancelled_and_asks_to_confirm(
    slack: SlackDriver, cpp_emulator: Any, local_host: Any, audit_log: AuditLog
) -> None:
    reply = timed(lambda: slack.command("cancel contoso contoso-vm-offer notify=a@x.com,b@x.com"))
    ephemeral(reply)
    shown = reply.readable()
    assert "Cancel the publish of `contoso/contoso-vm-offer`?" in shown
    assert "In flight: `publish` *running*" in shown
    assert "a@x.com, b@x.com" in shown

    confirm = reply.button("confirm_cancel")
    assert confirm["style"] == "danger"
    assert set(confirm["confirm"]) >= {"title", "text", "confirm", "deny"}
    value = json.loads(confirm["value"])
    assert value["p"] == "contoso" and value["o"] == "contoso-vm-offer"
    assert value["n"] == ["a@x.com", "b@x.com"]
    assert value["by"] == ALICE and value["at"]
    assert len(value["rid"]) == 32 and len(confirm["value"]) <= 2000
    assert reply.button("abort_cancel")["value"] == confirm["value"]

    assert "POST" not in cpp_methods(cpp_emulator), "nothing is cancelled before Confirm"
    assert local_host.instances() == []
    record = audit_log.only()
    assert (record["command"], record["outcome"], record["requestId"]) == ("cancel", "confirmation_shown", value["rid"])


def test_each_cancel_command_gets_its_own_request_id(slack: SlackDriver) -> None:
    first = json.loads(slack.command("cancel contoso contoso-vm-offer").button("confirm_cancel")["value"])
    second = json.loads(slack.command("cancel contoso contoso-vm-offer").button("confirm_cancel")["value"])
    assert first["rid"] != second["rid"]


def test_cancel_with_nothing_in_flight_says_so_but_still_allows_confirming(slack: SlackDriver) -> None:
    reply = slack.command("cancel contoso contoso-idle-offer")
    ephemeral(reply)
    assert "Nothing is in flight for this offer right now" in reply.readable()
    assert reply.button("confirm_cancel")


def test_cancel_when_the_portal_is_slow_still_answers_in_time_and_allows_confirming(
    slack: SlackDriver, cpp_emulator: Any
) -> None:
    cpp_emulator.add_fault(Fault(method="GET", path="/submissions", latency_s=5.0))
    reply = timed(lambda: slack.command("cancel contoso contoso-vm-offer"))
    ephemeral(reply)
    assert "I could not check what is in flight" in reply.readable()
    assert reply.button("confirm_cancel")


def test_a_slow_group_lookup_and_a_slow_portal_still_fit_in_slacks_three_seconds(
    slack: SlackDriver, slack_standin: SlackStandIn, cpp_emulator: Any
) -> None:
    """One deadline for the whole request: the time Slack's group lookup took is not given to the Partner Portal
    again (each alone is within its own timeout; together they used to overrun Slack's limit)."""
    slack_standin.add_fault(SlackFault(method="usergroups.users.list", latency_s=0.9, proceed=True))
    cpp_emulator.add_fault(Fault(method="GET", path="/submissions", latency_s=5.0))
    started = time.monotonic()
    reply = slack.command("cancel contoso contoso-vm-offer", user=BOB)  # BOB is allowed through a user group
    elapsed = time.monotonic() - started
    assert elapsed < ACK_BUDGET_S + 0.4, f"answered in {elapsed:.2f} s: past the request's own budget"
    ephemeral(reply)
    assert "I could not check what is in flight" in reply.readable()
    assert reply.button("confirm_cancel")


# ---- Partner Portal errors ----------------------------------------------------------------------------------------

ALL_PUBLISHERS = {"rules": [{"publishers": ["*"], "offers": ["*"], "users": [ALICE]}]}


def test_ops_403_names_the_offer_and_the_next_step(
    slack: SlackDriver, use_policy: Callable[[Any], None], audit_log: AuditLog
) -> None:
    use_policy(ALL_PUBLISHERS)
    reply = slack.command("ops fabrikam fabrikam-vm-offer")
    ephemeral(reply)
    shown = reply.readable()
    assert "I could not read the operations of `fabrikam/fabrikam-vm-offer`" in shown
    assert "(HTTP 403)" in shown
    assert "add the app's identity to publisher `fabrikam` in Partner Center" in shown
    record = audit_log.only()
    assert (record["decision"], record["outcome"], record["cppStatusCode"]) == ("allowed", "failed", 403)


def test_ops_404_says_to_check_the_ids(slack: SlackDriver, audit_log: AuditLog) -> None:
    reply = slack.command("ops contoso no-such-offer")
    ephemeral(reply)
    assert "(HTTP 404)" in reply.readable()
    assert "Check the publisher and offer IDs" in reply.readable()
    assert audit_log.only()["cppStatusCode"] == 404


def test_status_5xx_says_try_again(slack: SlackDriver, cpp_emulator: Any) -> None:
    cpp_emulator.add_fault(Fault(method="GET", path="/submissions", status=503))
    reply = slack.command("status contoso contoso-vm-offer")
    ephemeral(reply)
    assert "(HTTP 503)" in reply.readable()
    assert "Try again in a minute." in reply.readable()


def test_cancel_403_offers_no_confirm_button(
    slack: SlackDriver, use_policy: Callable[[Any], None], cpp_emulator: Any
) -> None:
    use_policy(ALL_PUBLISHERS)
    reply = slack.command("cancel fabrikam fabrikam-vm-offer")
    ephemeral(reply)
    assert "(HTTP 403)" in reply.readable()
    assert not has_button(reply.blocks, "confirm_cancel")
    assert "POST" not in cpp_methods(cpp_emulator)


def test_test_policy_is_the_default(app_env: dict[str, str]) -> None:
    assert json.loads(app_env["CANCEL_POLICY"]) == TEST_POLICY
