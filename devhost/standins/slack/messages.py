"""What the Slack stand-in records, and how a recorded message reads to a person.

Kept apart from the stand-in's HTTP server because the readable rendering is used without any server: the demo
prints the conversation with it, the Slack client helpers read buttons and lines with it, and failing tests show
what the channel said.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SlackMessage:
    """One message-shaped call the app made: a Web API method or a `response_url` post."""

    method: str
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    text: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    response_type: str | None = None
    replace_original: bool = False  # what the app asked for
    delete_original: bool = False
    response_key: str | None = None
    # A response_url post: whose URL it was ("command": a slash command's, "interaction": a click's), and what Slack
    # did with the flags. Slack honours replace/delete_original on a click's response_url only; on a slash
    # command's, the post is a new ephemeral message (slackapi/bolt-js#2287, slackapi/bolt-python#1268).
    response_kind: str | None = None
    replaced: bool = False
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def blocks_to_text(blocks: list[dict[str, Any]]) -> list[str]:
    """Render Block Kit as the plain lines a person would read (buttons in [brackets])."""
    lines: list[str] = []

    def text_of(obj: Any) -> str:
        return str(obj.get("text", "")) if isinstance(obj, dict) else ""

    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            text = text_of(block.get("text"))
            if text:
                lines.extend(text.splitlines())
            lines.extend(text_of(f) for f in block.get("fields") or [])
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "button":
                lines.append(f"[{text_of(accessory.get('text'))}]")
        elif kind == "context":
            lines.append("  " + " ".join(text_of(e) for e in block.get("elements") or []))
        elif kind == "actions":
            buttons = [f"[{text_of(e.get('text'))}]" for e in block.get("elements") or [] if isinstance(e, dict)]
            lines.append(" ".join(buttons))
        elif kind == "divider":
            lines.append("-" * 20)
    return [line for line in lines if line is not None]


def _asked_in_vain(message: SlackMessage) -> bool:
    return (message.replace_original or message.delete_original) and not (message.replaced or message.deleted)


def describe(message: SlackMessage) -> str:
    """A readable, multi-line rendering of one recorded message (for the demo and for failing-test output)."""
    where = message.channel or "(response_url)"
    head = {
        "chat.postMessage": f"#{where} new message" + (" (thread reply)" if message.thread_ts else ""),
        "chat.update": f"#{where} message {message.ts} updated",
        "chat.postEphemeral": f"#{where} only visible to {message.user}",
        "response_url": "reply via response_url"
        + (" (replaces the original)" if message.replaced else "")
        + (" (deletes the original)" if message.deleted else "")
        + (" (a second message: a slash command's reply cannot be replaced)" if _asked_in_vain(message) else ""),
    }.get(message.method, f"{message.method} #{where}")
    body = blocks_to_text(message.blocks) or [message.text or ""]
    return "\n".join([head, *("  | " + line for line in body)])
