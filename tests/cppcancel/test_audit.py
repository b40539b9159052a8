"""Audit records: one JSON line on `cppcancel.audit`, camelCase fields, secrets redacted whatever the caller passed."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel import audit
from cppcancel.audit import AUDIT_LOGGER, AuditRecord, emit, redact


def test_emit_writes_one_json_line(caplog: pytest.LogCaptureFixture) -> None:
    record = AuditRecord(
        source="slack",
        command="cancel",
        decision="allowed",
        outcome="requested",
        correlation_id="c1",
        who="U0ALICE",
        workspace="T1",
        channel="C1",
        publisher="contoso",
        offer="vm",
        cpp_status_code=202,
        operation_url="https://cloudpartner.azure.com/api/publishers/contoso/offers/vm/operations/1?api-version=2017-10-31",
    )
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        emit(record)
    (line,) = [r for r in caplog.records if r.name == AUDIT_LOGGER]
    assert line.levelno == logging.INFO and "\n" not in line.getMessage()
    data = json.loads(line.getMessage())
    assert data["event"] == "cppcancel.audit"
    assert (data["who"], data["cppStatusCode"], data["correlationId"]) == ("U0ALICE", 202, "c1")
    assert data["operationUrl"].endswith("operations/1?api-version=2017-10-31"), "ordinary URLs are kept"
    assert data["at"].endswith("Z")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("token xoxb-1234-5678-abcdefghijkl leaked", "xoxb-1234"),
        ("xoxp-1-2-3 and xapp-1-A1-123", "xoxp-1"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl", "eyJhbGciOiJSUzI1NiJ9"),
        ("sig v0=" + "a" * 64, "a" * 64),
        ("https://hooks.slack.com/actions/T1/123/abcdefSECRET", "abcdefSECRET"),
        ("http://127.0.0.1:1234/api/response/r1", "response/r1"),
        ("https://x.blob.core.windows.net/c?sv=1&sig=SECRETSIG&se=2", "SECRETSIG"),
        ("https://user:p4ss@host/path", "p4ss"),
        ("client_secret=hunter2&code=abc", "hunter2"),
    ],
)
def test_redact_removes_token_like_text(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert audit.REDACTED in cleaned


def test_every_string_field_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    record = AuditRecord(
        "slack", "ops", "none", "error", "c1", reason="boom with xoxb-secret-token", display="Bearer abcdef"
    )
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        clean = emit(record)
    assert "xoxb-secret" not in caplog.text and "abcdef" not in caplog.text
    assert clean.reason == "boom with [redacted]"


@given(st.text(max_size=200))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
