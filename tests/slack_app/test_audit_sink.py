"""The audit sink: the log line always, the channel copy when configured, and never a broken or slow flow."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from slack_sdk import WebClient

from cppcancel.audit import AUDIT_LOGGER, AuditRecord
from devhost.standins.slack import SlackFault, SlackStandIn
from slack_app.audit_sink import AuditSink
from tests.conftest import BOT_TOKEN

RECORD = AuditRecord("slack", "ops", "refused", "refused", "ref1", who="U0MALLORY", publisher="contoso", offer="o")


def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=standin.base_url, timeout=2)


def test_without_a_channel_only_the_log_line_is_written(
    slack_standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        AuditSink(None, client(slack_standin)).record(RECORD)
    assert json.loads(caplog.records[0].getMessage())["who"] == "U0MALLORY"
    assert slack_standin.messages == []


def test_with_a_channel_the_record_is_posted(slack_standin: SlackStandIn) -> None:
    AuditSink("C0AUDIT", client(slack_standin)).record(RECORD)
    (post,) = slack_standin.wait_for(lambda ms: len(ms) >= 1)
    assert post.channel == "C0AUDIT"
    assert "`ops` by <@U0MALLORY> on `contoso/o`: refused" in json.dumps(post.blocks)


def test_a_failed_post_is_logged_and_ignored(slack_standin: SlackStandIn, caplog: pytest.LogCaptureFixture) -> None:
    slack_standin.add_fault(SlackFault(method="chat.postMessage", status=200, error="channel_not_found"))
    with caplog.at_level(logging.WARNING):
        AuditSink("C0AUDIT", client(slack_standin), wait_s=2).record(RECORD)
    assert "could not post the audit record (ref ref1)" in caplog.text


def test_a_slow_post_does_not_hold_the_caller(slack_standin: SlackStandIn) -> None:
    class Slow(WebClient):
        def chat_postMessage(self, **kwargs: Any) -> Any:  # type: ignore[override]
            time.sleep(2)

    started = time.monotonic()
    AuditSink("C0AUDIT", Slow(token=BOT_TOKEN), wait_s=0.2).record(RECORD)
    assert time.monotonic() - started < 1
