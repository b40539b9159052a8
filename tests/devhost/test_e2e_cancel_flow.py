"""The product end to end over HTTP, with the dev host as a subprocess that is killed in the middle of the watch.

Slack's side is played by `devhost.standins.slack.client` (signed requests, real payload shapes); the Partner Portal
is the emulator and the Slack Web API the stand-in, both in this test process so that they outlive the dev host. The
story: `/cpp cancel` -> Confirm -> the cancel answers 202 -> the watcher edits the channel message -> SIGKILL the
dev host -> start it again on the same port and data dir -> the watch resumes and reports completion. Then: exactly
one cancel reached the Partner Portal, and no update was lost (the watcher kept editing after the restart and its
last edit and thread reply say completed).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.durable.api import WEBHOOK_PATH
from devhost.functions.loader import REPO_ROOT
from devhost.standins.slack import SlackMessage, SlackStandIn, describe
from devhost.standins.slack.client import SlackClient
from tests.conftest import ALICE, CHANNEL, SIGNING_SECRET, app_settings
from tests.devhost.conftest import fetch, free_port, wait_until
from tests.devhost.process import DevHostProcess

pytestmark = pytest.mark.e2e

PUBLISHER, OFFER = "contoso", "contoso-vm-offer"
COMPLETED = re.compile(r"\bcompleted\b", re.IGNORECASE)


@pytest.fixture
def slow_emulator() -> Iterator[Any]:
    """Steps of 1.5 s: the cancel's operation takes 4.5 s, long enough to kill the dev host in the middle."""
    from devhost.standins.cpp import EmulatorServer

    emulator = EmulatorServer(step_seconds=1.5).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def devhost(tmp_path: Path, slow_emulator: Any, slack_standin: SlackStandIn) -> Iterator[DevHostProcess]:
    process = DevHostProcess(
        app="function_app:app",
        port=free_port(),
        data_dir=tmp_path / "data",
        env=app_settings(slow_emulator, slack_standin, POLL_INITIAL_INTERVAL_S="0.3", POLL_MAX_INTERVAL_S="0.6"),
        log_path=tmp_path / "devhost.log",
    )
    process.start()
    yield process
    process.stop()


def _instances(devhost: DevHostProcess, name: str) -> list[dict[str, Any]]:
    listed = fetch("GET", f"{devhost.origin}{WEBHOOK_PATH}/instances/?showInput=false").json()
    return [i for i in listed if i["name"] == name]


def _channel(messages: list[SlackMessage]) -> list[SlackMessage]:
    return [m for m in messages if m.channel == CHANNEL and m.method in ("chat.postMessage", "chat.update")]


def _text(message: SlackMessage) -> str:
    return describe(message)


def test_confirm_cancel_watch_survives_sigkill_and_finishes(
    devhost: DevHostProcess, slack_standin: SlackStandIn, slow_emulator: Any
) -> None:
    slack = SlackClient(devhost.origin, SIGNING_SECRET)
    reply = slack.command(
        f"/cpp cancel {PUBLISHER} {OFFER}",
        user=ALICE,
        channel=CHANNEL,
        response_url=slack_standin.command_response_url("cmd"),
    )
    assert reply.status == 200, reply.raw
    confirm = reply.button("confirm_cancel")
    assert confirm is not None and confirm.value, reply.readable()

    ack = slack.click(
        confirm, user=ALICE, channel=CHANNEL, response_url=slack_standin.response_url("click"), reply=reply
    )
    assert ack.status == 200, ack.raw

    # The cancel answered 202 and a watcher follows the operation: progress edits arrive in the channel.
    [cancel] = wait_until(
        lambda: [i for i in _instances(devhost, "cancel_orchestrator") if i["runtimeStatus"] == "Completed"],
        15,
        "the cancel orchestration to complete",
    )
    assert cancel["output"]["statusCode"] == 202 and cancel["output"]["status"] == "accepted", cancel["output"]
    slack_standin.wait_for(lambda ms: any(m.method == "chat.update" for m in _channel(ms)), timeout=15)
    [watcher] = _instances(devhost, "watch_operation")
    assert watcher["runtimeStatus"] == "Running", "the watch ended before the dev host could be killed"
    assert not any(COMPLETED.search(_text(m)) for m in _channel(slack_standin.messages))

    devhost.kill()  # in the middle of the watch
    edits_before = sum(1 for m in _channel(slack_standin.messages) if m.method == "chat.update")
    devhost.start()

    def reported_completion(messages: list[SlackMessage]) -> bool:
        return any(m.thread_ts and COMPLETED.search(_text(m)) for m in _channel(messages))

    try:
        slack_standin.wait_for(reported_completion, timeout=30)
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- dev host log (tail) ---\n{devhost.log()[-6000:]}")
    [watcher] = wait_until(
        lambda: [i for i in _instances(devhost, "watch_operation") if i["runtimeStatus"] == "Completed"],
        10,
        "the watcher to complete",
    )

    channel = _channel(slack_standin.messages)
    edits = [m for m in channel if m.method == "chat.update"]
    assert len(edits) > edits_before, "the watcher made no edit after the restart"
    assert COMPLETED.search(_text(edits[-1])), _text(edits[-1])
    announcement = next(m for m in channel if m.method == "chat.postMessage" and not m.thread_ts)
    assert all(m.ts == announcement.ts for m in edits), "every edit is of the one channel message"
    assert slow_emulator.cancel_count(offer_id=OFFER, publisher_id=PUBLISHER) == 1, "exactly one cancel"
    assert "1 live instance(s) resumed" in devhost.log() or "2 live instance(s) resumed" in devhost.log()


def test_the_slash_cli_signs_a_command_and_prints_the_reply(
    devhost: DevHostProcess, slack_standin: SlackStandIn
) -> None:
    command = [
        sys.executable,
        "-m",
        "devhost",
        "slash",
        f"/cpp ops {PUBLISHER} {OFFER}",
        "--user",
        ALICE,
        "--url",
        devhost.origin,
        "--signing-secret",
        SIGNING_SECRET,
    ]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{ALICE}: /cpp ops {PUBLISHER} {OFFER}" in done.stdout
    assert "HTTP 200" in done.stdout and OFFER in done.stdout

    wrong = subprocess.run(
        [*command[:-1], "not-the-secret"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert wrong.returncode == 1 and "HTTP 401" in wrong.stdout  # the app verifies signatures
