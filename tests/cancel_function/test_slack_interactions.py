"""Button clicks (block_actions): Confirm starts exactly one cancel orchestration per confirmation, for an authorized
clicker only; Never mind and Cancel… (Stop watching has a file of its own). Driven over loopback HTTP through the
registered function, with the real DurableOrchestrationClient talking to the dev host's durable engine (orchestrators
parked)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cppcancel.contracts import (
    CancelRequest,
    Requester,
    cancel_instance_id,
)
from tests.cancel_function.clicks import cancel_instances, confirmation_value
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.cancel_function.local_host import LocalFunctions
from tests.conftest import ALICE, BOB, CHANNEL, MALLORY, TEAM

SetPolicy = Callable[[Any], None]


def cpp_posts(cpp_emulator: Any) -> list[Any]:
    return [r for r in cpp_emulator.requests if r.method == "POST"]


# ---- Confirm --------------------------------------------------------------------------------------------------------


def test_confirm_starts_the_cancel_orchestration_and_says_so(
    slack: SlackDriver, local_host: LocalFunctions, cpp_emulator: Any, audit_log: AuditLog
) -> None:
    value = confirmation_value(slack)
    rid = json.loads(value)["rid"]

    reply = slack.click("confirm_cancel", value, key="confirm")
    assert reply.status == 200

    (instance,) = cancel_instances(local_host)
    assert instance.instance_id == cancel_instance_id("slack", rid)
    request = CancelRequest.from_json(json.loads(instance.input_json))
    assert (request.source, request.publisher_id, request.offer_id, request.request_id) == (
        "slack",
        "contoso",
        "contoso-vm-offer",
        rid,
    )
    assert request.requester == Requester(display="u0alice", user_id=ALICE, team_id=TEAM)
    assert request.notification_emails == ("ops@contoso.com",)
    assert request.slack is not None and request.slack.channel_id == CHANNEL
    assert request.slack.response_url == slack.standin.response_url("confirm")
    assert request.correlation_id and request.requested_at

    answer = slack.only_response("confirm")
    assert answer.replace_original, "the confirmation is replaced, so it cannot be clicked again"
    assert f"Cancel of contoso/contoso-vm-offer requested by <@{ALICE}>" in (answer.text or "")
    assert "sending it to the Partner Portal" in (answer.text or "")
    assert not any(b.get("type") == "actions" for b in answer.blocks), "no buttons left"

    assert cpp_posts(cpp_emulator) == [], "the orchestration, not the click, issues the cancel"
    requested = [r for r in audit_log.records() if r["command"] == "confirm_cancel"]
    assert [(r["decision"], r["outcome"], r["requestId"]) for r in requested] == [("allowed", "requested", rid)]
    assert requested[0]["correlationId"] == request.correlation_id


def test_a_second_click_finds_the_same_request_and_starts_nothing(
    slack: SlackDriver, local_host: LocalFunctions, audit_log: AuditLog
) -> None:
    value = confirmation_value(slack)
    slack.click("confirm_cancel", value, key="first")
    slack.click("confirm_cancel", value, key="second")
    assert len(cancel_instances(local_host)) == 1
    again = slack.only_response("second")
    assert not again.replace_original
    assert f"already requested by <@{ALICE}>" in (again.text or "")
    outcomes = [r["outcome"] for r in audit_log.records() if r["command"] == "confirm_cancel"]
    assert outcomes == ["requested", "already_requested"]


def test_a_second_person_clicking_the_same_confirmation_starts_nothing(
    slack: SlackDriver, local_host: LocalFunctions
) -> None:
    value = confirmation_value(slack)
    slack.click("confirm_cancel", value, key="alice")
    slack.click("confirm_cancel", value, user=BOB, key="bob")
    assert len(cancel_instances(local_host)) == 1
    assert f"already requested by <@{ALICE}>" in (slack.only_response("bob").text or "")


def test_simultaneous_double_clicks_start_one_orchestration(slack: SlackDriver, local_host: LocalFunctions) -> None:
    value = confirmation_value(slack)
    replies: list[int] = []
    clicks = [
        threading.Thread(target=lambda k=key: replies.append(slack.click("confirm_cancel", value, key=k).status))
        for key in ("c1", "c2", "c3")
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join(30)
    assert replies == [200, 200, 200]
    assert len(cancel_instances(local_host)) == 1
    final = [slack.last_response(key) for key in ("c1", "c2", "c3")]
    texts = [m.text or "" for m in final]
    assert sum("requested by" in t and "already" not in t for t in texts) == 1
    assert sum("already requested" in t for t in texts) == 2
    losers = [m for m in final if "already" in (m.text or "")]
    assert all(m.replace_original for m in losers if len(slack.responses(m.response_key or "")) > 1), (
        "a click that lost the race replaces its optimistic 'requested' message"
    )


def test_the_clicker_is_authorized_not_the_person_named_in_the_button(
    slack: SlackDriver, local_host: LocalFunctions, cpp_emulator: Any, audit_log: AuditLog
) -> None:
    value = confirmation_value(slack)  # typed by Alice: the value says "by": U0ALICE
    assert json.loads(value)["by"] == ALICE
    slack.click("confirm_cancel", value, user=MALLORY, key="mallory")
    refusal = slack.only_response("mallory")
    assert "Missing permission: user/group." in (refusal.text or "")
    assert not refusal.replace_original, "the confirmation stays for someone who may confirm it"
    assert cancel_instances(local_host) == []
    assert cpp_posts(cpp_emulator) == []
    refused = [r for r in audit_log.records() if r["command"] == "confirm_cancel"]
    assert [(r["who"], r["decision"]) for r in refused] == [(MALLORY, "refused")]


def test_a_permitted_colleague_may_confirm_and_becomes_the_requester(
    slack: SlackDriver, local_host: LocalFunctions
) -> None:
    value = confirmation_value(slack)
    slack.click("confirm_cancel", value, user=BOB, key="bob")  # Bob: via the S0RELEASE user group
    (instance,) = cancel_instances(local_host)
    assert CancelRequest.from_json(json.loads(instance.input_json)).requester.user_id == BOB
    assert f"requested by <@{BOB}>" in (slack.only_response("bob").text or "")


def test_confirm_is_checked_again_against_the_current_channel(
    slack: SlackDriver, use_policy: SetPolicy, local_host: LocalFunctions
) -> None:
    value = confirmation_value(slack)
    use_policy({"rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], "channels": ["C0OTHER"]}]})
    slack.click("confirm_cancel", value, key="late")
    assert "Missing permission: channel." in (slack.only_response("late").text or "")
    assert cancel_instances(local_host) == []


def forge(value: str, **changes: Any) -> str:
    data = json.loads(value)
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: forge(v, p="../../x"),
        lambda v: forge(v, o=""),
        lambda v: forge(v, rid="not-hex"),
        lambda v: forge(v, n=["not an address"]),
        lambda v: forge(v, n="a@x.com"),
        lambda v: "not json",
        lambda v: json.dumps([v]),
        lambda v: forge(v, pad="x" * 2100),
        lambda v: None,
    ],
    ids=[
        "bad-publisher",
        "no-offer",
        "bad-rid",
        "bad-email",
        "emails-not-list",
        "not-json",
        "not-object",
        "too-long",
        "none",
    ],
)
def test_a_tampered_button_value_is_refused_without_side_effect(
    slack: SlackDriver, local_host: LocalFunctions, cpp_emulator: Any, audit_log: AuditLog, tamper: Any
) -> None:
    value = confirmation_value(slack)
    slack.click("confirm_cancel", tamper(value), key="tampered")
    assert "This button is no longer valid" in (slack.only_response("tampered").text or "")
    assert cancel_instances(local_host) == []
    assert cpp_posts(cpp_emulator) == []
    assert [r["outcome"] for r in audit_log.records() if r["command"] == "confirm_cancel"] == ["invalid"]


def test_confirm_reports_an_orchestration_that_cannot_be_started(
    slack: SlackDriver, local_host: LocalFunctions, monkeypatch: pytest.MonkeyPatch, audit_log: AuditLog
) -> None:
    value = confirmation_value(slack)
    monkeypatch.setattr(type(local_host.engine._runner), "names", ())  # the orchestrator "is not deployed": 400
    slack.click("confirm_cancel", value, key="broken")
    final = slack.only_response("broken")  # never a "requested" first: nothing was started
    assert final.replace_original, "the confirmation is replaced by the truth"
    assert "could not be started, so nothing was sent to the Partner Portal" in (final.text or "")
    assert [r["outcome"] for r in audit_log.records() if r["command"] == "confirm_cancel"] == ["failed"]


@pytest.mark.parametrize("age", [timedelta(minutes=16), timedelta(days=2), timedelta(minutes=-10)])
def test_an_old_confirmation_has_expired_and_starts_nothing(
    slack: SlackDriver, local_host: LocalFunctions, audit_log: AuditLog, age: timedelta
) -> None:
    shown_at = (datetime.now(UTC) - age).isoformat(timespec="seconds").replace("+00:00", "Z")
    slack.click("confirm_cancel", forge(confirmation_value(slack), at=shown_at), key="late")
    answer = slack.only_response("late")
    assert answer.replace_original and "has expired" in (answer.text or "")
    assert "Run the cancel command again" in (answer.text or "")
    assert cancel_instances(local_host) == []
    assert [r["outcome"] for r in audit_log.records() if r["command"] == "confirm_cancel"] == ["expired"]


def test_a_confirmation_without_a_time_has_expired(slack: SlackDriver, local_host: LocalFunctions) -> None:
    slack.click("confirm_cancel", forge(confirmation_value(slack), at=None), key="late")
    assert "has expired" in (slack.only_response("late").text or "")
    assert cancel_instances(local_host) == []


def test_a_late_click_on_a_confirmed_request_still_says_who_asked(
    slack: SlackDriver, local_host: LocalFunctions
) -> None:
    value = confirmation_value(slack)
    slack.click("confirm_cancel", value, key="first")
    late = forge(value, at="2020-01-01T00:00:00Z")  # same request ID, long ago
    slack.click("confirm_cancel", late, key="late")
    assert "already requested by <@U0ALICE>" in (slack.only_response("late").text or "")
    assert len(cancel_instances(local_host)) == 1


# ---- Never mind ----------------------------------------------------------------------------------------------------


def test_never_mind_replaces_the_confirmation_and_starts_nothing(
    slack: SlackDriver, local_host: LocalFunctions, cpp_emulator: Any, audit_log: AuditLog
) -> None:
    value = confirmation_value(slack)
    slack.click("abort_cancel", value, key="abort")
    answer = slack.only_response("abort")
    assert answer.replace_original
    assert f"abandoned by <@{ALICE}>" in (answer.text or "")
    assert cancel_instances(local_host) == []
    assert cpp_posts(cpp_emulator) == []
    assert [r["outcome"] for r in audit_log.records() if r["command"] == "abort_cancel"] == ["abandoned"]


# ---- Cancel… (from /cpp ops) ---------------------------------------------------------------------------------------


def test_cancel_from_ops_asks_the_clicker_to_confirm(slack: SlackDriver, local_host: LocalFunctions) -> None:
    ops = slack.command("ops contoso contoso-vm-offer")
    open_value = ops.button("open_cancel")["value"]
    slack.click("open_cancel", open_value, user=BOB, key="open")
    confirmation = slack.only_response("open")
    assert not confirmation.replace_original and confirmation.response_type == "ephemeral"
    assert "Cancel the publish of `contoso/contoso-vm-offer`?" in "\n".join(
        b.get("text", {}).get("text", "") for b in confirmation.blocks if b.get("type") == "section"
    )
    value = next(
        e["value"]
        for b in confirmation.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == "confirm_cancel"
    )
    assert json.loads(value)["by"] == BOB
    assert cancel_instances(local_host) == []


def test_cancel_from_ops_is_refused_to_an_unauthorized_clicker(slack: SlackDriver, cpp_emulator: Any) -> None:
    open_value = slack.command("ops contoso contoso-vm-offer").button("open_cancel")["value"]
    before = len(cpp_emulator.requests)
    slack.click("open_cancel", open_value, user=MALLORY, key="open")
    assert "Missing permission: user/group." in (slack.only_response("open").text or "")
    assert len(cpp_emulator.requests) == before


def test_an_unknown_button_is_acknowledged_and_ignored(slack: SlackDriver, local_host: LocalFunctions) -> None:
    reply = slack.click("some_old_button", "{}", key="old")
    assert reply.status == 200
    assert slack.responses("old") == []
    assert local_host.instances() == []


def test_an_unexpected_error_in_a_click_answers_with_a_ref(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    value = confirmation_value(slack)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("slack_app.replies.abandoned_message", broken)
    reply = slack.click("abort_cancel", value, key="boom")
    assert reply.status == 200
    text = slack.only_response("boom").text or ""
    assert text.startswith("Something went wrong (ref ")
    ref = text.split("(ref ")[1].split(")")[0]
    assert f"abort_cancel failed (ref {ref})" in caplog.text
    assert "Traceback" not in text and "boom" not in text


def test_an_unexpected_error_in_a_command_answers_with_a_ref(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("slack_app.replies.ops_message", broken)
    reply = slack.command("ops contoso contoso-vm-offer")
    assert reply.status == 200
    assert reply.text.startswith("Something went wrong (ref ")
    ref = reply.text.split("(ref ")[1].split(")")[0]
    assert f"slash command failed (ref {ref})" in caplog.text
