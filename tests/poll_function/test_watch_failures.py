"""`watch_operation` through the real SDK replay: reads that fail (backed off, Retry-After honoured, given up with
a clear message) and an operation that fails."""

from __future__ import annotations

import json

from devhost.durable.replay import OrchestratorFn
from poll_function.names import POLL_OPERATION, UPDATE_SLACK
from poll_function.watch_logic import MAX_CONSECUTIVE_ERRORS
from tests.poll_function.operations import cancel_operation
from tests.poll_function.watch_script import (
    SLACK_OK,
    STEP1,
    err,
    ok,
    slack_input,
    start,
)


def test_a_crashed_poll_activity_is_backed_off_like_a_transient_error(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.fail("worker died", POLL_OPERATION)
    assert s.timer() == 15  # no Slack call: nothing was read yet
    assert s.turn.custom_status["error"].startswith("reading the operation failed (1 in a row)")
    s.fire()
    s.complete(ok(STEP1), POLL_OPERATION)
    s.activity(UPDATE_SLACK)


def test_transient_errors_back_off_then_the_watch_gives_up_with_a_clear_message(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    delays = []
    for _ in range(MAX_CONSECUTIVE_ERRORS - 1):
        s.complete(err("server_error", True, status=503), POLL_OPERATION)
        delays.append(s.timer())
        s.fire()
    assert delays == [15, 30, 60, 120, 240, 300, 300, 300, 300]
    s.complete(err("server_error", True, retry_after=5, status=503), POLL_OPERATION)
    final = slack_input(s)
    assert "⚠️ contoso/contoso-vm-offer: lost track of the operation" in final["text"]
    assert "could not be read 10 times in a row" in final["threadText"]
    assert "server_error happened (HTTP 503)" in final["threadText"]
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.done and s.turn.output["phase"] == "lost"


def test_a_transient_error_honours_its_retry_after(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(err("throttled", True, retry_after=90, status=429), POLL_OPERATION)
    assert s.timer() == 90


def test_a_permanent_error_ends_the_watch_at_once_with_the_error(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    s.complete(ok(STEP1), POLL_OPERATION)
    s.complete(SLACK_OK)
    s.fire()
    s.complete(err("not_found", False, status=404), POLL_OPERATION)
    final = slack_input(s)
    assert "the operation can no longer be read. not_found happened (HTTP 404)" in final["threadText"]
    blocks = json.dumps(final["blocks"])
    assert "Stopping the publish" not in blocks or "Cancel requested" in blocks  # last known steps still shown
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["phase"] == "lost" and "HTTP 404" in s.turn.output["error"]


def test_a_failed_operation_ends_with_the_api_error_text(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn)
    failed = cancel_operation("failed", ("complete", 100), ("failed", 100), error="The offer is already live.")
    s.complete(ok(failed), POLL_OPERATION)
    final = slack_input(s)
    assert final["threadText"].endswith("The Partner Portal said: The offer is already live.")
    s.complete(SLACK_OK)
    s.end()
    assert s.turn.output["phase"] == "failed"
