"""A configure job's watcher through the real SDK replay: it keeps the job's shared pace (issue #22, item 4).

`poll_job` answers when the job may be read next (`nextReadAt`) and, when it was not this watcher's turn, what the
latest read got (`shared`) or nothing new (`deferred`); the watcher never fires its next poll before that moment.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cppcancel.contracts import WatchRequest
from cppcancel.schedule import ScheduleParams
from cppcancel.times import iso
from devhost.durable.replay import OrchestratorFn
from poll_function.names import LOAD_WATCH_PARAMS, POLL_JOB, UPDATE_SLACK
from product_ingestion.models import ConfigureStatus
from tests.poll_function.conftest import MESSAGE_TS, watch_request
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0042"
STATUS_URL = f"https://graph.microsoft.com/rp/product-ingestion/configure/{JOB}/status?$version=2022-03-01-preview2"
PARAMS = ScheduleParams(initial_s=15, cap_s=300, timeout_s=86400, polls_per_generation=40)
SLACK_OK = {"ok": True, "ts": MESSAGE_TS}


def job_request(*, registered: bool) -> WatchRequest:
    return replace(watch_request(url=STATUS_URL), job_id=JOB, registered=registered)


def job(status: str, result: str) -> dict[str, Any]:
    return ConfigureStatus.from_json({"jobId": JOB, "jobStatus": status, "jobResult": result}).as_operation().to_json()


def paced(body: dict[str, Any], next_read: datetime, **flags: bool) -> dict[str, Any]:
    return {**body, "nextReadAt": iso(next_read), "minIntervalS": 60.0, **flags}


def start(fn: OrchestratorFn, request: WatchRequest) -> Stepper:
    stepper = Stepper(fn, "watch_operation", request.to_json(), T0, request.instance_id)
    stepper.complete(PARAMS.to_json(), LOAD_WATCH_PARAMS)
    return stepper


def test_the_job_poll_names_the_watcher_and_a_cancels_answer(watch_fn: OrchestratorFn) -> None:
    cancels = start(watch_fn, job_request(registered=False))
    _, given = cancels.activity(POLL_JOB)
    assert given == {
        "operationUrl": STATUS_URL,
        "jobId": JOB,
        "watcher": job_request(registered=False).instance_id,
        "answeredAt": "2026-11-25T10:00:00Z",
    }
    registered = start(watch_fn, job_request(registered=True))
    _, given = registered.activity(POLL_JOB)
    assert given["watcher"] == job_request(registered=True).instance_id and "answeredAt" not in given


def test_a_deferred_poll_shows_nothing_and_waits_for_the_jobs_next_read(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, job_request(registered=False))
    s.complete(paced({"ok": False, "error": {}}, T0 + timedelta(seconds=60), deferred=True), POLL_JOB)
    assert s.timer() == 60  # the cancel's answer was a minute's read: not before it, and no Slack call
    assert s.turn.custom_status["phase"] == "watching" and s.turn.custom_status["error"] is None
    s.fire()
    s.complete(paced({"ok": True, "operation": job("running", "pending")}, s.now + timedelta(seconds=60)), POLL_JOB)
    assert s.activity(UPDATE_SLACK)  # the first read shows the job
    s.complete(SLACK_OK)
    assert s.timer() == 60  # 60 s into the watch: the job's pace (the schedule alone says sqrt(15 s x 60 s) = 30 s)
    s.fire()
    s.complete(paced({"ok": True, "operation": job("completed", "cancelled")}, s.now + timedelta(seconds=60)), POLL_JOB)
    s.complete(SLACK_OK, UPDATE_SLACK)
    ending = s.end()
    assert ending["phase"] == "canceled" and ending["polls"] == 2, "the deferred poll read nothing"


def test_news_another_watcher_read_is_shown_and_the_next_read_waits_for_the_pace(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, job_request(registered=True))
    s.complete(paced({"ok": True, "operation": job("running", "pending")}, T0 + timedelta(seconds=60)), POLL_JOB)
    s.complete(SLACK_OK, UPDATE_SLACK)
    assert s.timer() == 60
    s.fire()
    later = s.now + timedelta(seconds=45)  # the cancel's watcher read 15 s ago: the next read is 45 s away
    shared = paced({"ok": True, "operation": job("completed", "cancelled")}, later, shared=True)
    s.complete(shared, POLL_JOB)
    final = s.activity(UPDATE_SLACK)[1]
    assert "cancelled" in final["text"]
    s.complete(SLACK_OK)
    assert s.end()["polls"] == 1, "the shared status was not a read of this watcher's"


def test_a_pace_longer_than_the_schedule_wins(watch_fn: OrchestratorFn) -> None:
    s = start(watch_fn, job_request(registered=True))
    s.complete(paced({"ok": True, "operation": job("running", "pending")}, T0 + timedelta(seconds=300)), POLL_JOB)
    s.complete(SLACK_OK, UPDATE_SLACK)
    assert s.timer() == 300
    s.fire()
    s.complete(paced({"ok": True, "operation": job("running", "pending")}, s.now + timedelta(seconds=60)), POLL_JOB)
    assert s.timer() == pytest.approx(math.sqrt(15 * 300))  # then the schedule, at least the job's 60 s
