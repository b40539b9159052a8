"""Across the seam with the orchestrations: the dev host as a subprocess running the real cancel and watch
orchestrators; Slack's side played over HTTP with this suite's signed payloads.

Checks what only the whole product can show: however often Confirm is clicked, and by whom, exactly one cancel
reaches the Partner Portal and one watcher follows it; the watcher's own "Stop watching" button (rendered by
poll_function) works through this front end - refused to someone without permission, honoured for someone with it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from devhost.standins.cpp import Fault
from devhost.standins.slack import SlackStandIn
from tests.cancel_function.conftest import SlackDriver
from tests.conftest import ALICE, BOB, CHANNEL, MALLORY
from tests.devhost.conftest import wait_until
from tests.slack_app.helpers import find_button

pytestmark = pytest.mark.e2e


def stop_button(standin: SlackStandIn) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        for message in reversed(standin.messages):
            if message.channel == CHANNEL and message.method in ("chat.postMessage", "chat.update"):
                try:
                    return find_button(message.blocks, "stop_watching")
                except AssertionError:
                    continue
        return None

    found: dict[str, Any] = wait_until(find, 30, "the watcher's Stop watching button")
    return found


def channel_text(standin: SlackStandIn) -> str:
    return "\n".join(m.text or "" for m in standin.messages if m.channel == CHANNEL)


def test_clicks_on_one_confirmation_cancel_once_and_the_watch_stops_for_the_right_person(
    remote_slack: SlackDriver, cpp_emulator: Any, slack_standin: SlackStandIn
) -> None:
    slack = remote_slack
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))

    confirmation = slack.command("cancel contoso contoso-vm-offer notify=ops@contoso.com")
    assert confirmation.status == 200, confirmation.body
    value = confirmation.button("confirm_cancel")["value"]
    for user, key in ((ALICE, "a1"), (ALICE, "a2"), (BOB, "b1")):
        assert slack.click("confirm_cancel", value, user=user, key=key).status == 200

    button = stop_button(slack_standin)
    time.sleep(1.0)  # room for a wrongly started second cancel to show up
    assert cpp_emulator.cancel_count() == 1
    posts = [r for r in cpp_emulator.requests if r.method == "POST"]
    assert json.loads(posts[0].body) == {"metadata": {"notification-emails": "ops@contoso.com"}}
    first = slack.responses("a1")
    assert "requested by <@U0ALICE>" in (first[0].text or ""), "this front end answers first..."
    assert len(first) == 2 and first[1].replace_original, "...then the orchestration replaces it with its outcome"
    assert all("already requested by <@U0ALICE>" in (slack.only_response(k).text or "") for k in ("a2", "b1"))

    slack.click("stop_watching", button["value"], user=MALLORY, key="mallory")
    assert "Missing permission: user/group." in (slack.only_response("mallory").text or "")

    slack.click("stop_watching", button["value"], user=BOB, key="bob")
    assert "the cancel itself is not undone" in (slack.only_response("bob").text or "")
    wait_until(
        lambda: f"<@{BOB}> stopped watching" in channel_text(slack_standin), 30, "the watcher to say who stopped it"
    )
    assert MALLORY not in channel_text(slack_standin)


def test_a_refused_confirm_reaches_neither_the_portal_nor_the_channel(
    remote_slack: SlackDriver, cpp_emulator: Any, slack_standin: SlackStandIn
) -> None:
    value = remote_slack.command("cancel contoso contoso-vm-offer").button("confirm_cancel")["value"]
    remote_slack.click("confirm_cancel", value, user=MALLORY, key="m")
    assert "Missing permission" in (remote_slack.only_response("m").text or "")
    time.sleep(1.0)
    assert [r for r in cpp_emulator.requests if r.method == "POST"] == []
    assert [m for m in slack_standin.messages if m.channel == CHANNEL] == []


def test_ids_typed_in_another_case_are_one_offer_one_cancel_one_watcher(
    remote_slack: SlackDriver, cpp_emulator: Any, slack_standin: SlackStandIn
) -> None:
    """Partner Center IDs are lowercase: `CONTOSO Contoso-VM-Offer` is contoso/contoso-vm-offer at the door, so a
    second request typed in another case joins the first instead of starting a second watcher."""
    slack = remote_slack
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    first = slack.command("cancel CONTOSO Contoso-VM-Offer")
    assert "contoso/contoso-vm-offer" in first.readable() and "CONTOSO" not in first.readable()
    slack.click("confirm_cancel", first.button("confirm_cancel")["value"], key="upper")
    stop_button(slack_standin)

    second = slack.command("cancel contoso CONTOSO-vm-offer")
    slack.click("confirm_cancel", second.button("confirm_cancel")["value"], key="lower")
    wait_until(lambda: "joined the cancel already in flight" in channel_text(slack_standin), 30, "the join")
    posts = [r for r in cpp_emulator.requests if r.method == "POST"]
    assert [r.path.split("?")[0] for r in posts] == ["/api/publishers/contoso/offers/contoso-vm-offer/cancel"]
    live = {m.ts for m in slack_standin.messages if m.channel == CHANNEL and "stop_watching" in json.dumps(m.blocks)}
    assert len(live) == 1, "one watcher, one live message"
