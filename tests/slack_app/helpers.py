"""Slack's side of the wire, for tests: signed slash-command and block_actions bodies, and readable replies.

Signing is done here by hand with hmac (the client side, as Slack does it: `v0=` + HMAC-SHA256 of
`v0:{timestamp}:{body}`), so the app's own verification - Bolt's - is exercised against an independent signer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from devhost.standins.slack import blocks_to_text
from tests.conftest import ALICE, CHANNEL, SIGNING_SECRET, TEAM

FORM = "application/x-www-form-urlencoded"


def signature(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if timestamp is None else timestamp))
    return {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(body, stamp, secret),
    }


def command_body(
    text: str,
    *,
    user: str = ALICE,
    user_name: str | None = None,
    channel: str = CHANNEL,
    team: str = TEAM,
    command: str = "/cpp",
    response_url: str = "https://hooks.slack.com/commands/T0LOCAL/1/unused",
    enterprise: str | None = None,
) -> bytes:
    """The form body Slack POSTs for a slash command (on Enterprise Grid with `enterprise`: the org's fields too)."""
    form = {
        "token": "deprecated-verification-token",
        "team_id": team,
        "team_domain": "local",
        "channel_id": channel,
        "channel_name": "releases",
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0CPPCANCEL",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    if enterprise is not None:
        form |= {"enterprise_id": enterprise, "enterprise_name": "Contoso Org", "is_enterprise_install": "true"}
    return urlencode(form).encode("utf-8")


def block_actions_payload(
    action_id: str,
    value: str | None,
    *,
    user: str = ALICE,
    channel: str = CHANNEL,
    team: str = TEAM,
    response_url: str,
    block_id: str = "b1",
    enterprise: str | None = None,
) -> dict[str, Any]:
    """A `block_actions` payload for a click on an ephemeral message's button (no `message`, as Slack sends)."""
    now = f"{time.time():.6f}"
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0CPPCANCEL",
        "token": "deprecated-verification-token",
        "container": {"type": "message", "message_ts": now, "channel_id": channel, "is_ephemeral": True},
        "trigger_id": "1.2.3",
        "team": {"id": team, "domain": "local"},
        "enterprise": None if enterprise is None else {"id": enterprise, "name": "Contoso Org"},
        "is_enterprise_install": enterprise is not None,
        "channel": {"id": channel, "name": "releases"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": "button"},
                "value": value,
                "type": "button",
                "action_ts": now,
            }
        ],
    }


def interaction_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode("utf-8")


@dataclass
class Reply:
    """An HTTP answer from one of the app's endpoints."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        loaded = json.loads(self.body or b"{}")
        assert isinstance(loaded, dict), loaded
        return loaded

    @property
    def text(self) -> str:
        return str(self.json.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.json.get("blocks") or [])

    def readable(self) -> str:
        return "\n".join(blocks_to_text(self.blocks))

    def button(self, action_id: str) -> dict[str, Any]:
        return find_button(self.blocks, action_id)

    def buttons(self) -> list[dict[str, Any]]:
        """Every button of the reply, in order (in actions blocks and as section accessories)."""
        found = []
        for block in self.blocks:
            elements = [*(block.get("elements") or []), *([block["accessory"]] if block.get("accessory") else [])]
            found.extend(e for e in elements if isinstance(e, dict) and e.get("type") == "button")
        return found


def find_button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for block in blocks:
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no button {action_id!r} in {json.dumps(blocks)[:2000]}")


def has_button(blocks: list[dict[str, Any]], action_id: str) -> bool:
    try:
        find_button(blocks, action_id)
    except AssertionError:
        return False
    return True


def check_dialog(dialog: dict[str, Any]) -> None:
    """Slack's confirmation dialog object: all four fields plain_text (text at most 300), no mrkdwn markup."""
    for field, limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
        assert dialog[field]["type"] == "plain_text", field
        assert 0 < len(dialog[field]["text"]) <= limit, field
    assert not any(mark in dialog["text"]["text"] for mark in ("*", "`", "<@", "&lt;")), dialog["text"]["text"]
