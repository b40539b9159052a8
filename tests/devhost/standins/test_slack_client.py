"""The client side of Slack: requests signed as Slack signs them, payloads shaped as Slack sends them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from devhost.standins.slack.client import SlackClient, SlackReply

SECRET = "client-test-secret"
REPLY = {
    "response_type": "ephemeral",
    "text": "Cancel?",
    "blocks": [
        {"type": "section", "block_id": "q", "text": {"type": "mrkdwn", "text": "*Cancel* it?"}},
        {
            "type": "actions",
            "block_id": "buttons",
            "elements": [
                {"type": "button", "action_id": "confirm_cancel", "value": "ticket-1", "text": {"text": "Confirm"}},
                {"type": "button", "action_id": "abort_cancel", "value": "x", "text": {"text": "Never mind"}},
            ],
        },
        {
            "type": "section",
            "block_id": "more",
            "text": {"type": "mrkdwn", "text": "or"},
            "accessory": {"type": "button", "action_id": "open", "text": {"text": "Open"}},
        },
    ],
}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []


@pytest.fixture
def slack_app() -> Iterator[tuple[str, Recorder]]:
    """A stand-in for the app: records what arrives and answers with REPLY."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            recorder.requests.append((self.path, dict(self.headers.items()), body))
            data = json.dumps(REPLY).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    server.shutdown()
    server.server_close()


def _verified(headers: dict[str, str], body: bytes) -> bool:
    return SignatureVerifier(SECRET).is_valid(
        body=body, timestamp=headers["X-Slack-Request-Timestamp"], signature=headers["X-Slack-Signature"]
    )


def test_a_slash_command_is_a_signed_form_post(slack_app: tuple[str, Recorder]) -> None:
    url, recorder = slack_app
    reply = SlackClient(url, SECRET).command(
        "/cpp cancel contoso vm", user="U0ALICE", channel="C1", response_url="http://r/1"
    )
    [(path, headers, body)] = recorder.requests
    assert path == "/api/slack/commands"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert _verified(headers, body)
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert (form["command"], form["text"], form["user_id"], form["channel_id"]) == (
        "/cpp",
        "cancel contoso vm",
        "U0ALICE",
        "C1",
    )
    assert form["response_url"] == "http://r/1" and form["team_id"] == "T0LOCAL" and form["trigger_id"]
    assert reply.status == 200 and reply.text == "Cancel?"


def test_a_click_sends_block_actions_with_the_value_verbatim(slack_app: tuple[str, Recorder]) -> None:
    url, recorder = slack_app
    client = SlackClient(url, SECRET)
    reply = client.command("/cpp cancel contoso vm", user="U0ALICE", channel="C1", response_url="http://r/1")
    button = reply.button("confirm_cancel")
    assert button is not None
    client.click(button, user="U0BOB", channel="C1", response_url="http://r/2", reply=reply)
    path, headers, body = recorder.requests[-1]
    assert path == "/api/slack/interactions" and _verified(headers, body)
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB"  # who clicked, not who asked
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "confirm_cancel",
        "buttons",
        "ticket-1",
        "button",
    )
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    assert payload["response_url"] == "http://r/2" and payload["channel"]["id"] == "C1"


def test_replies_are_read_tolerantly() -> None:
    reply = SlackReply.parse(200, json.dumps(REPLY).encode())
    assert [b.action_id for b in reply.buttons()] == ["confirm_cancel", "abort_cancel", "open"]
    assert reply.lines()[0] == "*Cancel* it?" and "[Confirm] [Never mind]" in reply.lines()
    assert SlackReply.parse(200, b"").lines() == ["(empty reply)"]
    assert SlackReply.parse(200, b"plain words").text == "plain words"
    assert SlackReply.parse(401, b'["odd"]').text == "['odd']"
