"""The app's answers as Adaptive Cards: the same messages Slack gets, in the form Teams shows (pure).

Every answer - help, ops, status, history, the confirmation, refusals, the watcher's progress - is first rendered
once, as the Slack front end renders it (`slack_app.replies`, `slack_app.progress`: Block Kit), so both chats say
the same words from the same decisions; `to_card` turns that message into an Adaptive Card 1.5:

- sections, headers and context lines become wrapped TextBlocks (context lines small and subtle), dividers a
  separator; Slack's mrkdwn becomes the Markdown subset Adaptive Cards read (`*bold*` -> `**bold**`, `<url|label>`
  -> `[label](url)`, `<!date^…|fallback>` -> its UTC fallback, `<@id>` -> the person's name where the turn knows it,
  `:emoji:` codes the app uses -> their characters, inline code -> its text, Slack's `&amp;`/`&lt;`/`&gt;` undone);
- a button becomes what `buttons` maps its `action_id` to (an `Action.Execute` with the button's own value as
  data - the value Slack's listeners validate, validated again here), a URL button an `Action.OpenUrl`; a button
  nothing maps is left out: no card shows a control that does nothing.

`confirm_cards` builds the confirmation in its two versions (the package docstring: the one everyone sees has no
buttons and a `refresh`; the asker's, after the refresh, has Confirm). Cards are plain JSON dicts; the SDK takes
them through `AdaptiveCard.model_validate` where it needs its own type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from cppcancel.chat_ids import SLACK_CHANNEL_RE
from slack_app.blockkit import Message

Card = dict[str, Any]
ButtonMap = Mapping[str, Callable[[Mapping[str, Any]], Card | None]]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
MAX_USER_IDS = 60  # refresh.userIds: at most 60 (Universal Actions)

_EMOJI = {
    "white_check_mark": "✅",
    "x": "❌",
    "warning": "⚠️",
    "no_entry": "⛔",
    "hourglass_flowing_sand": "⏳",
    "arrow_right_hook": "↪️",
    "octagonal_sign": "🛑",
    "eyes": "👀",
    "mag": "🔍",
    "information_source": "ℹ️",
    "heavy_check_mark": "✔️",
    "stopwatch": "⏱️",
    "bell": "🔔",
    "no_bell": "🔕",
    "large_green_circle": "🟢",
    "red_circle": "🔴",
    "black_square_for_stop": "⏹️",
}
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_MENTION = re.compile(r"<@([A-Za-z0-9-]+)>")
_CHANNEL = re.compile(r"<#([^|>]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_CODE = re.compile(r"`([^`\n]+)`")


def markdown(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as Adaptive Card Markdown (see the module docstring). `names`: user ID -> display name."""
    names = names or {}
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _MENTION.sub(lambda m: names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(_channel, text)
    text = _BOLD.sub(lambda m: f"**{m.group(1)}**", text)
    text = _EMOJI_CODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)
    text = _CODE.sub(lambda m: m.group(1), text)  # Adaptive Card Markdown has no inline code
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _channel(found: re.Match[str]) -> str:
    """A channel reference: its label; a Slack channel's ID (a record of a Slack cancel) as such; a Teams channel's
    ID (a Teams caller's own channel) as the channel the card is in."""
    if found.group(2):
        return found.group(2)
    return "a Slack channel" if SLACK_CHANNEL_RE.match(found.group(1)) else "this channel"


def teams_words(message: Message) -> Message:
    """Slack's answer as said in Teams: the command is `@cpp …`, not `/cpp …`, and the chat is Teams."""
    swap = {"/cpp ": "@cpp ", "from Slack": "from Microsoft Teams"}

    def said(text: str) -> str:
        for old, new in swap.items():
            text = text.replace(old, new)
        return text

    def block(value: object) -> object:
        if isinstance(value, str):
            return said(value)
        if isinstance(value, dict):
            return {k: (v if k in ("value", "action_id", "url") else block(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [block(v) for v in value]
        return value

    return Message(said(message.text), tuple(block(b) for b in message.blocks), message.digest)  # type: ignore[misc]


def text_block(text: str, **style: Any) -> Card:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _text_of(element: object) -> str:
    return str(element.get("text") or "") if isinstance(element, Mapping) else ""


def _button(element: Mapping[str, Any], buttons: ButtonMap) -> Card | None:
    if element.get("type") != "button":
        return None
    label = _text_of(element.get("text"))
    url = element.get("url")
    if isinstance(url, str) and url.startswith("https://"):
        return {"type": "Action.OpenUrl", "title": label, "url": url}
    make = buttons.get(str(element.get("action_id") or ""))
    return make(element) if make is not None else None


def execute(verb: str, title: str, data: Mapping[str, Any], *, destructive: bool = False) -> Card:
    """An `Action.Execute` (answered inline by the bot, for whoever clicked)."""
    action: Card = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data)}
    if destructive:
        action["style"] = "destructive"
    return action


def value_button(verb: str) -> Callable[[Mapping[str, Any]], Card]:
    """A Slack button as an `Action.Execute` of `verb` carrying the button's own value."""

    def make(element: Mapping[str, Any]) -> Card:
        style = element.get("style") == "danger"
        return execute(verb, _text_of(element.get("text")), {"value": element.get("value")}, destructive=style)

    return make


def to_card(message: Message, *, names: Mapping[str, str] | None = None, buttons: ButtonMap | None = None) -> Card:
    """The Adaptive Card of a Slack-rendered message (see the module docstring)."""
    body: list[Card] = []
    actions: list[Card] = []
    separate = False
    for block in message.blocks:
        kind = block.get("type")
        new: list[Card] = []
        if kind == "header":
            new.append(text_block(markdown(_text_of(block.get("text")), names), weight="Bolder", size="Medium"))
        elif kind == "section":
            if _text_of(block.get("text")):
                new.append(text_block(markdown(_text_of(block["text"]), names)))
            new += [text_block(markdown(_text_of(f), names)) for f in block.get("fields") or ()]
            accessory = block.get("accessory")
            made = _button(accessory, buttons or {}) if isinstance(accessory, Mapping) else None
            actions += [made] if made else []
        elif kind == "context":
            parts = [markdown(_text_of(e), names) for e in block.get("elements") or ()]
            new.append(text_block("  ·  ".join(p for p in parts if p), size="Small", isSubtle=True))
        elif kind == "actions":
            made_all = [_button(e, buttons or {}) for e in block.get("elements") or () if isinstance(e, Mapping)]
            actions += [a for a in made_all if a]
        elif kind == "divider":
            separate = True
        if new and separate:
            new[0]["separator"] = True
            separate = False
        body += new
    if not body:
        body.append(text_block(markdown(message.text, names)))
    card: Card = {"type": "AdaptiveCard", "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


def without_actions(card: Card) -> Card:
    return {key: value for key, value in card.items() if key not in ("actions", "refresh")}


def with_refresh(card: Card, verb: str, data: Mapping[str, Any], user_ids: list[str]) -> Card:
    """`card` with a `refresh`: Teams sends `verb` for each listed user who sees it, whose answer is their version.
    Not access control: whoever sends the verb is checked again by the bot."""
    refresh = {
        "action": {"type": "Action.Execute", "verb": verb, "data": dict(data)},
        "userIds": user_ids[:MAX_USER_IDS],
    }
    return {**card, "refresh": refresh}


def with_note(card: Card, note: str) -> Card:
    return {**card, "body": [*card.get("body", []), text_block(note, size="Small", isSubtle=True, separator=True)]}


def attachment(card: Card) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def card_of_activity(activity: Mapping[str, Any]) -> Card | None:
    """The first Adaptive Card an activity carries (for tests and the demo's rendering)."""
    for item in activity.get("attachments") or ():
        if isinstance(item, Mapping) and item.get("contentType") == CARD_CONTENT_TYPE:
            content = item.get("content")
            return dict(content) if isinstance(content, Mapping) else None
    return None


def readable(card: Mapping[str, Any]) -> str:
    """A card as a person reads it: its text, then its buttons in brackets (the demo prints this; tests read it)."""
    lines = [str(b.get("text", "")) for b in card.get("body", []) if isinstance(b, Mapping)]
    buttons = [f"[{a.get('title', '')}]" for a in card.get("actions", []) if isinstance(a, Mapping)]
    return "\n".join([*lines, " ".join(buttons)] if buttons else lines)
