"""Slack's side, played locally: its Web API and `response_url`s (the stand-in), and its signed requests (the client).

- server.py: `SlackStandIn`, the Web API methods the app calls and the two kinds of `response_url`, over loopback.
- messages.py: what the stand-in records (`SlackMessage`) and how a recorded message reads to a person.
- faults.py: `SlackFault`, how the stand-in misbehaves (429 with Retry-After, 5xx, Slack error codes, held calls).
- client.py: Slack's requests to the app: signed slash commands and button clicks (`python -m devhost slash`).
"""

from devhost.standins.slack.faults import SlackFault
from devhost.standins.slack.messages import SlackMessage, blocks_to_text, describe
from devhost.standins.slack.server import SlackStandIn

__all__ = ["SlackFault", "SlackMessage", "SlackStandIn", "blocks_to_text", "describe"]
