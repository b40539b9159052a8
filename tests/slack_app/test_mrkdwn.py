"""Slack text primitives: inline code, times as `<!date>` tokens with a UTC fallback, durations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slack_app import mrkdwn
from slack_app.mrkdwn import format_duration


def test_ids_are_inline_code_so_underscores_cannot_format() -> None:
    assert mrkdwn.target("my_pub", "my_offer_x") == "`my_pub/my_offer_x`"


def test_times_are_slack_date_tokens_with_a_utc_fallback() -> None:
    assert mrkdwn.slack_time("2026-01-01T10:00:00.1234567Z") == (
        "<!date^1767261600^{date_short_pretty} {time}|2026-01-01 10:00 UTC>"
    )
    assert mrkdwn.slack_time("soon") == "soon"
    assert mrkdwn.plain_time(datetime(2026, 1, 1, 10, 0, tzinfo=UTC)) == "2026-01-01 10:00 UTC"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (0.4, "0 s"), (45, "45 s"), (185, "3 min"), (3900, "1 h 5 min"), (7200, "2 h"), (183600, "2 d 3 h")],
)
def test_durations_read_like_a_person_writes_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
