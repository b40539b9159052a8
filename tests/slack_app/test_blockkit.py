"""The Block Kit builders: Slack's limits are respected where text goes in."""

from __future__ import annotations

import json

from slack_app import blockkit
from slack_app.mrkdwn import MAX_BLOCKS, MAX_SECTION_CHARS


def all_text(message: blockkit.Message) -> str:
    return json.dumps(message.to_kwargs())


def test_the_message_cap_keeps_the_last_block() -> None:
    many = [blockkit.section(str(i)) for i in range(80)] + [blockkit.context("last")]
    message = blockkit.message("t", many)
    assert len(message.blocks) == MAX_BLOCKS
    assert message.blocks[-1] == blockkit.context("last")
    assert "32 more not shown" in all_text(message)


def test_sections_are_truncated_with_an_ellipsis() -> None:
    block = blockkit.section("x" * 5000)
    assert len(block["text"]["text"]) == MAX_SECTION_CHARS and block["text"]["text"].endswith("…")
