"""The Block Kit builders every Slack message of the app is made of, and the one message type (pure).

Each builder enforces Slack's limits where the text goes in (api.slack.com/reference/block-kit: section text 3000
characters, header 150, button label 75, 50 blocks a message), cutting with an ellipsis rather than letting Slack
refuse the message. `message()` caps the block count and the fallback; every message carries a plain `text`
fallback (notifications, screen readers, old clients).

The watcher's progress message travels in orchestration histories (the `update_slack` activity's input), which an
orchestration replays after a deploy: the builders therefore write every key in one fixed order, and a change here
is a change of that wire format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slack_app.mrkdwn import ELLIPSIS, MAX_BLOCKS, MAX_HEADER_CHARS, MAX_SECTION_CHARS, truncate

Block = dict[str, Any]

MAX_BUTTON_TEXT = 75
MAX_FALLBACK_CHARS = 3000
MAX_DIALOG_TEXT = 300


@dataclass(frozen=True)
class Message:
    """A message body: the fallback `text`, its `blocks` and - for a message the watcher keeps up to date - the
    digest of the news it carries (equal digests: Slack need not be called)."""

    text: str
    blocks: tuple[Block, ...]
    digest: str = ""

    def to_kwargs(self) -> dict[str, Any]:
        """For `ack(**...)`, `respond(**...)`, `chat_postMessage(**...)`."""
        return {"text": self.text, "blocks": list(self.blocks)}


def plain(text: str, limit: int, *, emoji: bool = True) -> Block:
    """A plain_text object (labels, headers, dialog titles)."""
    element: Block = {"type": "plain_text", "text": truncate(text, limit)}
    if emoji:
        element["emoji"] = True
    return element


def mrkdwn_text(text: str, limit: int = MAX_SECTION_CHARS) -> Block:
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn_text(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_CHARS)}


def context(*parts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn_text(part) for part in parts]}


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def confirm_dialog(
    title: str, text: str, confirm: str, deny: str, *, style: str | None = None, emoji: bool = True
) -> Block:
    """Slack's "Are you sure?" dialog on a button: title (100 characters), text (300), the two labels (30).

    All four are plain_text: Slack's current Block Kit reference for the confirmation dialog object allows nothing
    else (mrkdwn there is an old leniency, not the contract), so `text` must not carry `*bold*` or `<@U…>` markup.
    """
    dialog: Block = {
        "title": plain(title, 100, emoji=emoji),
        "text": plain(text, MAX_DIALOG_TEXT, emoji=emoji),
        "confirm": plain(confirm, 30, emoji=emoji),
        "deny": plain(deny, 30, emoji=emoji),
    }
    if style is not None:
        dialog["style"] = style
    return dialog


def button(label: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None) -> Block:
    element: Block = {"type": "button", "action_id": action_id, "text": plain(label, MAX_BUTTON_TEXT)}
    if style is not None:
        element["style"] = style
    element["value"] = value
    if confirm is not None:
        element["confirm"] = confirm
    return element


def message(text: str, blocks: Iterable[Block], *, digest: str = "") -> Message:
    """Cap the block count (keeping the last block, usually the context/actions) and the fallback length."""
    items = list(blocks)
    if len(items) > MAX_BLOCKS:
        hidden = len(items) - (MAX_BLOCKS - 1)
        items = [*items[: MAX_BLOCKS - 2], context(f"{ELLIPSIS} {hidden} more not shown."), items[-1]]
    return Message(truncate(text, MAX_FALLBACK_CHARS), tuple(items), digest)
