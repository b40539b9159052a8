"""The two-person rule across a restart: the dev host SIGKILLed while a cancel waits for its second approval, then
started again on the same data dir. The wait (its durable timer, the approvals so far) is in the durable store and
the app's record, so nothing is lost: the cancel still needs a second person - the requester's own Approve is still
refused - and a permitted colleague's Approve sends exactly one cancel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.durable.api import WEBHOOK_PATH
from devhost.standins.cpp import EmulatorServer
from devhost.standins.slack import SlackMessage, SlackStandIn
from devhost.standins.slack.client import Button, SlackClient
from tests.conftest import ALICE, BOB, BOT_TOKEN, CHANNEL, SIGNING_SECRET, app_settings
from tests.devhost.conftest import fetch, free_port, wait_until
from tests.devhost.process import DevHostProcess
from tests.reliability.test_approvals import TWO_PERSON_POLICY

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[DevHostProcess, EmulatorServer, SlackStandIn]]:
    with (
        EmulatorServer(step_seconds=0.2, beyond_docs=False) as emulator,
        SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin,
    ):
        env = app_settings(emulator, standin, CANCEL_POLICY=json.dumps(TWO_PERSON_POLICY))
        host = DevHostProcess(
            app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=env, log_path=tmp_path / "log"
        )
        host.start()
        try:
            yield host, emulator, standin
        finally:
            host.stop()


def cancels(host: DevHostProcess) -> list[dict[str, Any]]:
    listed = fetch("GET", f"{host.origin}{WEBHOOK_PATH}/instances/?showInput=false", timeout=5).json()
    return [i for i in listed if i["name"] == "cancel_orchestrator"]


def awaiting(host: DevHostProcess, approvals: int) -> bool:
    found = cancels(host)
    status = found[0].get("customStatus") if len(found) == 1 else None
    return (
        isinstance(status, dict)
        and status.get("status") == "awaiting_approval"
        and (len(status["approval"]["approvals"]) == approvals)
    )


def deferred_confirm(standin: SlackStandIn) -> Button:
    """The confirmation when a cold host's first answer was "Looking up…": it follows on the command's response_url."""

    def posted() -> list[dict[str, Any]]:
        found = [m for m in standin.messages if m.method == "response_url" and "confirm_cancel" in json.dumps(m.blocks)]
        return [
            e
            for m in found
            for b in m.blocks
            for e in b.get("elements") or []
            if e.get("action_id") == "confirm_cancel"
        ]

    [element] = wait_until(posted, 20, "the deferred confirmation")
    return Button("confirm_cancel", element["value"], "cancel_confirmation", "Confirm cancel", "danger")


def approve_button(standin: SlackStandIn) -> tuple[Button, SlackMessage]:
    asked = [
        m for m in standin.messages if m.method == "chat.postMessage" and "approval_actions" in json.dumps(m.blocks)
    ]
    [message] = asked
    [element] = [e for b in message.blocks for e in b.get("elements") or [] if e.get("action_id") == "approve_cancel"]
    return Button("approve_cancel", element["value"], "approval_actions", "Approve", "danger"), message


def test_a_host_killed_while_waiting_resumes_and_still_needs_the_second_approval(
    stack: tuple[DevHostProcess, EmulatorServer, SlackStandIn],
) -> None:
    host, emulator, standin = stack
    slack = SlackClient(host.origin, SIGNING_SECRET)
    reply = slack.command(
        "/cpp cancel contoso contoso-vm-offer", user=ALICE, channel=CHANNEL, response_url=standin.command_response_url()
    )
    confirm = reply.button("confirm_cancel") or deferred_confirm(standin)
    assert slack.click(confirm, user=ALICE, channel=CHANNEL, response_url=standin.response_url("c")).status == 200
    wait_until(lambda: awaiting(host, 1), 20, "the cancel to wait for its second approval")
    button, message = approve_button(standin)

    host.kill()
    assert emulator.cancel_count() == 0
    host.start()

    def click(user: str, key: str) -> str:
        url = standin.response_url(key)
        assert slack.click(button, user=user, channel=CHANNEL, response_url=url, message_ts=message.ts).status == 200
        [said] = [m for m in standin.messages if m.method == "response_url" and m.response_key == key]
        return said.text or ""

    assert "self-approval" in click(ALICE, "alice-again")
    assert awaiting(host, 1) and emulator.cancel_count() == 0, "still waiting for a second person"
    assert "completes the 2" in click(BOB, "bob")
    [done] = wait_until(lambda: [c for c in cancels(host) if c["runtimeStatus"] == "Completed"], 20, "the cancel")
    assert done["output"]["status"] == "accepted"
    assert emulator.cancel_count() == 1
