"""The pure core stays pure: importing it pulls in no Slack SDK, no Azure, no HTTP client (cold start, testability)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PURE = [
    "cppcancel.policy",
    "cppcancel.audit",
    "cppcancel.webhook_request",
    "cppcancel.http_errors",
    "cppcancel.offer_apis",
    "slack_app.grammar",
    "slack_app.replies",
    "slack_app.blockkit",
    "slack_app.operation_text",
    "slack_app.advice",
    "slack_app.payload",
    "slack_app.actions",
    "slack_app.mrkdwn",
    "slack_app.progress",
    "slack_app.deadline",
    "slack_app.later",
]
FORBIDDEN = ("slack_bolt", "slack_sdk", "azure", "requests", "aiohttp")


def test_pure_modules_import_no_framework() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {PURE!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
