"""Never a Slack timeout: when the Partner Portal is too slow for the ack, or the request is already old when it
arrives, the command acks "Looking up…" at once and the full answer follows through the response_url.

Over real signed HTTP to the dev host as a subprocess (`function_app:app`, the real Durable orchestrations), with
the CPP emulator (slowed by its latency fault) and the Slack stand-in serving the response_urls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.standins.cpp import Fault
from devhost.standins.ingestion import IngestionStandIn
from devhost.standins.slack import SlackMessage, SlackStandIn
from tests.cancel_function.conftest import RemoteHost, SlackDriver
from tests.conftest import ALICE, BOB, MALLORY, app_settings
from tests.devhost.conftest import free_port, wait_until
from tests.devhost.process import DevHostProcess
from tests.slack_app.helpers import Reply, find_button, has_button

pytestmark = pytest.mark.e2e

SLACK_LIMIT_S = 3.0
SLOW_READ_S = 2.8  # per Partner Portal read: one read alone is more than what the ack has left


def timed(call: Callable[[], Reply]) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = call()
    return reply, time.monotonic() - started


def looked_up(reply: Reply, target: str) -> None:
    """The ack of a deferred answer: ephemeral, says what is being looked up, offers nothing to click yet."""
    assert reply.status == 200, reply.body
    assert reply.json["response_type"] == "ephemeral"
    assert f"Looking up {target}" in reply.text
    assert not has_button(reply.blocks, "confirm_cancel")


def answer_on(standin: SlackStandIn, key: str = "cmd", timeout: float = 30) -> SlackMessage:
    """The one post after the "Looking up…" ack on the command's response_url: a second ephemeral message (Slack
    cannot replace a slash command's ack, and the stand-in does not pretend it can)."""
    found = wait_until(
        lambda: [m for m in standin.messages if m.method == "response_url" and m.response_key == key],
        timeout,
        "the deferred answer on the command's response_url",
    )
    time.sleep(0.5)  # room for a second, wrong post to show up
    posts = [m for m in standin.messages if m.method == "response_url" and m.response_key == key]
    assert len(posts) == 1, [m.to_json() for m in posts]
    assert found[0].response_kind == "command" and found[0].response_type == "ephemeral"
    assert not found[0].replace_original and not found[0].replaced
    return found[0]


def test_a_slow_portal_gets_an_ack_in_time_and_a_working_confirmation_later(
    remote_slack: SlackDriver, cpp_emulator: Any, slack_standin: SlackStandIn
) -> None:
    slack = remote_slack
    cpp_emulator.add_fault(Fault(method="GET", latency_s=SLOW_READ_S, times=None))
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends", times=None))

    reply, elapsed = timed(lambda: slack.command("cancel contoso contoso-vm-offer"))
    assert elapsed < SLACK_LIMIT_S, f"acked after {elapsed:.2f} s"
    looked_up(reply, "contoso/contoso-vm-offer")

    answer = answer_on(slack_standin)
    assert "In flight" in (answer.text or "") + str(answer.blocks), "the confirmation shows what is in flight"
    confirm = find_button(answer.blocks, "confirm_cancel")
    assert confirm["style"] == "danger" and confirm["confirm"], "Slack's are-you-sure dialog, as inline"
    assert "POST" not in [r.method for r in cpp_emulator.requests], "nothing is cancelled before Confirm"

    # The delivered Confirm works exactly like the inline one: the policy for whoever clicks, one cancel per ticket.
    refused = slack.click("confirm_cancel", confirm["value"], user=MALLORY, key="m")
    assert refused.status == 200
    assert "Missing permission" in (slack.only_response("m").text or "")
    for user, key in ((ALICE, "a1"), (BOB, "b1"), (ALICE, "a2")):
        assert slack.click("confirm_cancel", confirm["value"], user=user, key=key).status == 200
    wait_until(lambda: cpp_emulator.cancel_count() == 1, 60, "the one cancel POST")
    time.sleep(1.0)  # room for a wrongly started second cancel to show up
    assert cpp_emulator.cancel_count() == 1
    assert "requested by <@U0ALICE>" in (slack.responses("a1")[0].text or "")
    assert "already requested by <@U0ALICE>" in (slack.only_response("b1").text or "")


@pytest.mark.parametrize("verb", ["ops", "status"])
def test_a_request_already_two_seconds_old_is_acked_at_once_and_answered_later(
    remote_slack: SlackDriver, cpp_emulator: Any, slack_standin: SlackStandIn, verb: str
) -> None:
    """Slack's 3 s count from when it sent the request: a request that arrives ~2 s late (a cold worker) leaves no
    time for the Partner Portal, however fast it is - the ack goes out without trying."""
    slack = remote_slack
    slack.command("help")  # warm the worker: this test is about the request's age, not about imports
    before = len(cpp_emulator.requests)
    reply, elapsed = timed(lambda: slack.command(f"{verb} contoso contoso-vm-offer", timestamp=time.time() - 2.0))
    assert elapsed < 1.0, f"acked after {elapsed:.2f} s"
    looked_up(reply, "contoso/contoso-vm-offer")

    answer = answer_on(slack_standin)
    assert len(cpp_emulator.requests) > before, "the follow-up read the Partner Portal"
    shown = (answer.text or "") + str(answer.blocks)
    assert "contoso-vm-offer" in shown and "Looking up" not in shown
    if verb == "ops":
        assert has_button(answer.blocks, "open_cancel"), "the in-flight operation gets its Cancel… button"
    else:
        assert "Step" in shown or "step" in shown, "the status shows the operation's steps"


def test_a_fast_portal_answers_inline_as_before(
    remote_slack: SlackDriver, cpp_emulator: Any, slack_standin: SlackStandIn
) -> None:
    slack = remote_slack
    slack.command("help")
    reply = slack.command("cancel contoso contoso-vm-offer")
    assert reply.status == 200 and reply.button("confirm_cancel")
    time.sleep(0.5)
    assert [m for m in slack_standin.messages if m.method == "response_url"] == []


JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0230"


@pytest.fixture
def remote_slack_with_jobs(
    tmp_path: Path, cpp_emulator: Any, slack_standin: SlackStandIn
) -> Iterator[tuple[SlackDriver, IngestionStandIn]]:
    """The dev host subprocess, with the Product Ingestion stand-in in this process (so the test adds its jobs)."""
    with IngestionStandIn() as jobs:
        env = app_settings(
            cpp_emulator, slack_standin, INGESTION_BASE_URL=jobs.base_url, INGESTION_ACCESS_TOKEN=jobs.token
        )
        process = DevHostProcess(
            app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=env, log_path=tmp_path / "log"
        )
        process.start()
        try:
            yield SlackDriver(RemoteHost(process), slack_standin), jobs  # type: ignore[arg-type]
        finally:
            process.stop()


@pytest.mark.parametrize("verb", ["status", "cancel"])
def test_a_configure_job_gets_the_same_deferred_answer(
    remote_slack_with_jobs: tuple[SlackDriver, IngestionStandIn], slack_standin: SlackStandIn, verb: str
) -> None:
    """`job=` reads through the same path as the CPP (issue #23): a request too old for a read is acked "Looking
    up…" at once, and the job's status - or its confirmation, whose Confirm cancels once - follows."""
    slack, jobs = remote_slack_with_jobs
    jobs.add_job(JOB, cancel_after_reads=2)
    slack.command("help")  # warm the worker: this test is about the request's age, not about imports
    text = f"{verb} contoso contoso-vm-offer job={JOB}"
    reply, elapsed = timed(lambda: slack.command(text, timestamp=time.time() - 2.0))
    assert elapsed < 1.0, f"acked after {elapsed:.2f} s"
    looked_up(reply, "contoso/contoso-vm-offer")
    assert "The Product Ingestion API is taking its time" in reply.readable(), "the ack names the API it waits for"
    answer = answer_on(slack_standin)
    shown = (answer.text or "") + str(answer.blocks)
    assert JOB in shown and "running (pending)" in shown and "Looking up" not in shown
    if verb == "status":
        return
    confirm = find_button(answer.blocks, "confirm_cancel")
    assert jobs.cancel_count(JOB) == 0, "nothing is cancelled before Confirm"
    for key in ("a1", "a2"):
        assert slack.click("confirm_cancel", confirm["value"], user=ALICE, key=key).status == 200
    wait_until(lambda: jobs.cancel_count(JOB) == 1, 60, "the one job cancel POST")
    time.sleep(1.0)  # room for a wrongly started second cancel to show up
    assert jobs.cancel_count(JOB) == 1
