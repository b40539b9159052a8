"""The dev host SIGKILLed in the middle of a configure job's cancel, then started again on the same data dir.

The same restart points as the CPP cancel's (test_restarts.py), for the Product Ingestion backend: the stand-in,
the CPP emulator and the Slack stand-in live in the test process and outlive the dev host, and each kill is placed
while exactly the call the test is about is held in flight. After the restart: one POST reached the job's API, one
watcher followed the job to its end, one channel message was kept current and one final reply says so.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devhost.durable.api import WEBHOOK_PATH
from devhost.standins.cpp import EmulatorServer
from devhost.standins.ingestion import IngestionStandIn
from devhost.standins.slack import SlackMessage, SlackStandIn, describe
from devhost.standins.slack.client import SlackClient
from tests.conftest import ALICE, BOB, BOT_TOKEN, CHANNEL, SIGNING_SECRET, app_settings
from tests.devhost.conftest import fetch, free_port, wait_until
from tests.devhost.process import DevHostProcess
from tests.reliability.test_restarts import HOLD_S

pytestmark = pytest.mark.e2e

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0042"
CANCELLED = re.compile(r"\bcancel+ed\b", re.IGNORECASE)


@dataclass
class JobFlow:
    host: DevHostProcess
    jobs: IngestionStandIn
    emulator: EmulatorServer
    standin: SlackStandIn

    def confirm_cancel(self) -> None:
        slack = SlackClient(self.host.origin, SIGNING_SECRET)
        # Warm the worker first (its first request imports the Slack app): a cold command on a loaded machine may
        # rightly be answered "Looking up…", which is not what these restart tests are about.
        warm = slack.command("/cpp help", user=ALICE, channel=CHANNEL, response_url=self.standin.command_response_url())
        assert warm.status == 200, warm.raw
        reply = slack.command(
            f"/cpp cancel contoso contoso-vm-offer job={JOB}",
            user=ALICE,
            channel=CHANNEL,
            response_url=self.standin.command_response_url(),
        )
        button = reply.button("confirm_cancel")
        assert reply.status == 200 and button is not None, reply.readable()
        ack = slack.click(button, user=ALICE, channel=CHANNEL, response_url=self.standin.response_url(), reply=reply)
        assert ack.status == 200, ack.raw

    def instances(self, name: str) -> list[dict[str, Any]]:
        listed = fetch("GET", f"{self.host.origin}{WEBHOOK_PATH}/instances/?showInput=false", timeout=5).json()
        return [i for i in listed if i["name"] == name]

    def finished(self, name: str) -> list[dict[str, Any]]:
        return [i for i in self.instances(name) if i["runtimeStatus"] == "Completed"]

    def channel(self) -> list[SlackMessage]:
        return [m for m in self.standin.messages if m.channel == CHANNEL]

    def status_reads(self) -> int:
        return sum(1 for r in self.jobs.requests if r.method == "GET" and r.path.endswith("/status"))

    def story(self) -> str:
        return "\n".join(describe(m) for m in self.standin.messages) + "\n--- log ---\n" + self.host.log()[-5000:]


def start_job_flow(
    tmp_path: Path, jobs: IngestionStandIn, emulator: EmulatorServer, standin: SlackStandIn, base_url: str = ""
) -> JobFlow:
    env = app_settings(
        emulator,
        standin,
        INGESTION_BASE_URL=base_url or jobs.base_url,
        INGESTION_ACCESS_TOKEN=jobs.token,
        POLL_INITIAL_INTERVAL_S="0.2",
        POLL_MAX_INTERVAL_S="0.4",
        CPP_MAX_RETRIES="6",  # connection refused is retried with back-off: room for a kill
    )
    process = DevHostProcess(
        app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=env, log_path=tmp_path / "host.log"
    )
    process.start()
    return JobFlow(process, jobs, emulator, standin)


@pytest.fixture
def job_flow(tmp_path: Path) -> Iterator[JobFlow]:
    with (
        IngestionStandIn() as jobs,
        EmulatorServer(step_seconds=1.0, beyond_docs=False) as emulator,
        SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin,
    ):
        flow = start_job_flow(tmp_path, jobs, emulator, standin)
        try:
            yield flow
        finally:
            flow.host.stop()


def assert_the_job_story_ends_once(flow: JobFlow) -> None:
    try:
        [watcher] = wait_until(lambda: flow.finished("watch_operation"), 30, "the job's watcher to complete")
        [cancel] = wait_until(lambda: flow.finished("cancel_orchestrator"), 15, "the cancel orchestration")
    except (TimeoutError, ValueError) as exc:
        pytest.fail(f"{exc}\n{flow.story()}")
    assert cancel["output"]["status"] == "accepted", cancel
    assert watcher["output"]["phase"] == "canceled", watcher["output"]
    assert len(flow.instances("watch_operation")) == 1, "one watcher"
    assert flow.jobs.cancel_count(JOB) == 1, flow.story()
    assert flow.emulator.cancel_count() == 0, "nothing went to the CPP"
    announcements = [m for m in flow.channel() if m.method == "chat.postMessage" and not m.thread_ts]
    [announcement] = announcements
    edits = [m for m in flow.channel() if m.method == "chat.update"]
    assert edits and {e.ts for e in edits} == {announcement.ts}, "every edit is of the one channel message"
    finals = [m for m in flow.channel() if m.thread_ts and CANCELLED.search(m.text or "")]
    assert len(finals) == 1, flow.story()


def test_killed_while_the_job_cancel_post_is_in_flight(job_flow: JobFlow) -> None:
    """The job's API takes a POST whose answer the dead host never read. The record says the POST may have gone
    out, so the re-run sends no second one: it says so, and follows the job (by its ID) to its end."""
    flow = job_flow
    flow.jobs.add_job(JOB, cancel_after_reads=3)
    flow.jobs.hold("POST", "/cancel", HOLD_S)
    flow.confirm_cancel()
    wait_until(lambda: flow.jobs.cancel_count(JOB) == 1, 20, "the held job cancel POST")
    flow.host.kill()
    wait_until(lambda: flow.jobs.job(JOB).cancel_requested, 10, "the stand-in to carry out the held POST")
    flow.host.start()
    assert_the_job_story_ends_once(flow)
    announced = describe(next(m for m in flow.channel() if m.method == "chat.postMessage" and not m.thread_ts))
    assert "not sent again" in announced, announced


def test_killed_between_two_status_reads(job_flow: JobFlow) -> None:
    flow = job_flow
    flow.jobs.add_job(JOB, cancel_after_reads=8)
    flow.confirm_cancel()
    wait_until(lambda: flow.status_reads() >= 3 and any(m.method == "chat.update" for m in flow.channel()), 20, "reads")
    flow.jobs.hold("GET", "/status", HOLD_S)
    wait_until(lambda: flow.jobs.holding() == 0, 10, "the watcher's next read to be in flight")
    flow.host.kill()
    flow.host.start()
    assert_the_job_story_ends_once(flow)


def test_killed_before_the_job_api_was_reached(tmp_path: Path) -> None:
    """Killed while the reachability read retries a refused connection: nothing can have been sent, so the re-run
    sends the one cancel."""
    placeholder = socket.socket()  # bound, not listening: connection refused
    placeholder.bind(("127.0.0.1", 0))
    port = placeholder.getsockname()[1]
    with (
        IngestionStandIn() as elsewhere,  # its token only: the app is pointed at the placeholder's port
        EmulatorServer(step_seconds=1.0, beyond_docs=False) as emulator,
        SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin,
    ):
        base_url = f"http://127.0.0.1:{port}/rp/product-ingestion"
        flow = start_job_flow(tmp_path, elsewhere, emulator, standin, base_url)
        try:
            flow.confirm_cancel()  # the confirmation could not read the job; Confirm is still offered
            wait_until(lambda: flow.instances("cancel_orchestrator"), 20, "the cancel orchestration to exist")
            flow.host.kill()
            placeholder.close()
            with IngestionStandIn(port=port) as jobs:  # the API is back before the dev host is
                jobs.add_job(JOB, cancel_after_reads=2)
                flow.jobs = jobs
                flow.host.start()
                assert_the_job_story_ends_once(flow)
            assert elsewhere.requests == [], "nothing went anywhere else"
        finally:
            flow.host.stop()
            placeholder.close()
