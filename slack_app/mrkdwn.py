"""Slack text primitives shared by every renderer (pure): escaping, inline code, HTML to text, truncation, times,
durations, Block Kit limits.

The command replies (`replies.py`) and the watcher's progress messages (`progress.py`) must escape, truncate and show
times the same way; this is the one place that says how.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from cppcancel.chat_ids import SLACK_USER_RE
from cppcancel.times import parse_iso

# Block Kit limits (api.slack.com/reference/block-kit): blocks per message, section text, header text.
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Slack's three control characters, escaped as Slack documents: text can no longer form links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


USER_ID = SLACK_USER_RE


def person(requested_by: object) -> str:
    """Who asked, for Slack: a user ID as a mention, a webhook caller's name (or anything else) as escaped text."""
    if isinstance(requested_by, str) and USER_ID.match(requested_by):
        return f"<@{requested_by}>"
    return escape(str(requested_by or "someone"))


def code(text: str) -> str:
    """Inline code (an offer called `my_offer_x` must not turn italic); backticks are not valid in IDs, but a stray
    one must not end the span early."""
    return "`" + escape(text).replace("`", "'") + "`"


def target(publisher_id: str, offer_id: str) -> str:
    """The offer a message is about, as inline code."""
    return code(f"{publisher_id}/{offer_id}")


_BREAKS = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6])\s*/?\s*>")
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def html_to_text(fragment: str, *, single_line: bool = False) -> str:
    """The CPP's `messageHtml` as plain, UNESCAPED text: tags dropped, entities decoded, breaks kept as newlines
    (or folded into spaces with `single_line`). Escape it before putting it into mrkdwn."""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", fragment)))
    lines = [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if line]
    return (" " if single_line else "\n").join(lines)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def plain_time(value: datetime | str | None) -> str:
    moment = value if isinstance(value, datetime) else parse_iso(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def slack_time(value: datetime | str | None, fmt: str = "{date_short_pretty} {time}") -> str:
    """A `<!date>` token (shown in each reader's time zone) with a UTC fallback; the raw text if it is not a time."""
    moment = value if isinstance(value, datetime) else parse_iso(value)
    if moment is None:
        return escape(value) if isinstance(value, str) and value else "an unknown time"
    return f"<!date^{int(moment.timestamp())}^{fmt}|{plain_time(moment)}>"


def format_duration(seconds: float) -> str:
    """A person's rendering of a duration: `45 s`, `3 min`, `1 h 5 min`, `2 d 3 h`."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"
