"""The dev host SIGKILLed at each step of the flow, then started again on the same data dir.

The CPP emulator (on a manual clock: the cancel's operation only moves when the test says so) and the Slack stand-in
live in the test process, so they outlive the dev host. Each kill is placed deterministically, with a fault that
holds one request in flight (or a count of what the outside world has seen), never with a sleep:

- after the click: the CPP is unreachable (connection refused, so nothing can have been sent) while `send_cancel`
  retries its connection; the kill lands there, and the CPP comes up before the restart;
- during the cancel POST: the emulator has received the POST and holds it (latency), then acts on it after the
  host has died - the worst moment, since the host cannot know the CPP took the cancel;
- after the cancel POST: the POST was answered; the channel report is held in flight by the stand-in (and then
  refused, as if it never reached Slack);
- between polls: after the watcher has read the operation twice and edited the channel message;
- during a Slack update: the final `chat.update` is held, and Slack carries it out after the host died;
- during the final thread reply: the same, for the "completed" reply (a known limit, see docs/reliability.md).

After the restart: every watch resumes and finishes, the CPP saw one cancel, one watcher followed it, the channel has
one announcement whose message ends "completed", and the "completed" thread reply arrived exactly once.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cppcancel.settings import load_settings
from devhost.durable_api import WEBHOOK_PATH
from devhost.slack_client import SlackClient
from devhost.slack_standin import SlackFault, SlackMessage, SlackStandIn, describe
from partner_portal.emulator import EmulatorServer, Fault, ManualClock
from poll_function.cpp_activities import publish_being_cancelled
from tests.conftest import ALICE, BOB, BOT_TOKEN, CHANNEL, SIGNING_SECRET, app_settings
from tests.devhost.conftest import fetch, free_port, wait_until
from tests.devhost.process import DevHostProcess

pytestmark = pytest.mark.e2e

STEP_S = 1.0  # one emulator step unit; the cancel's operation is three of them
COMPLETED = re.compile(r"\bcompleted\b", re.IGNORECASE)
CANCELED = re.compile(r"\bcancel+ed\b", re.IGNORECASE)
# Either ending proves the cancel took effect: the cancel's own operation completed, or (when a re-run found the
# cancel already under way and followed the publish instead) the publish was canceled.
CANCEL_TOOK_EFFECT = re.compile(r"\bcompleted\b|\bcancel+ed\b", re.IGNORECASE)
HOLD_S = 1.5  # how long a held request stays in flight: the kill lands inside it


@dataclass
class Flow:
    host: DevHostProcess
    emulator: EmulatorServer
    clock: ManualClock
    standin: SlackStandIn
    killed_at: float = 0.0

    # -- Slack's side ----------------------------------------------------------------------------------------------
    def confirm_cancel(self) -> None:
        """`/cpp cancel` then a click on Confirm, signed as Slack would; the click is acknowledged."""
        slack = SlackClient(self.host.origin, SIGNING_SECRET)
        reply = slack.command(
            "/cpp cancel contoso contoso-vm-offer",
            user=ALICE,
            channel=CHANNEL,
            response_url=self.standin.response_url(),
        )
        assert reply.status == 200, reply.raw
        button = reply.button("confirm_cancel")
        assert button is not None, reply.readable()
        ack = slack.click(button, user=ALICE, channel=CHANNEL, response_url=self.standin.response_url(), reply=reply)
        assert ack.status == 200, ack.raw

    # -- what the outside world saw ---------------------------------------------------------------------------------
    def instances(self, name: str) -> list[dict[str, Any]]:
        listed = fetch("GET", f"{self.host.origin}{WEBHOOK_PATH}/instances/?showInput=false", timeout=5).json()
        return [i for i in listed if i["name"] == name]

    def channel(self) -> list[SlackMessage]:
        return [m for m in self.standin.messages if m.channel == CHANNEL]

    def announcements(self) -> list[SlackMessage]:
        return [m for m in self.channel() if m.method == "chat.postMessage" and not m.thread_ts]

    def final_replies(self, final: re.Pattern[str] = COMPLETED) -> list[SlackMessage]:
        return [m for m in self.channel() if m.thread_ts and final.search(m.text or "")]

    def cpp_took_the_cancel(self) -> bool:
        """The Partner Portal's own record says a cancel of the in-flight publish is under way."""
        settings = load_settings({"CPP_BASE_URL": self.emulator.base_url, "CPP_ACCESS_TOKEN": self.emulator.token})
        return publish_being_cancelled(settings, "contoso", "contoso-vm-offer") is not None

    def operation_reads(self) -> int:
        return sum(1 for r in self.emulator.requests if r.method == "GET" and "/operations/" in r.path)

    def slack_calls(self, method: str) -> int:
        return sum(1 for name, _ in self.standin.calls if name == method)

    def finish_the_operation(self) -> None:
        self.clock.advance(10 * STEP_S)

    def story(self) -> str:
        return (
            "\n".join(describe(m) for m in self.standin.messages) + "\n--- dev host log ---\n" + self.host.log()[-5000:]
        )


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    clock = ManualClock(start=1_800_000_000.0)
    with (
        EmulatorServer(step_seconds=STEP_S, clock=clock) as emulator,
        SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin,
    ):
        yield start_flow(tmp_path, emulator, clock, standin, emulator.base_url)


def start_flow(
    tmp_path: Path, emulator: EmulatorServer, clock: ManualClock, standin: SlackStandIn, cpp_base_url: str
) -> Flow:
    env = app_settings(
        emulator,
        standin,
        CPP_BASE_URL=cpp_base_url,
        POLL_INITIAL_INTERVAL_S="0.2",
        POLL_MAX_INTERVAL_S="0.4",
        CPP_MAX_RETRIES="6",  # connection refused is retried with back-off (about 15 s in all): room for a kill
    )
    process = DevHostProcess(
        app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=env, log_path=tmp_path / "host.log"
    )
    process.start()
    return Flow(process, emulator, clock, standin)


def kill_and_restart(flow: Flow) -> None:
    flow.host.kill()
    flow.killed_at = time.monotonic()
    flow.host.start()


def restart(flow: Flow, kill_when: Callable[[], Any], what: str) -> None:
    wait_until(kill_when, 20, what)
    kill_and_restart(flow)


def finished(flow: Flow, name: str) -> list[dict[str, Any]]:
    return [i for i in flow.instances(name) if i["runtimeStatus"] == "Completed"]


def assert_the_story_ends_once(flow: Flow, *, final: re.Pattern[str] = COMPLETED) -> None:
    """Every watch resumes and finishes; one cancel, one watcher, one announcement, one final reply."""
    try:
        wait_until(lambda: flow.instances("watch_operation"), 30, "a watcher (the cancel's operation exists)")
        flow.finish_the_operation()
        flow.standin.wait_for(lambda _: bool(flow.final_replies(final)), timeout=30)
        [watcher] = wait_until(lambda: finished(flow, "watch_operation"), 15, "the watcher to complete")
        [cancel] = wait_until(lambda: finished(flow, "cancel_orchestrator"), 15, "the cancel orchestration")
    except (TimeoutError, ValueError) as exc:
        pytest.fail(f"{exc}\n{flow.story()}")
    time.sleep(max(0.0, flow.killed_at + HOLD_S + 0.3 - time.monotonic()))  # what was held in flight has landed
    assert cancel["output"]["status"] == "accepted", cancel
    assert len(flow.instances("watch_operation")) == 1, "one watcher"
    assert final.search(watcher["output"]["phase"]), watcher["output"]
    assert flow.emulator.cancel_count() == 1, flow.story()
    [announcement] = flow.announcements()
    edits = [m for m in flow.channel() if m.method == "chat.update"]
    assert edits and {e.ts for e in edits} == {announcement.ts}, "every edit is of the one channel message"
    assert final.search(edits[-1].text or ""), describe(edits[-1])
    assert len(flow.final_replies(final)) == 1, flow.story()


def test_killed_after_the_click_before_the_cpp_was_reached(tmp_path: Path) -> None:
    placeholder = socket.socket()  # bound but not listening: connection refused, so nothing can be sent
    placeholder.bind(("127.0.0.1", 0))
    port = placeholder.getsockname()[1]
    clock = ManualClock(start=1_800_000_000.0)
    emulator = EmulatorServer(port=port, step_seconds=STEP_S, clock=clock)
    with SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin:
        flow = start_flow(tmp_path, emulator, clock, standin, f"http://127.0.0.1:{port}")
        try:
            flow.confirm_cancel()  # the confirmation says the offer could not be read, and still offers Confirm
            wait_until(lambda: flow.instances("cancel_orchestrator"), 10, "the cancel orchestration to exist")
            placeholder.close()
            emulator.start()  # the CPP is back before the dev host is: kill, then restart
            # The dying host's connect retries may or may not reach the CPP before the kill; either way one cancel.
            kill_and_restart(flow)
            assert_the_story_ends_once(flow, final=CANCEL_TOOK_EFFECT)
        finally:
            flow.host.stop()
            emulator.stop()
            placeholder.close()


def test_killed_while_the_cancel_post_is_in_flight(flow: Flow) -> None:
    """The CPP carries out a POST whose answer the dead host never read; the re-run `send_cancel` must not send
    another. It finds the cancel under way in the CPP's record of the publish, sends nothing, and the watch follows
    the publish until it is canceled (there is no watcher to join: the first attempt never got that far)."""
    flow.emulator.add_fault(Fault(method="POST", path="/cancel", latency_s=HOLD_S))
    try:
        flow.confirm_cancel()
        wait_until(lambda: flow.emulator.cancel_count() == 1, 20, "the cancel POST to reach the CPP")
        flow.host.kill()
        flow.killed_at = time.monotonic()
        wait_until(flow.cpp_took_the_cancel, 10, "the CPP to carry out the POST it was holding")
        flow.host.start()
        assert_the_story_ends_once(flow, final=CANCELED)
        assert "not sent again" in describe(flow.announcements()[0])
    finally:
        flow.host.stop()


def test_killed_after_the_cancel_post_was_answered(flow: Flow) -> None:
    flow.standin.add_fault(
        SlackFault(method="chat.postMessage", latency_s=HOLD_S, status=503, error="service_unavailable")
    )
    try:
        flow.confirm_cancel()
        restart(flow, lambda: flow.slack_calls("chat.postMessage") == 1, "the channel report to be in flight")
        assert_the_story_ends_once(flow)
    finally:
        flow.host.stop()


def test_killed_between_two_polls(flow: Flow) -> None:
    try:
        flow.confirm_cancel()
        restart(
            flow,
            lambda: flow.operation_reads() >= 2 and flow.slack_calls("chat.update") >= 1,
            "two operation reads and an edit",
        )
        assert_the_story_ends_once(flow)
    finally:
        flow.host.stop()


def test_killed_while_the_final_slack_update_is_in_flight(flow: Flow) -> None:
    try:
        flow.confirm_cancel()
        wait_until(lambda: flow.slack_calls("chat.update") >= 1, 20, "the watcher's first edit")
        edits = flow.slack_calls("chat.update")
        flow.standin.add_fault(SlackFault(method="chat.update", latency_s=HOLD_S, proceed=True))
        flow.finish_the_operation()
        restart(flow, lambda: flow.slack_calls("chat.update") > edits, "the final edit to be in flight")
        assert_the_story_ends_once(flow)
    finally:
        flow.host.stop()


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="known limit: a thread reply Slack accepted just before the host died is posted again by the re-run "
    "update_slack activity (at-least-once delivery, and chat.postMessage has no idempotency key)",
)
def test_killed_while_the_final_thread_reply_is_in_flight(flow: Flow) -> None:
    try:
        flow.confirm_cancel()
        wait_until(lambda: flow.slack_calls("chat.update") >= 1, 20, "the watcher's first edit")
        posts = flow.slack_calls("chat.postMessage")
        flow.standin.add_fault(SlackFault(method="chat.postMessage", latency_s=HOLD_S, proceed=True))
        flow.finish_the_operation()
        restart(flow, lambda: flow.slack_calls("chat.postMessage") > posts, "the final thread reply to be in flight")
        assert_the_story_ends_once(flow)
    finally:
        flow.host.stop()


def test_killed_while_the_requested_reply_is_in_flight(flow: Flow) -> None:
    """Confirm says "requested" only after the orchestration exists: a host killed while that reply is on its way
    leaves a cancel that goes on after the restart, never a "requested" over nothing."""
    held = SlackFault(method="response_url", latency_s=HOLD_S, proceed=True)  # Confirm's "requested" reply
    flow.standin.add_fault(held)

    def click() -> None:
        with contextlib.suppress(AssertionError, OSError):  # the host dies before it answers the click
            flow.confirm_cancel()

    clicking = threading.Thread(target=click)
    clicking.start()
    try:
        wait_until(lambda: held.times == 0, 20, "the 'requested' reply to be in flight")
        kill_and_restart(flow)
        clicking.join(20)
        time.sleep(max(0.0, flow.killed_at + HOLD_S + 0.5 - time.monotonic()))  # the held reply has landed
        requested = [m for m in flow.standin.messages if m.method == "response_url" and "requested" in (m.text or "")]
        assert requested, "the person was told the cancel was requested"
        assert flow.instances("cancel_orchestrator"), "... so the cancel should exist"
        assert_the_story_ends_once(flow)
    finally:
        flow.host.stop()
