"""Play Slack's side of the conversation: signed slash commands and button clicks, sent over real HTTP.

Requests are built the way Slack builds them (form fields of a slash command; a `block_actions` payload for a
click, with the clicker in `user` and the button's `value` returned verbatim) and signed with slack_sdk's own
signer, so the app's verification is exercised exactly as in production. Used by `python -m devhost slash`, the
demo and the end-to-end tests.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from devhost.functions.loader import REPO_ROOT
from devhost.functions.settings import find_local_settings, read_local_settings, stored_signing_secret
from devhost.standins.slack.messages import blocks_to_text

TEAM_ID = "T0LOCAL"
APP_ID = "A0DEVHOST"
COMMANDS_ROUTE = "slack/commands"
INTERACTIONS_ROUTE = "slack/interactions"
HTTP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Button:
    action_id: str
    value: str | None
    block_id: str | None
    text: str
    style: str | None = None


@dataclass
class SlackReply:
    """What the app answered in the HTTP response body (Bolt's ack), parsed tolerantly."""

    status: int
    raw: bytes
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, status: int, raw: bytes) -> SlackReply:
        payload: dict[str, Any] = {}
        text = raw.decode("utf-8", errors="replace").strip()
        if text:
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = {"text": text}
            payload = loaded if isinstance(loaded, dict) else {"text": str(loaded)}
        return cls(status, raw, payload)

    @property
    def text(self) -> str:
        return str(self.payload.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.payload.get("blocks")
        return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []

    @property
    def in_channel(self) -> bool:
        return self.payload.get("response_type") == "in_channel"

    def lines(self) -> list[str]:
        """As a person reads it: the blocks (buttons in [brackets]), else the fallback text."""
        return blocks_to_text(self.blocks) or [line for line in self.text.splitlines() if line] or ["(empty reply)"]

    def readable(self) -> str:
        return "\n".join(self.lines())

    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for block in self.blocks:
            elements = list(block.get("elements") or [])
            if isinstance(block.get("accessory"), dict):
                elements.append(block["accessory"])
            for element in elements:
                if isinstance(element, dict) and element.get("type") == "button" and element.get("action_id"):
                    label = element.get("text")
                    found.append(
                        Button(
                            action_id=str(element["action_id"]),
                            value=element.get("value"),
                            block_id=block.get("block_id"),
                            text=str(label.get("text", "")) if isinstance(label, dict) else "",
                            style=element.get("style"),
                        )
                    )
        return found

    def button(self, action_id: str) -> Button | None:
        return next((b for b in self.buttons() if b.action_id == action_id), None)


class SlackClient:
    """Sends what Slack would send to the app at `base_url` (the dev host's origin)."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        route_prefix: str = "api",
        team_id: str = TEAM_ID,
        channel_name: str = "releases",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = SignatureVerifier(signing_secret)
        self._prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
        self.team_id = team_id
        self.channel_name = channel_name

    def url(self, route: str) -> str:
        return f"{self.base_url}{self._prefix}/{route}"

    def command(self, command_line: str, *, user: str, channel: str, response_url: str) -> SlackReply:
        command, _, text = command_line.strip().partition(" ")
        form = {
            "token": "devhost-deprecated-verification-token",
            "team_id": self.team_id,
            "team_domain": "local",
            "channel_id": channel,
            "channel_name": self.channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text.strip(),
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(8)}",
        }
        return self._post(COMMANDS_ROUTE, urlencode(form).encode("utf-8"))

    def click(
        self,
        button: Button,
        *,
        user: str,
        channel: str,
        response_url: str,
        reply: SlackReply | None = None,
        message_ts: str | None = None,
    ) -> SlackReply:
        """A `block_actions` click on `button` of the message `reply` (ephemeral unless it was posted in channel)."""
        now = time.time()
        ts = message_ts or f"{now:.6f}"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "devhost-deprecated-verification-token",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": not (reply is not None and reply.in_channel),
            },
            "trigger_id": f"{int(now)}.{secrets.randbelow(10**9)}.{secrets.token_hex(8)}",
            "team": {"id": self.team_id, "domain": "local"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": self.channel_name},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": button.action_id,
                    "block_id": button.block_id,
                    "text": {"type": "plain_text", "text": button.text, "emoji": True},
                    "value": button.value,
                    "type": "button",
                    "action_ts": f"{now:.6f}",
                    **({"style": button.style} if button.style else {}),
                }
            ],
        }
        if reply is not None and reply.in_channel:
            payload["message"] = {"type": "message", "ts": ts, "text": reply.text, "blocks": reply.blocks}
        return self._post(INTERACTIONS_ROUTE, urlencode({"payload": json.dumps(payload)}).encode("utf-8"))

    def _post(self, route: str, body: bytes) -> SlackReply:
        timestamp = str(int(time.time()))
        signature = self._signer.generate_signature(timestamp=timestamp, body=body) or ""
        request = urllib.request.Request(  # noqa: S310 - the URL is the dev host the user pointed us at
            self.url(route),
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
                return SlackReply.parse(response.status, response.read())
        except urllib.error.HTTPError as error:
            return SlackReply.parse(error.code, error.read())


# ---- `python -m devhost slash` ------------------------------------------------------------------------------
def resolve_signing_secret(explicit: str | None, data_dir: Path) -> str | None:
    """--signing-secret, then the environment, then local.settings.json, then the secret a dev host generated."""
    if explicit:
        return explicit
    if os.environ.get("SLACK_SIGNING_SECRET", "").strip():
        return os.environ["SLACK_SIGNING_SECRET"].strip()
    path = find_local_settings([Path.cwd(), REPO_ROOT])
    if path is not None:
        value = read_local_settings(path)[0].get("SLACK_SIGNING_SECRET", "").strip()
        if value:
            return value
    return stored_signing_secret(data_dir)


def _devhost_info(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/admin/devhost/info", timeout=5) as response:  # noqa: S310
            info = json.loads(response.read())
            return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def run_slash(
    command_line: str,
    *,
    user: str,
    url: str,
    channel: str,
    signing_secret: str | None,
    data_dir: Path,
    click: str | None = None,
) -> int:
    secret = resolve_signing_secret(signing_secret, data_dir)
    if not secret:
        print(
            "No signing secret: pass --signing-secret, set SLACK_SIGNING_SECRET, put it in local.settings.json, "
            f"or start the dev host with --data-dir {data_dir} first (it generates one there).",
            file=sys.stderr,
        )
        return 2
    info = _devhost_info(url)
    standin = info.get("slackStandIn")
    key = secrets.token_hex(4)
    # Like Slack's own, a slash command's response_url differs from a click's (whose post may replace the message).
    response_url = f"{standin}commands/slash-{key}" if standin else "https://hooks.slack.com/commands/T0LOCAL/0/devhost"
    click_url = f"{standin}response/click-{key}" if standin else "https://hooks.slack.com/actions/T0LOCAL/0/devhost"
    client = SlackClient(url, secret)
    print(f"{user}: {command_line}")
    try:
        reply = client.command(command_line, user=user, channel=channel, response_url=response_url)
    except OSError as exc:
        print(f"could not reach the dev host at {url}: {exc}", file=sys.stderr)
        return 1
    _print_reply(reply)
    if reply.status != 200:
        return 1
    if click:
        button = reply.button(click)
        if button is None:
            print(f"the reply has no button with action_id {click!r}", file=sys.stderr)
            return 1
        print(f'{user} clicks "{button.text}"')
        answer = client.click(button, user=user, channel=channel, response_url=click_url, reply=reply)
        _print_reply(answer)
        if answer.status != 200:
            return 1
        print("(what the app posts to the channel appears in the dev host's console)")
    return 0


def _print_reply(reply: SlackReply) -> None:
    kind = "in channel" if reply.in_channel else "only visible to you"
    print(f"  HTTP {reply.status} - reply ({kind}):")
    for line in reply.lines():
        print(f"  | {line}")
    for button in reply.buttons():
        print(f"  button [{button.text}] action_id={button.action_id}")
