"""The one home of the app's ISO 8601 timestamps: how they are written, and how they (and the CPP's) are read.

Timestamps travel in orchestration inputs, custom status, activity payloads, audit records and Slack buttons, and old
histories hold the strings earlier code wrote: every writer here produces exactly the strings the app has always
produced (UTC, `Z` instead of `+00:00`), and the reader accepts all of them plus the CPP's own (7-digit fractions).
Orchestrator code passes `context.current_utc_datetime`; only adapters call `utc_now()`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

__all__ = ["Timespec", "iso", "parse_iso", "utc_now"]

# "auto": microseconds when there are any (the durable payloads); "seconds": Slack buttons and cancel requests;
# "milliseconds": audit records.
Timespec = Literal["auto", "seconds", "milliseconds"]

_FRACTION = re.compile(r"(\.\d{6})\d+")


def utc_now() -> datetime:
    """The wall clock, timezone-aware. Never in orchestrator code (replays must see the same time)."""
    return datetime.now(UTC)


def iso(moment: datetime, timespec: Timespec = "auto") -> str:
    """`moment` in UTC as ISO 8601 with a `Z`: `2026-11-25T10:00:02Z`, `...:02.500000Z` ("auto", when there are
    microseconds), `...:02.500Z` ("milliseconds")."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    """A timestamp this app wrote or the CPP's (any fraction, `Z` or an offset); None when absent or unreadable.

    Always timezone-aware: a time without an offset is taken as UTC, as the CPP means it.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
