"""`python -m devhost` in a subprocess: SIGKILL it mid-orchestration, start it again, and the instance finishes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.devhost.conftest import FIXTURE_APP, UNREACHABLE_CPP, fetch, free_port, wait_until
from tests.devhost.process import DevHostProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def devhost(tmp_path: Path) -> Iterator[DevHostProcess]:
    process = DevHostProcess(
        app=FIXTURE_APP,
        port=free_port(),
        data_dir=tmp_path / "data",
        env={"CPP_BASE_URL": UNREACHABLE_CPP},
        log_path=tmp_path / "devhost.log",
    )
    process.start()
    yield process
    process.stop()


def _status(devhost: DevHostProcess, instance_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = fetch("GET", f"{devhost.origin}/api/status/{instance_id}").json()
    return answer


def test_sigkill_mid_timer_then_restart_resumes_and_finishes(devhost: DevHostProcess, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    started = fetch(
        "POST", f"{devhost.origin}/api/start/sleeper?id=nap", body=json.dumps({"seconds": 1.5, "path": str(marks)})
    )
    assert started.status == 202
    wait_until(lambda: _status(devhost, "nap").get("customStatus") == "sleeping", 10, "the timer to start")

    devhost.kill()
    assert marks.read_text().split() == ["before"]

    devhost.start()
    done = wait_until(
        lambda: (s := _status(devhost, "nap")).get("runtimeStatus") == "Completed" and s, 15, "nap to complete"
    )
    assert done["output"] == "rested"
    assert marks.read_text().split() == ["before", "after"]
    assert "1 live instance(s) resumed" in devhost.log()


def test_the_banner_names_endpoints_and_what_is_emulated(devhost: DevHostProcess) -> None:
    log = devhost.log()
    assert f"{devhost.origin}/api/echo/{{item_id}}" in log
    assert "[Azure requires a function key]" in log  # the `text` function is FUNCTION-level
    assert "Slack Web API: EMULATED" in log and "Cloud Partner Portal: REAL" in log
    assert "Partner Center submission API: EMULATED by the stand-in at http://127.0.0.1:" in log
    assert "(SUBMISSION_API_PUBLISHERS: none listed)" in log
    assert "SLACK_SIGNING_SECRET: generated for local use only" in log
    assert "local-" not in log.split("SLACK_SIGNING_SECRET")[1][:80]  # the secret itself is never printed
