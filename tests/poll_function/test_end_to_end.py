"""From the cancel's 202 to the operation's end, on the dev host: engine, Durable HTTP API, emulators, real sockets.

The dev host runs as a subprocess (`python -m devhost`): the function app can be indexed only once per process, and
this suite's `app_functions` fixture already did. It is pointed at this test's CPP emulator and Slack stand-in, so
the test injects faults and reads what Slack received directly. The cancel orchestration is started through the
Durable HTTP API, as the Slack Confirm handler and the webhook do; `start_watcher` then starts the watcher through
the same API, with the unmodified DurableOrchestrationClient.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cppcancel.contracts import STOP_WATCH_EVENT
from devhost.standins.cpp.faults import Fault
from devhost.standins.slack import SlackMessage, SlackStandIn
from tests.cancel_function.conftest import cancel_request
from tests.conftest import BOB, CHANNEL

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_env")]

REPO_ROOT = Path(__file__).resolve().parents[2]
DURABLE = "/runtime/webhooks/durabletask"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def _wait(probe: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return found


class Host:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def start_cancel(self, request_json: dict[str, Any], instance_id: str) -> None:
        status, _ = _call(
            "POST", f"{self.origin}{DURABLE}/orchestrators/cancel_orchestrator/{instance_id}", request_json
        )
        assert status == 202

    def status(self, instance_id: str) -> dict[str, Any] | None:
        code, body = _call("GET", f"{self.origin}{DURABLE}/instances/{instance_id}")
        return body if code in (200, 202) else None

    def finished(self, instance_id: str, timeout: float = 20.0) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            status = self.status(instance_id)
            return status if status and status["runtimeStatus"] not in ("Pending", "Running") else None

        found: dict[str, Any] = _wait(done, f"{instance_id} to finish", timeout)
        return found

    def raise_event(self, instance_id: str, name: str, data: Any) -> int:
        code, _ = _call("POST", f"{self.origin}{DURABLE}/instances/{instance_id}/raiseEvent/{name}", data)
        return code


@pytest.fixture
def host(app_env: dict[str, str], tmp_path: Path) -> Iterator[Host]:
    port = _free_port()
    env = {**os.environ, "POLL_INITIAL_INTERVAL_S": "0.1", "POLL_MAX_INTERVAL_S": "0.3"}
    log_path = tmp_path / "devhost.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    origin = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the dev host exited:\n{log_path.read_text()}")
            try:
                return _call("GET", f"{origin}/admin/host/status")[0] == 200
            except OSError:
                return False

        _wait(ready, "the dev host to start")
        yield Host(origin)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _channel(standin: SlackStandIn) -> tuple[SlackMessage, list[SlackMessage], list[SlackMessage]]:
    """The one top-level channel message, its in-place edits, and its thread replies."""
    messages = standin.messages
    [announcement] = [m for m in messages if m.method == "chat.postMessage" and not m.thread_ts]
    edits = [m for m in messages if m.method == "chat.update"]
    assert {e.ts for e in edits} == {announcement.ts}, "every edit must be of the one message"
    replies = [m for m in messages if m.thread_ts]
    assert {r.thread_ts for r in replies} <= {announcement.ts}
    return announcement, edits, replies


def _run_cancel(host: Host, standin: SlackStandIn, offer_id: str = "contoso-vm-offer") -> dict[str, Any]:
    request = cancel_request(offer_id, response_url=standin.response_url("r1"))
    host.start_cancel(request.to_json(), request.instance_id)
    outcome: dict[str, Any] = host.finished(request.instance_id)["output"]
    return outcome


def test_an_operation_of_several_steps_is_followed_from_202_to_its_end(
    host: Host, slack_standin: SlackStandIn, cpp_emulator: Any
) -> None:
    # Steps of 1.5 s (the cancel takes 4.5 s) against polls of 0.1-0.3 s: the progress is seen step by step even when
    # a loaded machine spaces the polls out (at 0.3 s a step, one late poll could jump from the start to the end).
    cpp_emulator.step_seconds = 1.5
    cpp_emulator.reset()
    outcome = _run_cancel(host, slack_standin)
    assert outcome["status"] == "accepted" and outcome["statusCode"] == 202
    watcher = host.finished(outcome["watchInstanceId"])
    assert watcher["runtimeStatus"] == "Completed"
    assert watcher["output"]["phase"] == "completed" and watcher["customStatus"]["phase"] == "completed"

    announcement, edits, replies = _channel(slack_standin)
    assert announcement.channel == CHANNEL and announcement.text is not None
    assert announcement.text.startswith("🛑 Cancel of contoso/contoso-vm-offer under way")
    assert len(edits) >= 2, "the message is kept up to date while the steps advance"
    assert edits[-1].text is not None and edits[-1].text.startswith("✅ contoso/contoso-vm-offer: cancel completed")
    seen_steps = {
        line
        for edit in edits
        for block in edit.blocks
        if block["type"] == "section" and "*Cancel requested*" in (line := block["text"]["text"])
    }
    assert len(seen_steps) >= 2, "step progress was shown as it changed"
    # The emulator's cancel runs from the first read and then completes: one status change, one reply.
    assert [r.text for r in replies] == [replies[0].text] and replies[0].text is not None
    assert replies[0].text.startswith("✅ The cancel operation completed after")
    [pointer] = [m for m in slack_standin.messages if m.method == "response_url"]
    assert pointer.replace_original and pointer.text == f"Done — see <#{CHANNEL}> for the outcome and live progress."
    assert cpp_emulator.cancel_count() == 1


def test_stop_watching_ends_the_watch_and_says_who_stopped_it(
    host: Host, slack_standin: SlackStandIn, cpp_emulator: Any
) -> None:
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    outcome = _run_cancel(host, slack_standin)
    watch_id = outcome["watchInstanceId"]
    _wait(lambda: any(m.method == "chat.update" for m in slack_standin.messages), "a progress update")
    assert host.raise_event(watch_id, STOP_WATCH_EVENT, {"userId": BOB, "display": "bob"}) == 202
    watcher = host.finished(watch_id)
    assert watcher["output"]["phase"] == "stopped" and watcher["output"]["stoppedBy"]["userId"] == BOB
    _, edits, replies = _channel(slack_standin)
    assert edits[-1].text is not None and "no longer watched" in edits[-1].text
    assert replies[-1].text is not None and replies[-1].text.startswith(f"⏹️ <@{BOB}> stopped watching after")
    assert host.raise_event(watch_id, STOP_WATCH_EVENT, {"userId": BOB}) in (404, 410)  # already over


def test_a_failing_cancel_operation_ends_with_the_api_error(host: Host, slack_standin: SlackStandIn) -> None:
    outcome = _run_cancel(host, slack_standin, "contoso-failing-offer")
    watcher = host.finished(outcome["watchInstanceId"])
    assert watcher["output"]["phase"] == "failed"
    _, _, replies = _channel(slack_standin)
    assert replies[-1].text is not None and "The publish could not be stopped" in replies[-1].text


def test_a_second_cancel_of_the_same_operation_does_not_start_a_second_watcher(
    host: Host, slack_standin: SlackStandIn, cpp_emulator: Any
) -> None:
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    first = _run_cancel(host, slack_standin)
    watch_id = first["watchInstanceId"]
    created = host.status(watch_id)
    assert created is not None
    second = cancel_request(response_url=slack_standin.response_url("r2"))
    second_json = second.to_json() | {"requestId": "req-2"}
    host.start_cancel(second_json, "cancel-slack-second")
    assert host.finished("cancel-slack-second")["output"]["watchInstanceId"] == watch_id  # the running one
    again = host.status(watch_id)
    assert again is not None and again["createdTime"] == created["createdTime"] and again["runtimeStatus"] == "Running"
    host.raise_event(watch_id, STOP_WATCH_EVENT, {"userId": BOB})
    host.finished(watch_id)
