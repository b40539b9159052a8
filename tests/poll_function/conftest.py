"""Fixtures of the watcher's tests: the registered watcher, and watch requests to feed it."""

from __future__ import annotations

from typing import Any

import pytest

from cppcancel.contracts import SlackTarget, WatchRequest
from cppcancel.targets import PublishTarget
from devhost.durable.replay import OrchestratorFn
from tests.conftest import CHANNEL, alice
from tests.poll_function.operations import OPERATION_URL

MESSAGE_TS = "1700000000.000001"


@pytest.fixture(scope="session")
def watch_fn(app_functions: dict[str, Any]) -> OrchestratorFn:
    """`watch_operation` exactly as the host indexed it (the SDK's handle around the generator)."""
    fn: OrchestratorFn = app_functions["watch_operation"].get_user_function()
    return fn


def watch_request(
    *, started_at: str = "2026-11-25T10:00:00Z", slack: bool = True, url: str = OPERATION_URL, **state: Any
) -> WatchRequest:
    return WatchRequest(
        operation_url=url,
        target=PublishTarget("contoso", "contoso-vm-offer"),
        requester=alice(),
        correlation_id="corr-1",
        started_at=started_at,
        slack=SlackTarget(CHANNEL, MESSAGE_TS, None) if slack else None,
        state=state,
    )
