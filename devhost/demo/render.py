"""Print a Slack conversation in a terminal the way a person would read it in Slack, with a live progress line.

Slack markup is resolved to what the client shows: `<!date^...|fallback>` -> the fallback, `<@U0ALICE>` -> @alice,
`<#C0RELEASES>` -> #releases, HTML entities decoded. A message edited in place (chat.update) is shown as one compact
line per edit - its headline - because that is what changes on screen; new messages and thread replies in full.
Messages arrive on the stand-in's threads while the story runs, so all output goes through one lock, and the
progress line (a spinner on a terminal, a periodic line otherwise) is erased before anything else is printed.
"""

from __future__ import annotations

import html
import itertools
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from devhost.standins.slack.messages import blocks_to_text

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"\*([^*\n]+)\*")
_EMOJI = {
    ":warning:": "⚠️",
    ":no_entry:": "⛔",
    ":no_entry_sign:": "🚫",
    ":hourglass_flowing_sand:": "⏳",
    ":white_check_mark:": "✅",
    ":heavy_check_mark:": "✔️",
    ":x:": "❌",
    ":octagonal_sign:": "🛑",
    ":eyes:": "👀",
    ":information_source:": "ℹ️",
}
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def humanize(text: str, people: Mapping[str, str], channels: Mapping[str, str]) -> str:
    def link(found: re.Match[str]) -> str:
        target, label = found.group(1), found.group(2)
        if target.startswith("@"):
            return "@" + people.get(target[1:], label or target[1:])
        if target.startswith("#"):
            return "#" + channels.get(target[1:], label or target[1:])
        return label if label is not None else target.removeprefix("!")

    text = _BOLD.sub(r"\1", _LINK.sub(link, text))
    text = _SHORTCODE.sub(lambda m: _EMOJI.get(m.group(0), m.group(0)), text)
    return html.unescape(text)


def message_lines(text: str | None, blocks: list[dict[str, Any]]) -> list[str]:
    return blocks_to_text(blocks) or [line for line in (text or "").splitlines() if line.strip()] or ["(empty)"]


class Conversation:
    """Thread-safe printer for the story and the app's messages, with a progress line."""

    def __init__(
        self,
        people: Mapping[str, str],
        channels: Mapping[str, str],
        stream: TextIO | None = None,
    ) -> None:
        self.people = dict(people)
        self.channels = dict(channels)
        self._out = stream or sys.stdout
        self._tty = bool(getattr(self._out, "isatty", lambda: False)())
        self._lock = threading.RLock()
        self._status: Callable[[], str] | None = None
        self._progress_shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_plain = 0.0

    def name(self, user: str) -> str:
        return self.people.get(user, user)

    def plain(self, text: str) -> str:
        """Slack markup as the Slack client would show it."""
        return humanize(text, self.people, self.channels)

    # ---- plain output ---------------------------------------------------------------------------------------
    def say(self, line: str = "") -> None:
        with self._lock:
            self._clear_progress()
            print(line, file=self._out, flush=True)

    def block(self, head: str, lines: list[str], *, indent: str = "    ") -> None:
        with self._lock:
            self._clear_progress()
            print(f"{indent}{head}", file=self._out)
            for line in lines:
                print(f"{indent}│ {self.plain(line)}", file=self._out)
            print(file=self._out, flush=True)

    def user_types(self, user: str, command: str) -> None:
        self.say(f"  {self.name(user)} › {command}")

    def user_clicks(self, user: str, label: str) -> None:
        self.say(f"  {self.name(user)} clicks [{label}]")

    def app_reply(self, user: str, lines: list[str], *, in_channel: bool = False) -> None:
        where = "in the channel" if in_channel else f"only visible to {self.name(user)}"
        self.block(f"cpp (app) · {where}", lines)

    # ---- messages from the Slack stand-in -------------------------------------------------------------------
    def app_message(self, message: Any) -> None:
        """The stand-in's `on_message` callback (a `SlackMessage`)."""
        method = getattr(message, "method", "?")
        lines = message_lines(getattr(message, "text", None), list(getattr(message, "blocks", None) or []))
        channel = self.channels.get(str(getattr(message, "channel", "")), str(getattr(message, "channel", "")))
        if method == "chat.update":
            headline = " · ".join(self.plain(line) for line in lines[:2])
            self.say(f"    ✎ cpp edited its message in #{channel}: {headline}")
        elif method == "chat.postMessage" and getattr(message, "thread_ts", None):
            self.block(f"cpp (app) · thread reply in #{channel}", lines)
        elif method == "chat.postMessage":
            self.block(f"cpp (app) · new message in #{channel}", lines)
        elif method == "response_url":
            verb = "replaces its earlier reply" if getattr(message, "replaced", False) else "replies"
            self.block(f"cpp (app) · {verb} (only visible to the person who clicked)", lines)
        else:
            self.block(f"cpp (app) · {method}", lines)

    # ---- progress -------------------------------------------------------------------------------------------
    def start_progress(self, status: Callable[[], str]) -> None:
        self._status = status
        self._stop.clear()
        self._thread = threading.Thread(target=self._spin, name="demo-progress", daemon=True)
        self._thread.start()

    def stop_progress(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            self._clear_progress()
        self._status = None

    def _spin(self) -> None:
        for frame in itertools.cycle(_SPINNER):
            if self._stop.wait(0.12):
                return
            status = self._status() if self._status else ""
            with self._lock:
                if self._tty:
                    self._out.write(f"\r\033[K  {frame} {status}")
                    self._out.flush()
                    self._progress_shown = True
                elif time.monotonic() - self._last_plain >= 5:
                    self._last_plain = time.monotonic()
                    print(f"  … {status}", file=self._out, flush=True)

    def _clear_progress(self) -> None:
        if self._progress_shown:
            self._out.write("\r\033[K")
            self._progress_shown = False
