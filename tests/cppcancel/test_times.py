"""One home for timestamps: the strings are exactly those the app always wrote (old histories hold them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from cppcancel.times import iso, parse_iso

MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([UTC, UTC])
)


@given(MOMENTS)
def test_the_written_formats_are_the_ones_the_app_always_wrote(moment: datetime) -> None:
    assert iso(moment) == moment.astimezone(UTC).isoformat().replace("+00:00", "Z")  # durable payloads
    assert iso(moment, "seconds") == moment.isoformat(timespec="seconds").replace("+00:00", "Z")  # Slack, requests
    assert iso(moment, "milliseconds") == moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # audit
    assert parse_iso(iso(moment)) == moment


def test_examples() -> None:
    moment = datetime(2026, 11, 25, 10, 0, 2, tzinfo=UTC)
    assert iso(moment) == "2026-11-25T10:00:02Z"
    assert iso(moment + timedelta(microseconds=500000)) == "2026-11-25T10:00:02.500000Z"
    assert iso(moment, "milliseconds") == "2026-11-25T10:00:02.000Z"
    assert iso(moment.astimezone(timezone(timedelta(hours=2)))) == "2026-11-25T10:00:02Z"


def test_reading_is_tolerant() -> None:
    moment = datetime(2026, 11, 25, 10, 0, 2, 123456, tzinfo=UTC)
    assert parse_iso("2026-11-25T10:00:02.1234567Z") == moment  # the CPP's 7-digit fractions
    assert parse_iso(" 2026-11-25T10:00:02.123456+00:00 ") == moment
    assert parse_iso("2026-11-25T10:00:02.123456") == moment  # no offset: UTC
    assert parse_iso(None) is None and parse_iso("") is None and parse_iso("soon") is None
