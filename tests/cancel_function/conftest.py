"""Fixtures of the cancel tests: the registered cancel orchestration and requests to feed it; for the Slack
endpoints, the loopback host, a signed-request driver, policies and the audit log; and the dev host as a
subprocess with the real orchestrations (`remote_slack`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cppcancel.audit import AUDIT_LOGGER
from cppcancel.contracts import CancelRequest, Requester, SlackTarget
from cppcancel.settings import reset_settings_cache
from cppcancel.targets import PublishTarget
from devhost.durable.replay import OrchestratorFn
from devhost.standins.slack import SlackMessage, SlackStandIn
from tests.cancel_function.local_host import LocalFunctions, ParkedOrchestrators
from tests.conftest import ALICE, CHANNEL, SIGNING_SECRET, TEAM, alice, app_settings
from tests.devhost.conftest import fetch, free_port
from tests.devhost.process import DevHostProcess
from tests.slack_app.helpers import Reply, block_actions_payload, command_body, interaction_body, signed_headers


class SlackDriver:
    """Plays Slack: signed commands and clicks over loopback HTTP; reads what the app posted to response_urls."""

    def __init__(self, host: LocalFunctions, standin: SlackStandIn) -> None:
        self.host = host
        self.standin = standin

    def command(
        self,
        text: str,
        *,
        user: str = ALICE,
        channel: str = CHANNEL,
        team: str = TEAM,
        command: str = "/cpp",
        secret: str = SIGNING_SECRET,
        timestamp: float | None = None,
        enterprise: str | None = None,
    ) -> Reply:
        body = command_body(
            text,
            user=user,
            channel=channel,
            team=team,
            command=command,
            response_url=self.standin.command_response_url("cmd"),
            enterprise=enterprise,
        )
        return self.host.post("slack/commands", body, signed_headers(body, secret=secret, timestamp=timestamp))

    def click(
        self,
        action_id: str,
        value: str | None,
        *,
        user: str = ALICE,
        channel: str = CHANNEL,
        team: str = TEAM,
        key: str = "r1",
        secret: str = SIGNING_SECRET,
        timestamp: float | None = None,
        enterprise: str | None = None,
    ) -> Reply:
        payload = block_actions_payload(
            action_id,
            value,
            user=user,
            channel=channel,
            team=team,
            response_url=self.standin.response_url(key),
            enterprise=enterprise,
        )
        body = interaction_body(payload)
        return self.host.post("slack/interactions", body, signed_headers(body, secret=secret, timestamp=timestamp))

    def responses(self, key: str = "r1") -> list[SlackMessage]:
        """What the app posted to the response_url `key` (posted before the click's HTTP answer)."""
        return [m for m in self.standin.messages if m.method == "response_url" and m.response_key == key]

    def last_response(self, key: str = "r1") -> SlackMessage:
        """Where the message behind `key` ended up (a later post with replace_original supersedes earlier ones)."""
        found = self.responses(key)
        assert found, f"nothing was posted to response_url {key!r}"
        return found[-1]

    def only_response(self, key: str = "r1") -> SlackMessage:
        found = self.responses(key)
        assert len(found) == 1, [m.to_json() for m in found]
        return found[0]


class RemoteHost:
    """The dev host subprocess, as SlackDriver's transport."""

    def __init__(self, process: DevHostProcess) -> None:
        self.process = process

    def post(self, route: str, body: bytes, headers: dict[str, str]) -> Reply:
        answer = fetch("POST", f"{self.process.origin}/api/{route}", body, headers, timeout=15)
        return Reply(answer.status, dict(answer.headers), answer.body)


@pytest.fixture
def remote_slack(tmp_path: Path, cpp_emulator: Any, slack_standin: SlackStandIn) -> Iterator[SlackDriver]:
    """The dev host as a subprocess (`function_app:app`, the real orchestrations), played by a SlackDriver."""
    process = DevHostProcess(
        app="function_app:app",
        port=free_port(),
        data_dir=tmp_path / "data",
        env=app_settings(cpp_emulator, slack_standin),
        log_path=tmp_path / "devhost.log",
    )
    process.start()
    try:
        driver = SlackDriver(RemoteHost(process), slack_standin)  # type: ignore[arg-type]
        # Warm the worker (its first request imports the Slack app): on a loaded machine a cold first command can use
        # up Slack's 3 s and be answered "Looking up…" - right, but not what the tests that use this host are about.
        assert driver.command("help").status == 200
        yield driver
    finally:
        process.stop()


@pytest.fixture(scope="session")
def cancel_fn(app_functions: dict[str, Any]) -> OrchestratorFn:
    """`cancel_orchestrator` exactly as the host indexed it (the SDK's handle around the generator)."""
    fn: OrchestratorFn = app_functions["cancel_orchestrator"].get_user_function()
    return fn


def cancel_request(
    offer_id: str = "contoso-vm-offer", *, slack: bool = True, response_url: str | None = None
) -> CancelRequest:
    return CancelRequest(
        request_id="req-1",
        source="slack" if slack else "webhook",
        target=PublishTarget("contoso", offer_id),
        requester=alice() if slack else Requester(display="release-pipeline", caller="release-pipeline"),
        correlation_id="corr-1",
        requested_at="2026-11-25T10:00:00Z",
        notification_emails=("jdoe@contoso.com",),
        slack=SlackTarget(CHANNEL, None, response_url) if slack else None,
    )


@pytest.fixture(scope="session")
def shared_host(app_functions: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFunctions]:
    """One loopback host per session: the functions read settings per request, so tests can share it."""
    host = LocalFunctions(app_functions, ParkedOrchestrators(), tmp_path_factory.mktemp("durable")).start()
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture
def local_host(shared_host: LocalFunctions, app_env: dict[str, str]) -> LocalFunctions:
    shared_host.reset()
    return shared_host


@pytest.fixture
def slack(local_host: LocalFunctions, slack_standin: SlackStandIn) -> SlackDriver:
    return SlackDriver(local_host, slack_standin)


@pytest.fixture
def use_policy(monkeypatch: pytest.MonkeyPatch, app_env: dict[str, str]) -> Callable[[Any], None]:
    """Replace CANCEL_POLICY for this test: a dict (inline JSON) or a raw string (a path, broken JSON...)."""

    def use(policy: Any) -> None:
        monkeypatch.setenv("CANCEL_POLICY", policy if isinstance(policy, str) else json.dumps(policy))
        reset_settings_cache()

    return use


class AuditLog:
    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(r.getMessage()) for r in self._caplog.records if r.name == AUDIT_LOGGER]

    def only(self) -> dict[str, Any]:
        found = self.records()
        assert len(found) == 1, found
        return found[0]

    def all_text(self) -> str:
        """Every log line captured (not only audit): for "no secret anywhere" checks."""
        return "\n".join(r.getMessage() for r in self._caplog.records)


@pytest.fixture
def audit_log(caplog: pytest.LogCaptureFixture) -> AuditLog:
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    caplog.set_level(logging.INFO)
    return AuditLog(caplog)
