"""The script of a watcher's turns, shared by the watcher's replay tests: a start that has loaded its parameters,
the answers its activities give, and the default schedule's interval to expect."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from cppcancel.contracts import WatchRequest
from cppcancel.schedule import ScheduleParams
from devhost.durable.replay import OrchestratorFn
from poll_function.names import LOAD_WATCH_PARAMS, UPDATE_SLACK
from tests.poll_function.conftest import MESSAGE_TS, watch_request
from tests.poll_function.operations import cancel_operation
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PARAMS = ScheduleParams(initial_s=15, cap_s=300, timeout_s=86400, polls_per_generation=40)

NOT_STARTED = cancel_operation("notStarted")
STEP1 = cancel_operation("running", ("inProgress", 50))
STEP2 = cancel_operation("running", ("complete", 100), ("inProgress", 10))
DONE = cancel_operation("completed", ("complete", 100), ("complete", 100), ("complete", 100))


def ok(operation: dict[str, Any], retry_after: float | None = None) -> dict[str, Any]:
    return {"ok": True, "operation": operation, "retryAfterS": retry_after}


def err(code: str, transient: bool, retry_after: float | None = None, status: int | None = None) -> dict[str, Any]:
    error = {"code": code, "message": f"{code} happened (HTTP {status})", "statusCode": status, "transient": transient}
    return {"ok": False, "error": {**error, "retryAfterS": retry_after}}


SLACK_OK = {"ok": True, "ts": MESSAGE_TS}


def start(fn: OrchestratorFn, request: WatchRequest | None = None, params: ScheduleParams = PARAMS) -> Stepper:
    """A watcher that has loaded its parameters and is about to poll for the first time."""
    request = request or watch_request()
    stepper = Stepper(fn, "watch_operation", request.to_json(), T0, request.instance_id)
    stepper.complete(params.to_json(), LOAD_WATCH_PARAMS)
    return stepper


def slack_input(stepper: Stepper) -> dict[str, Any]:
    _, payload = stepper.activity(UPDATE_SLACK)
    assert isinstance(payload, dict)
    return payload


def every(age_s: float) -> float:
    """The default schedule's interval at a watch age, when no estimate or progress says more (15 s floor)."""
    return max(15.0, math.sqrt(15.0 * age_s))
