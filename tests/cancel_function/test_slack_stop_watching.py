"""The Stop watching button: it raises the watcher's stop event for an authorized clicker, says the cancel stands,
and never targets another instance. Driven over loopback HTTP through the registered function, with the real
DurableOrchestrationClient talking to the dev host's durable engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from backends.cpp.client import CppClient
from cppcancel.contracts import (
    STOP_WATCH_EVENT,
    WATCH_ORCHESTRATOR,
    Requester,
    WatchRequest,
    watch_instance_id,
)
from cppcancel.settings import get_settings
from cppcancel.targets import PublishTarget
from tests.cancel_function.clicks import cancel_instances, confirmation_value
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.cancel_function.local_host import LocalFunctions
from tests.conftest import ALICE, BOB, MALLORY

SetPolicy = Callable[[Any], None]


# ---- Stop watching -------------------------------------------------------------------------------------------------

OPERATION_URL = "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/op-1"


def running_publish_url() -> str:
    """The emulator's in-flight publish of the VM offer: a watcher of it keeps watching until it is stopped.

    (A watcher of OPERATION_URL, on an origin the token may not go to, ends at once; a click racing that end was
    answered "Nothing to stop" when the machine was busy.)"""
    client = CppClient.from_settings(get_settings())
    try:
        publish = next(op for op in client.list_operations("contoso", "contoso-vm-offer") if op.is_in_flight)
    finally:
        client.close()
    return f"{get_settings().cpp_base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/{publish.id}"


def start_watcher(host: LocalFunctions, publisher: str = "contoso", offer: str = "contoso-vm-offer") -> str:
    watch = WatchRequest(
        operation_url=running_publish_url(),
        target=PublishTarget(publisher, offer),
        requester=Requester(display="alice", user_id=ALICE),
        correlation_id="c1",
        started_at="2026-01-01T00:00:00Z",
    )
    return host.engine.start_new(WATCH_ORCHESTRATOR, watch.instance_id, json.dumps(watch.to_json()))


def stop_value(instance_id: str, publisher: str = "contoso", offer: str = "contoso-vm-offer") -> str:
    return json.dumps({"instanceId": instance_id, "publisherId": publisher, "offerId": offer})


def test_stop_watching_raises_the_stop_event_and_says_the_cancel_stands(
    slack: SlackDriver, local_host: LocalFunctions, audit_log: AuditLog
) -> None:
    instance_id = start_watcher(local_host)
    slack.click("stop_watching", stop_value(instance_id), user=BOB, key="stop")
    assert "Stopped watching contoso/contoso-vm-offer; the cancel itself is not undone." in (
        slack.only_response("stop").text or ""
    )
    assert local_host.events(instance_id, STOP_WATCH_EVENT) == [{"userId": BOB, "display": "u0bob"}]
    assert [r["outcome"] for r in audit_log.records() if r["command"] == "stop_watching"] == ["stopped"]


def test_stop_watching_is_refused_to_an_unauthorized_clicker(slack: SlackDriver, local_host: LocalFunctions) -> None:
    instance_id = start_watcher(local_host)
    slack.click("stop_watching", stop_value(instance_id), user=MALLORY, key="stop")
    assert "Missing permission: user/group." in (slack.only_response("stop").text or "")
    assert local_host.events(instance_id, STOP_WATCH_EVENT) == []


def test_stop_watching_a_finished_watch_says_there_is_nothing_to_stop(slack: SlackDriver) -> None:
    slack.click("stop_watching", stop_value(watch_instance_id(OPERATION_URL)), key="stop")
    assert "Nothing to stop" in (slack.only_response("stop").text or "")


def test_stop_watching_a_terminated_watch_says_there_is_nothing_to_stop(
    slack: SlackDriver, local_host: LocalFunctions
) -> None:
    instance_id = start_watcher(local_host)
    local_host.engine.terminate(instance_id, "test")
    slack.click("stop_watching", stop_value(instance_id), key="stop")
    assert "Nothing to stop" in (slack.only_response("stop").text or "")
    assert local_host.events(instance_id, STOP_WATCH_EVENT) == []


def test_stop_watching_a_watch_that_ends_meanwhile_says_there_is_nothing_to_stop(
    slack: SlackDriver, local_host: LocalFunctions, monkeypatch: pytest.MonkeyPatch, audit_log: AuditLog
) -> None:
    instance_id = start_watcher(local_host)

    def gone(*args: Any) -> None:
        raise Exception(f"Instance with ID {instance_id} is gone: either completed or failed")

    monkeypatch.setattr("durable_bridge.DurableBridge.raise_event", gone)
    slack.click("stop_watching", stop_value(instance_id), key="stop")
    assert "Nothing to stop" in (slack.only_response("stop").text or "")
    assert [r["outcome"] for r in audit_log.records() if r["command"] == "stop_watching"] == ["not_running"]


def test_stop_watching_checks_the_offer_the_watcher_really_follows(
    slack: SlackDriver, local_host: LocalFunctions, use_policy: SetPolicy
) -> None:
    instance_id = start_watcher(local_host, offer="contoso-saas-offer")
    use_policy({"rules": [{"publishers": ["contoso"], "offers": ["contoso-vm-offer"], "users": [ALICE]}]})
    slack.click("stop_watching", stop_value(instance_id, offer="contoso-vm-offer"), key="stop")
    assert "This button is no longer valid" in (slack.only_response("stop").text or "")
    assert local_host.events(instance_id, STOP_WATCH_EVENT) == []


def test_stop_watching_never_targets_a_non_watcher_instance(slack: SlackDriver, local_host: LocalFunctions) -> None:
    value = confirmation_value(slack)
    slack.click("confirm_cancel", value, key="confirm")
    (cancel,) = cancel_instances(local_host)
    slack.click("stop_watching", stop_value(cancel.instance_id), key="stop")
    assert "This button is no longer valid" in (slack.only_response("stop").text or "")


# ---- everything else --------------------------------------------------------------------------------------------
