"""Every request's Slack signature is verified by Bolt (5-minute window, constant-time compare): anything unsigned,
mis-signed or stale gets 401 and has no side effect - no Partner Portal call, no orchestration, no Slack post,
no audit record. Oversized bodies are refused before parsing; a missing signing secret refuses everything."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import azure.functions as func
import pytest

from cppcancel.settings import reset_settings_cache
from devhost.functions import event_loop
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.cancel_function.local_host import LocalFunctions
from tests.conftest import SIGNING_SECRET
from tests.slack_app.helpers import (
    FORM,
    block_actions_payload,
    command_body,
    interaction_body,
    signature,
    signed_headers,
)

ROUTES = ["slack/commands", "slack/interactions"]


def no_side_effect(slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog) -> None:
    assert cpp_emulator.requests == []
    assert slack.host.instances() == []
    assert slack.standin.messages == []
    assert audit_log.records() == []


def confirm_body(slack: SlackDriver) -> bytes:
    value = json.dumps({"rid": "a" * 32, "p": "contoso", "o": "contoso-vm-offer", "n": []})
    return interaction_body(block_actions_payload("confirm_cancel", value, response_url=slack.standin.response_url()))


def body_for(route: str, slack: SlackDriver) -> bytes:
    return command_body("cancel contoso contoso-vm-offer") if route == "slack/commands" else confirm_body(slack)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed_headers(body, secret="not-the-secret"),
        lambda body: signed_headers(body, timestamp=time.time() - 6 * 60),
        lambda body: signed_headers(body, timestamp=time.time() + 6 * 60),
        lambda body: {**signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64},
        lambda body: {"Content-Type": FORM},
        lambda body: {k: v for k, v in signed_headers(body).items() if k != "X-Slack-Request-Timestamp"},
        lambda body: {**signed_headers(body), "X-Slack-Request-Timestamp": "not-a-number"},
        lambda body: {**signed_headers(body), "X-Slack-Request-Timestamp": "\u00b2"},  # isdigit() says yes; int() no
    ],
    ids=[
        "wrong-secret",
        "stale",
        "future",
        "bad-signature",
        "no-headers",
        "no-timestamp",
        "junk-timestamp",
        "superscript-digit-timestamp",
    ],
)
def test_unsigned_or_stale_requests_get_401_and_change_nothing(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog, route: str, headers: Any
) -> None:
    body = body_for(route, slack)
    reply = slack.host.post(route, body, headers(body))
    assert reply.status == 401
    no_side_effect(slack, cpp_emulator, audit_log)


@pytest.mark.parametrize("route", ROUTES)
def test_a_body_altered_after_signing_gets_401(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog, route: str
) -> None:
    body = body_for(route, slack)
    headers = signed_headers(body)
    reply = slack.host.post(route, body.replace(b"contoso", b"contosx", 1), headers)
    assert reply.status == 401
    no_side_effect(slack, cpp_emulator, audit_log)


def test_a_signature_inside_the_window_is_accepted(slack: SlackDriver) -> None:
    reply = slack.command("help", timestamp=time.time() - 4 * 60)
    assert reply.status == 200 and "/cpp cancel" in reply.readable()


@pytest.mark.parametrize("route", ROUTES)
def test_oversized_bodies_get_413_without_dispatching(
    slack: SlackDriver, cpp_emulator: Any, audit_log: AuditLog, route: str
) -> None:
    body = command_body("help " + "x" * 70_000)
    reply = slack.host.post(route, body, signed_headers(body))
    assert reply.status == 413
    assert reply.json == {"error": {"code": "body_too_large", "message": "request body too large"}}
    no_side_effect(slack, cpp_emulator, audit_log)


def test_an_unparseable_payload_is_401_unless_slack_signed_it(slack: SlackDriver, audit_log: AuditLog) -> None:
    body = b"payload=%7Bnot-json"
    assert slack.host.post("slack/interactions", body, {"Content-Type": FORM}).status == 401
    assert slack.host.post("slack/interactions", body, signed_headers(body)).status == 400
    assert audit_log.records() == []


def test_bolt_internal_headers_from_outside_are_ignored(slack: SlackDriver) -> None:
    """`X-Slack-Bolt-Lazy-Only` is Bolt plumbing and unsigned: a caller must not be able to skip the listener."""
    body = command_body("help")
    headers = {**signed_headers(body), "X-Slack-Bolt-Lazy-Only": "1", "X-Slack-Bolt-Lazy-Function-Name": "x"}
    reply = slack.host.post("slack/commands", body, headers)
    assert reply.status == 200 and "/cpp cancel" in reply.readable()


def test_ssl_check_is_answered_only_when_signed(slack: SlackDriver, audit_log: AuditLog) -> None:
    body = b"ssl_check=1&token=deprecated"
    assert slack.host.post("slack/commands", body, {"Content-Type": FORM}).status == 401
    reply = slack.host.post("slack/commands", body, signed_headers(body))
    assert (reply.status, reply.body) == (200, b"")
    assert audit_log.records() == []


def test_without_a_signing_secret_every_request_is_refused(
    slack: SlackDriver,
    monkeypatch: pytest.MonkeyPatch,
    cpp_emulator: Any,
    audit_log: AuditLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    reset_settings_cache()
    with caplog.at_level(logging.ERROR):
        reply = slack.command("ops contoso contoso-vm-offer")  # signed with the test secret: still refused
    assert reply.status == 401
    assert "SLACK_SIGNING_SECRET is not set: every Slack request is refused" in caplog.text
    no_side_effect(slack, cpp_emulator, audit_log)


def test_without_a_bot_token_requests_get_503(slack: SlackDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    reset_settings_cache()
    assert slack.command("help").status == 503


def test_unusable_settings_get_503(slack: SlackDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLL_INITIAL_INTERVAL_S", "soon")
    reset_settings_cache()
    reply = slack.command("help")
    assert reply.status == 503 and reply.json == {
        "error": {"code": "not_configured", "message": "the app is not configured"}
    }


def test_the_registered_function_takes_a_plain_http_request_and_the_client_binding(
    app_functions: dict[str, Any], local_host: LocalFunctions
) -> None:
    """The same path without the socket: the decorated user function, a real func.HttpRequest, the binding JSON."""
    handler = app_functions["slack_commands"].get_user_function()
    body = command_body("help")
    stamp = str(int(time.time()))
    request = func.HttpRequest(
        "POST",
        "http://localhost/api/slack/commands",
        headers={"x-slack-request-timestamp": stamp, "x-slack-signature": signature(body, stamp, SIGNING_SECRET)},
        body=body,
    )
    response = event_loop.submit(handler(req=request, client=local_host.binding_json())).result(30)
    assert response.status_code == 200
    assert "/cpp cancel" in json.loads(response.get_body())["text"] + json.dumps(json.loads(response.get_body()))
