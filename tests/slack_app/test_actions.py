"""Button values: what the app writes comes back validated; anything else is InvalidValue."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.contracts import watch_instance_id
from cppcancel.targets import PublishTarget
from slack_app.actions import MAX_VALUE_LENGTH, CancelTicket, InvalidValue, OfferRef, StopWatch


def test_ticket_round_trip_and_compact_form() -> None:
    ticket = CancelTicket("0" * 32, PublishTarget("contoso", "vm"), ("a@x.com",), "U0ALICE", "2026-01-01T00:00:00Z")
    value = ticket.to_value()
    assert json.loads(value) == {
        "rid": "0" * 32,
        "p": "contoso",
        "o": "vm",
        "n": ["a@x.com"],
        "by": "U0ALICE",
        "at": ticket.asked_at,
    }
    assert CancelTicket.from_value(value) == ticket


def test_display_fields_are_dropped_when_malformed_not_trusted() -> None:
    value = json.dumps({"rid": "0" * 32, "p": "c", "o": "o", "by": "<!channel>", "at": "x" * 100})
    ticket = CancelTicket.from_value(value)
    assert (ticket.asked_by, ticket.asked_at) == (None, None)


def test_a_value_longer_than_slack_allows_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="Slack allows 2000"):
        CancelTicket(
            "0" * 32, PublishTarget("p" * 100, "o" * 100), tuple(f"{'x' * 100}{i}@x.com" for i in range(20))
        ).to_value()


@given(st.text(max_size=MAX_VALUE_LENGTH + 10) | st.none() | st.integers())
def test_from_value_raises_only_invalid_value(raw: object) -> None:
    for parser in (CancelTicket.from_value, OfferRef.from_value, StopWatch.from_value):
        with contextlib.suppress(InvalidValue):
            parser(raw)


def test_offer_ref_round_trip() -> None:
    assert OfferRef.from_value(OfferRef(PublishTarget("contoso", "vm")).to_value()) == OfferRef(
        PublishTarget("contoso", "vm")
    )


def test_stop_watch_accepts_only_watcher_instance_ids() -> None:
    good = watch_instance_id("https://x/api/publishers/p/offers/o/operations/1")
    assert StopWatch.from_value(StopWatch(good, "p", "o").to_value()).instance_id == good
    for bad in ("cancel-slack-" + "0" * 32, "watch-../x", "watch-" + "0" * 31, ""):
        with pytest.raises(InvalidValue):
            StopWatch.from_value(json.dumps({"instanceId": bad, "publisherId": "p", "offerId": "o"}))
