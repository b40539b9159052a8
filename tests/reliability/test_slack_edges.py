"""Slack at its edges, over signed HTTP through the dev host (issue #21, item 5): a response_url that is not
Slack's, a Partner Portal that hangs while a confirmation is deferred, and a burst of slash commands.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from devhost.standins.cpp import Fault
from slack_app.later import ANSWER_LATER_ORCHESTRATOR
from tests.conftest import ALICE, TEAM
from tests.devhost.conftest import fetch
from tests.reliability.conftest import HttpTransport, Rig
from tests.slack_app.helpers import (
    Reply,
    block_actions_payload,
    command_body,
    find_button,
    interaction_body,
    signed_headers,
)

pytestmark = pytest.mark.e2e


def post_command(rig: Rig, text: str, response_url: str, user: str = ALICE) -> Reply:
    body = command_body(text, user=user, channel=rig.channel, team=TEAM, response_url=response_url)
    return HttpTransport(rig.host.function_url).post("slack/commands", body, signed_headers(body))


def test_a_response_url_that_is_not_slacks_receives_nothing(rig: Rig) -> None:
    """A signed payload's response_url is posted to only on Slack's host (here: the Slack stand-in's origin)."""
    foreign = f"{rig.foreign.base_url}/commands/T0LOCAL/1/x"
    rig.emulator.add_fault(Fault(method="GET", path="/submissions", latency_s=3.0, times=1))  # too slow: deferred
    reply = post_command(rig, "cancel contoso contoso-vm-offer", foreign)
    assert reply.status == 200, reply.body
    confirm = find_button(reply.blocks, "confirm_cancel")  # answered inline: there was nowhere to answer later
    assert "could not check" in reply.readable().lower(), reply.readable()

    payload = block_actions_payload(
        "confirm_cancel", confirm["value"], user=ALICE, channel=rig.channel, team=TEAM, response_url=foreign
    )
    body = interaction_body(payload)
    clicked = HttpTransport(rig.host.function_url).post("slack/interactions", body, signed_headers(body))
    assert clicked.status == 200
    assert rig.host.engine.wait_for(lambda engine: bool(rig.cancels()), 20), "the click is still acted on"
    [cancel] = rig.cancels()
    assert rig.output(cancel.instance_id)["status"] == "accepted"
    [watcher] = rig.watchers()
    rig.output(watcher.instance_id, timeout=30)
    assert rig.instances(ANSWER_LATER_ORCHESTRATOR) == [], "no deferred answer to a foreign URL"
    assert rig.foreign.visits == [], [v.path for v in rig.foreign.visits]
    assert rig.cancel_posts() == 1


def test_a_hanging_portal_gives_a_deferred_confirmation_whose_text_agrees_with_its_blocks(rig: Rig) -> None:
    rig.emulator.add_fault(Fault(method="GET", path="/submissions", latency_s=3.0, times=None))  # every read hangs
    reply = rig.slack.command("cancel contoso contoso-vm-offer", channel=rig.channel)
    assert "Looking up" in reply.json["text"], reply.json
    assert rig.host.engine.wait_for(lambda engine: bool(rig.instances(ANSWER_LATER_ORCHESTRATOR)), 20)
    [later] = rig.instances(ANSWER_LATER_ORCHESTRATOR)
    assert rig.output(later.instance_id, timeout=30)["posted"] is True
    answer = rig.slack.last_response("cmd")
    blocks = json.dumps(answer.blocks)
    assert "could not check what is in flight" in blocks, blocks
    assert "nothing in flight" not in (answer.text or "").lower(), answer.text
    assert "could not check what is in flight" in (answer.text or ""), answer.text


def test_a_burst_of_200_slash_commands_gets_200_answers(rig: Rig) -> None:
    body = command_body("help", channel=rig.channel, team=TEAM)
    headers = signed_headers(body)
    url = rig.host.function_url("slack/commands")
    start = threading.Barrier(200)

    def command(_: int) -> int:
        start.wait()
        try:
            return fetch("POST", url, body, headers, timeout=60).status
        except OSError as exc:  # a reset connection, as the listener's default backlog of 5 gave
            return -1 if "reset" in str(exc).lower() else -2

    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(command, range(200)))
    assert statuses.count(200) == 200, {s: statuses.count(s) for s in set(statuses)}
