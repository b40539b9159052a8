"""The dev host SIGKILLed while an Azure Application submission's DELETE is in flight, then started again on the same
data dir.

As for the other backends (test_restarts.py, test_job_restarts.py): the submission API stand-in, the CPP emulator and
the Slack stand-in live in the test process and outlive the dev host; the stand-in holds the DELETE, the host is
killed while it is held, and the stand-in then carries it out - the worst moment, since the dead host cannot know the
API took it. The record says the DELETE may have gone out, so the re-run sends no second one: it says so, and
follows the submission (found again by its offer) until it is gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.standins.cpp import EmulatorServer
from devhost.standins.slack import SlackStandIn, describe
from devhost.standins.slack.client import SlackClient, SlackReply
from devhost.standins.submission import SubmissionStandIn
from tests.conftest import ALICE, BOB, BOT_TOKEN, CHANNEL, SIGNING_SECRET, app_settings
from tests.devhost.conftest import free_port, wait_until
from tests.devhost.process import DevHostProcess
from tests.reliability.test_job_restarts import JobFlow

pytestmark = pytest.mark.e2e

OFFER, SUBMISSION = "contoso-managed-app", "1152921505695131000"
CANCELLED = re.compile(r"\bcancel+ed\b", re.IGNORECASE)


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[tuple[DevHostProcess, SubmissionStandIn, SlackStandIn]]:
    with (
        SubmissionStandIn() as api,
        EmulatorServer(step_seconds=1.0, beyond_docs=False) as emulator,
        SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin,
    ):
        env = app_settings(
            emulator,
            standin,
            SUBMISSION_API_BASE_URL=api.base_url,
            SUBMISSION_API_ACCESS_TOKEN=api.token,
            SUBMISSION_API_PUBLISHERS="contoso",
            POLL_INITIAL_INTERVAL_S="0.2",
            POLL_MAX_INTERVAL_S="0.4",
        )
        host = DevHostProcess(
            app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=env, log_path=tmp_path / "h.log"
        )
        host.start()
        try:
            yield host, api, standin
        finally:
            host.stop()


def test_killed_while_the_delete_is_in_flight_sends_no_second_delete(
    flow: tuple[DevHostProcess, SubmissionStandIn, SlackStandIn],
) -> None:
    host, api, standin = flow
    api.set_faults(after_delete="remove")  # what a 204 leaves is undocumented: this test assumes the submission goes
    product = api.add_product(OFFER)
    api.add_submission(product.id, SUBMISSION, state="InProgress", substate="Submitted")
    api.hold("DELETE", f"/submissions/{SUBMISSION}", 60.0)  # until released: the kill lands inside it, however slow
    slack = SlackClient(host.origin, SIGNING_SECRET)
    reply = slack.command(
        f"/cpp cancel contoso {OFFER} submission={SUBMISSION}",
        user=ALICE,
        channel=CHANNEL,
        response_url=standin.command_response_url(),
    )
    assert reply.status == 200, reply.raw
    if reply.button("confirm_cancel") is None:  # a cold host's first read may answer "Looking up…", then follow up
        seen = standin.wait_for(lambda ms: any(m.response_key == "cmd" for m in ms), timeout=20)
        later = next(m for m in seen if m.response_key == "cmd")
        reply = SlackReply.parse(200, json.dumps({"text": later.text, "blocks": later.blocks}).encode())
    button = reply.button("confirm_cancel")
    assert button is not None, reply.readable()
    assert (
        slack.click(button, user=ALICE, channel=CHANNEL, response_url=standin.response_url(), reply=reply).status == 200
    )
    wait_until(lambda: len(api.deletes()) == 1, 20, "the held DELETE")
    host.kill()
    api.release()
    wait_until(lambda: product.submission(SUBMISSION) is None, 10, "the stand-in to carry out the held DELETE")
    host.start()

    probe = JobFlow(host, None, None, standin)  # type: ignore[arg-type]  # its instance reads only need the host
    try:
        [watcher] = wait_until(lambda: probe.finished("watch_operation"), 30, "the submission's watcher to complete")
    except TimeoutError as exc:
        story = "\n".join(describe(m) for m in standin.messages) + "\n--- log ---\n" + host.log()[-5000:]
        pytest.fail(f"{exc}\n{story}")
    assert watcher["output"]["phase"] == "canceled", watcher["output"]
    assert api.deletes() == [f"/v1.0/ingestion/products/{product.id}/submissions/{SUBMISSION}"], "one DELETE"
    assert api.product_deletes() == []
    channel = [m for m in standin.messages if m.channel == CHANNEL]
    [announcement] = [m for m in channel if m.method == "chat.postMessage" and not m.thread_ts]
    assert "not sent again" in describe(announcement), describe(announcement)
    assert len([m for m in channel if m.thread_ts and CANCELLED.search(m.text or "")]) == 1
