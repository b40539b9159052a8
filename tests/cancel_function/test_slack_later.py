"""The follow-up activity `answer_slack_command`, as the worker calls it: it reads the CPP emulator over HTTP and
posts to the Slack stand-in's response_url of the slash command - once, as a second ephemeral message after the
"Looking up…" ack (Slack cannot replace a slash command's ack), never after Slack's window."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from cppcancel.targets import PublishTarget
from cppcancel.times import iso, utc_now
from devhost.standins.slack import SlackFault, SlackStandIn
from slack_app.actions import CancelTicket
from slack_app.later import LaterRequest
from slack_app.payload import Caller
from slack_app.web import SlackTransientError
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.cancel_function.local_host import LocalFunctions
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.slack_app.helpers import find_button

REF = "c" * 32
CALLER = Caller(user_id=ALICE, display="alice", team_id=TEAM, channel_id=CHANNEL)


def later(standin: SlackStandIn, kind: str = "cancel", offer: str = "contoso-vm-offer", **changes: Any) -> LaterRequest:
    ticket = (
        CancelTicket("d" * 32, PublishTarget("contoso", offer), (), ALICE, "2026-12-02T00:00:00Z")
        if kind == "cancel"
        else None
    )
    fields: dict[str, Any] = {
        "kind": kind,
        "command": "/cpp",
        "target": PublishTarget("contoso", offer),
        "caller": CALLER,
        "ref": REF,
        "response_url": standin.command_response_url("cmd"),
        "sent_at": time.time(),
        "ticket": ticket,
        **changes,
    }
    return LaterRequest(**fields)


@pytest.fixture
def answer(activity: Callable[[str], Callable[..., Any]], app_env: dict[str, str]) -> Callable[..., Any]:
    return activity("answer_slack_command")


def test_the_confirmation_follows_the_ack_with_the_ticket_made_at_the_ack(
    answer: Callable[..., Any], slack_standin: SlackStandIn, audit_log: AuditLog
) -> None:
    request = later(slack_standin)
    assert answer(payload=request.to_json()) == {"posted": True}
    [post] = [m for m in slack_standin.messages if m.method == "response_url"]
    assert (post.response_key, post.response_kind, post.response_type) == ("cmd", "command", "ephemeral")
    assert not post.replace_original, "a slash command's response_url cannot replace the ack: the app does not ask"
    assert not post.replaced, "the user sees the ack and then this answer"
    value = json.loads(find_button(post.blocks, "confirm_cancel")["value"])
    assert value["rid"] == "d" * 32 and (value["p"], value["o"]) == ("contoso", "contoso-vm-offer")
    record = audit_log.only()
    assert (record["command"], record["outcome"], record["correlationId"]) == ("cancel", "confirmation_shown", REF)
    assert record["requestId"] == "d" * 32 and record["who"] == ALICE


def test_a_rerun_that_posts_the_answer_twice_still_sends_one_cancel(
    answer: Callable[..., Any], slack: SlackDriver, local_host: LocalFunctions, slack_standin: SlackStandIn
) -> None:
    """At-least-once: a re-run of the activity after a crash posts the answer again - a third message, since
    neither answer replaces anything. Both Confirm buttons carry the ticket made at the ack, so clicking both (by
    anyone permitted) starts one cancel."""
    fresh = CancelTicket(
        "d" * 32, PublishTarget("contoso", "contoso-vm-offer"), (), ALICE, iso(utc_now())
    )  # Confirm is clickable
    request = later(slack_standin, ticket=fresh).to_json()
    assert answer(payload=request) == {"posted": True}
    assert answer(payload=request) == {"posted": True}
    posts = [m for m in slack_standin.messages if m.method == "response_url" and m.response_key == "cmd"]
    assert len(posts) == 2 and not any(p.replaced for p in posts)
    first, second = (find_button(p.blocks, "confirm_cancel")["value"] for p in posts)
    assert first == second and json.loads(first)["rid"] == "d" * 32
    assert slack.click("confirm_cancel", first, key="a").status == 200
    assert slack.click("confirm_cancel", second, user=BOB, key="b").status == 200
    assert len(local_host.instances("cancel_orchestrator")) == 1
    assert "already requested by <@U0ALICE>" in (slack.only_response("b").text or "")


def test_a_portal_refusal_is_explained_instead_of_a_confirm_button(
    answer: Callable[..., Any], slack_standin: SlackStandIn, audit_log: AuditLog
) -> None:
    answer(payload=later(slack_standin, offer="no-such-offer").to_json())
    [post] = [m for m in slack_standin.messages if m.method == "response_url"]
    assert "confirm_cancel" not in json.dumps(post.blocks)
    assert audit_log.only()["outcome"] == "failed"


def test_nothing_is_posted_once_the_response_url_has_expired(
    answer: Callable[..., Any], slack_standin: SlackStandIn, audit_log: AuditLog, cpp_emulator: Any
) -> None:
    stale = later(slack_standin, kind="ops", sent_at=time.time() - 29.5 * 60)
    assert answer(payload=stale.to_json()) == {"posted": False, "reason": "response_url_expired"}
    assert [m for m in slack_standin.messages if m.method == "response_url"] == []
    assert cpp_emulator.requests == [], "no read for an answer that cannot be delivered"
    assert audit_log.only()["outcome"] == "expired"


def test_a_response_url_failure_slack_may_recover_from_is_raised_for_the_retry(
    answer: Callable[..., Any], slack_standin: SlackStandIn
) -> None:
    slack_standin.add_fault(SlackFault(method="response_url", status=503, error="service_unavailable"))
    with pytest.raises(SlackTransientError):
        answer(payload=later(slack_standin, kind="status").to_json())


def test_a_refused_post_is_not_retried(answer: Callable[..., Any], slack_standin: SlackStandIn) -> None:
    slack_standin.add_fault(SlackFault(method="response_url", status=404, error="expired_url"))
    assert answer(payload=later(slack_standin, kind="ops").to_json()) == {"posted": False, "reason": "http_404"}


def test_the_follow_up_is_registered_under_the_names_the_listeners_start(app_functions: dict[str, Any]) -> None:
    from slack_app.later import ANSWER_LATER_ACTIVITY, ANSWER_LATER_ORCHESTRATOR

    kinds = {
        name: json.loads(app_functions[name].get_function_json())["bindings"][0]["type"]
        for name in (ANSWER_LATER_ORCHESTRATOR, ANSWER_LATER_ACTIVITY)
    }
    assert kinds == {ANSWER_LATER_ORCHESTRATOR: "orchestrationTrigger", ANSWER_LATER_ACTIVITY: "activityTrigger"}
