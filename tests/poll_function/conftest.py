"""Fixtures of the orchestration tests: the registered orchestrators and activities, and requests to feed them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cppcancel.contracts import CancelRequest, Requester, SlackTarget, WatchRequest
from devhost.replay import OrchestratorFn
from tests.conftest import ALICE, CHANNEL, TEAM
from tests.poll_function.operations import OPERATION_URL

MESSAGE_TS = "1700000000.000001"


@pytest.fixture(scope="session")
def watch_fn(app_functions: dict[str, Any]) -> OrchestratorFn:
    """`watch_operation` exactly as the host indexed it (the SDK's handle around the generator)."""
    fn: OrchestratorFn = app_functions["watch_operation"].get_user_function()
    return fn


@pytest.fixture(scope="session")
def cancel_fn(app_functions: dict[str, Any]) -> OrchestratorFn:
    fn: OrchestratorFn = app_functions["cancel_orchestrator"].get_user_function()
    return fn


@pytest.fixture(scope="session")
def activity(app_functions: dict[str, Any]) -> Callable[[str], Callable[..., Any]]:
    """The registered activity functions by name, called as the worker would (keyword `payload`)."""

    def get(name: str) -> Callable[..., Any]:
        fn: Callable[..., Any] = app_functions[name].get_user_function()
        return fn

    return get


def alice() -> Requester:
    return Requester(display="alice", user_id=ALICE, team_id=TEAM)


def watch_request(
    *, started_at: str = "2026-11-25T10:00:00Z", slack: bool = True, url: str = OPERATION_URL, **state: Any
) -> WatchRequest:
    return WatchRequest(
        operation_url=url,
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requester=alice(),
        correlation_id="corr-1",
        started_at=started_at,
        slack=SlackTarget(CHANNEL, MESSAGE_TS, None) if slack else None,
        state=state,
    )


def cancel_request(
    offer_id: str = "contoso-vm-offer", *, slack: bool = True, response_url: str | None = None
) -> CancelRequest:
    return CancelRequest(
        request_id="req-1",
        source="slack" if slack else "webhook",
        publisher_id="contoso",
        offer_id=offer_id,
        requester=alice() if slack else Requester(display="release-pipeline", caller="release-pipeline"),
        correlation_id="corr-1",
        requested_at="2026-11-25T10:00:00Z",
        notification_emails=("jdoe@contoso.com",),
        slack=SlackTarget(CHANNEL, None, response_url) if slack else None,
    )
