"""The ack deadline (pure): the earlier of the handler's budget and Slack's send time plus the same budget, with
the truncated timestamp read on the safe side."""

from __future__ import annotations

import pytest

from slack_app import deadline
from slack_app.deadline import ACK_BUDGET_S, SLACK_ACK_LIMIT_S, AckClock, ack_clock, ack_deadline

MONO = 1000.0  # the handler's start on the monotonic clock
WALL = 1_700_000_000.0  # the same instant on the wall clock


def test_without_a_timestamp_the_handler_budget_alone_applies() -> None:
    assert ack_deadline(started_mono=MONO, started_wall=WALL, sent_at=None) == MONO + ACK_BUDGET_S


def test_a_fresh_request_keeps_the_handler_budget() -> None:
    # Sent in the same whole second the handler starts (at its very beginning): nothing is lost.
    assert ack_deadline(started_mono=MONO, started_wall=WALL, sent_at=int(WALL)) == MONO + ACK_BUDGET_S


def test_time_spent_before_the_handler_is_taken_off() -> None:
    # Slack sent it 1.6 s before the handler started (a cold worker): 0.9 s are left, not 2.5.
    found = ack_deadline(started_mono=MONO, started_wall=WALL + 0.6, sent_at=int(WALL) - 1)
    assert found == pytest.approx(MONO + ACK_BUDGET_S - 1.6)


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 0.999])
def test_the_truncated_timestamp_is_read_on_the_safe_side(fraction: float) -> None:
    """Slack really sent the request at ts + fraction; the header says ts. Whatever the fraction, the ack deadline
    is never later than Slack's own (3 s from the real send) less the network margin."""
    ts = int(WALL)
    real_sent = ts + fraction
    handler_wall = real_sent + 1.2  # the handler starts 1.2 s after Slack sent it
    found = ack_deadline(started_mono=MONO, started_wall=handler_wall, sent_at=ts)
    slack_gives_up = MONO + (real_sent + SLACK_ACK_LIMIT_S - handler_wall)
    assert found <= slack_gives_up - (SLACK_ACK_LIMIT_S - ACK_BUDGET_S) + 1e-9
    # ...and it gives away no more than the truncation: at most one second.
    assert found >= slack_gives_up - (SLACK_ACK_LIMIT_S - ACK_BUDGET_S) - 1.0 - 1e-9


def test_a_timestamp_ahead_of_our_clock_cannot_extend_the_deadline() -> None:
    found = ack_deadline(started_mono=MONO, started_wall=WALL, sent_at=int(WALL) + 30)
    assert found == MONO + ACK_BUDGET_S


def test_an_old_request_has_no_time_left() -> None:
    found = ack_deadline(started_mono=MONO, started_wall=WALL, sent_at=int(WALL) - 10)
    assert found < MONO
    assert deadline.read_deadline(found, MONO) is None
    assert deadline.start_timeout(found, MONO) == deadline.MIN_DEFER_START_S


def test_a_read_is_tried_only_when_enough_is_left_after_the_reserve() -> None:
    ack_by = MONO + ACK_BUDGET_S
    assert deadline.read_deadline(ack_by, MONO) == ack_by - deadline.DEFER_RESERVE_S
    just_enough = ack_by - deadline.DEFER_RESERVE_S - deadline.MIN_INLINE_READ_S
    assert deadline.read_deadline(ack_by, just_enough - 0.01) is not None
    assert deadline.read_deadline(ack_by, just_enough + 0.01) is None


def test_two_seconds_old_leaves_no_inline_read() -> None:
    """The e2e case: X-Slack-Request-Timestamp is ~2 s old when the handler starts."""
    for fraction in (0.0, 0.5, 0.99):
        wall = WALL + fraction
        clock = ack_clock(str(int(wall - 2.0)), started_mono=MONO, started_wall=wall)
        assert deadline.read_deadline(clock.deadline, MONO) is None


@pytest.mark.parametrize("header", [None, "", "abc", "12.5", "-3", "²", ["1700000000", "1"], 17])
def test_an_unreadable_header_counts_as_no_timestamp(header: object) -> None:
    expected = None if not isinstance(header, list) else 1_700_000_000
    assert deadline.slack_timestamp(header) == expected


def test_the_clock_carries_the_send_time_for_the_response_url_rule() -> None:
    assert ack_clock(" 1699999990 ", started_mono=MONO, started_wall=WALL) == AckClock(
        deadline=MONO + ACK_BUDGET_S - 10.0, sent_at=1_699_999_990.0
    )
    # From the future (skew): the response_url's 30 minutes count from the earlier instant, the handler's start.
    assert ack_clock(str(int(WALL) + 5), started_mono=MONO, started_wall=WALL).sent_at == WALL
    assert ack_clock(None, started_mono=MONO, started_wall=WALL).sent_at == WALL
