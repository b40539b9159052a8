"""Deny by default: every command naming an offer is checked against CANCEL_POLICY before the Partner Portal is
touched. Refusals are ephemeral, name the missing permission without quoting the policy, are audited, and have no
side effect at all on the emulator."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devhost.standins.slack import SlackFault, SlackStandIn
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.conftest import ALICE, BOB, CHANNEL, MALLORY, TEAM

SetPolicy = Callable[[Any], None]


def assert_refused(reply: Any, missing: str) -> str:
    assert reply.status == 200, reply.body
    assert reply.json["response_type"] == "ephemeral"
    shown = reply.readable()
    assert f"Missing permission: {missing}." in shown
    assert "U0ALICE" not in shown and "S0RELEASE" not in shown, "a refusal never quotes the policy"
    return str(shown)


@pytest.mark.parametrize("verb", ["ops", "status", "cancel"])
def test_a_user_not_in_the_policy_is_refused_with_no_side_effect(
    slack: SlackDriver, cpp_emulator: Any, local_host: Any, audit_log: AuditLog, verb: str
) -> None:
    reply = slack.command(f"{verb} contoso contoso-vm-offer", user=MALLORY)
    assert_refused(reply, "user/group")
    assert cpp_emulator.requests == [], "refused before any Partner Portal call"
    assert local_host.instances() == []
    record = audit_log.only()
    assert (record["who"], record["command"], record["decision"], record["outcome"]) == (
        MALLORY,
        verb,
        "refused",
        "refused",
    )
    assert record["reason"] == "missing user/group"


def test_membership_of_a_listed_user_group_allows_and_is_cached(
    slack: SlackDriver, slack_standin: SlackStandIn
) -> None:
    for _ in range(3):
        reply = slack.command("ops contoso contoso-vm-offer", user=BOB)
        assert "Operations of" in reply.readable()
    lookups = [name for name, _ in slack_standin.calls if name == "usergroups.users.list"]
    assert lookups == ["usergroups.users.list"], "one lookup, then the cache"


def test_a_directly_listed_user_needs_no_group_lookup(slack: SlackDriver, slack_standin: SlackStandIn) -> None:
    slack.command("ops contoso contoso-vm-offer", user=ALICE)
    assert [name for name, _ in slack_standin.calls if name == "usergroups.users.list"] == []


def test_a_failed_group_lookup_refuses_and_says_slack_could_not_confirm(
    slack: SlackDriver, slack_standin: SlackStandIn, caplog: pytest.LogCaptureFixture, cpp_emulator: Any
) -> None:
    slack_standin.add_fault(SlackFault(method="usergroups.users.list", status=429, retry_after_s=30))
    with caplog.at_level(logging.WARNING, logger="slack_app.usergroups"):
        reply = slack.command("ops contoso contoso-vm-offer", user=BOB)
    shown = assert_refused(reply, "user/group")
    assert "Slack could not confirm your user-group membership just now" in shown
    assert "treating as not a member" in caplog.text
    assert cpp_emulator.requests == []


def test_a_publisher_outside_the_policy_is_refused(slack: SlackDriver, cpp_emulator: Any) -> None:
    assert_refused(slack.command("ops fabrikam fabrikam-vm-offer"), "publisher/offer")
    assert cpp_emulator.requests == []


def test_offer_globs_narrow_a_rule(slack: SlackDriver, use_policy: SetPolicy, cpp_emulator: Any) -> None:
    use_policy({"rules": [{"publishers": ["contoso"], "offers": ["contoso-vm-*"], "users": [ALICE]}]})
    assert "Operations of" in slack.command("ops contoso contoso-vm-offer").readable()
    assert_refused(slack.command("ops contoso contoso-saas-offer"), "publisher/offer")


def test_a_rule_naming_channels_refuses_other_channels(
    slack: SlackDriver, use_policy: SetPolicy, cpp_emulator: Any
) -> None:
    use_policy({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], "channels": ["C0OTHER"]}]})
    shown = assert_refused(slack.command("cancel contoso contoso-vm-offer", channel=CHANNEL), "channel")
    assert "C0OTHER" not in shown
    assert cpp_emulator.requests == []
    assert "Cancel the publish" in slack.command("cancel contoso contoso-vm-offer", channel="C0OTHER").readable()


def test_a_rule_naming_workspaces_refuses_other_workspaces(slack: SlackDriver, use_policy: SetPolicy) -> None:
    use_policy({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], "teams": ["T0OTHER"]}]})
    assert_refused(slack.command("ops contoso contoso-vm-offer", team=TEAM), "workspace")
    assert "Operations of" in slack.command("ops contoso contoso-vm-offer", team="T0OTHER").readable()


@pytest.mark.parametrize("key", ["teams", "enterprises"])
def test_a_rule_naming_an_enterprise_grid_org_covers_commands_and_clicks_from_it(
    slack: SlackDriver, use_policy: SetPolicy, audit_log: AuditLog, key: str
) -> None:
    use_policy({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], key: ["E0CONTOSO"]}]})
    assert_refused(slack.command("ops contoso contoso-vm-offer"), "workspace")  # not on Grid
    assert_refused(slack.command("ops contoso contoso-vm-offer", enterprise="E0OTHER"), "workspace")
    reply = slack.command("cancel contoso contoso-vm-offer", enterprise="E0CONTOSO", team="T0ANYWHERE")
    assert "Cancel the publish" in reply.readable()
    confirm = reply.button("confirm_cancel")["value"]
    slack.click("confirm_cancel", confirm, team="T0ANYWHERE", key="off-org")  # a click from outside the org
    assert "Missing permission: workspace." in (slack.only_response("off-org").text or "")
    slack.click("confirm_cancel", confirm, team="T0ANYWHERE", enterprise="E0CONTOSO", key="on-org")
    assert f"requested by <@{ALICE}>" in (slack.only_response("on-org").text or "")
    confirmed = [r for r in audit_log.records() if r["command"] == "confirm_cancel"]
    assert [(r["decision"], r["enterprise"]) for r in confirmed] == [("refused", None), ("allowed", "E0CONTOSO")]
    assert confirmed[-1]["workspace"] == "T0ANYWHERE"


def test_help_needs_no_permission(slack: SlackDriver) -> None:
    assert "/cpp cancel" in slack.command("help", user=MALLORY).readable()


@pytest.mark.parametrize(
    "policy",
    [
        "{not json",
        json.dumps({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], "chanels": ["C1"]}]}),
        json.dumps({"rules": [{"publishers": ["contoso"], "offers": ["*"]}]}),
        json.dumps({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": ["alice"]}]}),
        "/nonexistent/policy.json",
    ],
    ids=["broken-json", "typo-key", "no-users", "name-not-id", "missing-file"],
)
def test_an_invalid_policy_refuses_everything_with_a_clear_log_line(
    slack: SlackDriver, use_policy: SetPolicy, cpp_emulator: Any, caplog: pytest.LogCaptureFixture, policy: str
) -> None:
    use_policy(policy)
    with caplog.at_level(logging.ERROR, logger="slack_app"):
        reply = slack.command("ops contoso contoso-vm-offer")
    assert "Cancel permissions are not configured correctly" in reply.readable()
    assert "CANCEL_POLICY" in caplog.text and "Every request will be refused" in caplog.text
    assert cpp_emulator.requests == []


def test_an_unset_policy_refuses_everything(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch, cpp_emulator: Any
) -> None:
    from cppcancel.settings import reset_settings_cache

    monkeypatch.delenv("CANCEL_POLICY")
    reset_settings_cache()
    assert "Cancel permissions are not configured correctly" in slack.command("ops contoso contoso-vm-offer").readable()
    assert cpp_emulator.requests == []


def test_the_policy_may_be_a_file(slack: SlackDriver, use_policy: SetPolicy, tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [MALLORY]}]}))
    use_policy(str(path))
    assert "Operations of" in slack.command("ops contoso contoso-vm-offer", user=MALLORY).readable()
    assert_refused(slack.command("ops contoso contoso-vm-offer", user=ALICE), "user/group")
