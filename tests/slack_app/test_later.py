"""The deferred answer's contract (pure): what the follow-up is asked, Slack's response_url window, the ack."""

from __future__ import annotations

import pytest

from cppcancel.targets import PublishTarget
from slack_app.actions import CancelTicket
from slack_app.later import (
    RESPONSE_URL_TTL_S,
    LaterRequest,
    instance_id,
    looking_up_message,
    response_url_usable,
)
from slack_app.payload import Caller

CALLER = Caller(user_id="U0ALICE", display="alice", team_id="T0LOCAL", channel_id="C0RELEASES", enterprise_id="E0GRID")
TICKET = CancelTicket(
    "a" * 32, PublishTarget("contoso", "contoso-vm-offer"), ("ops@contoso.com",), "U0ALICE", "2026-12-02T00:00:00Z"
)


def request(**changes: object) -> LaterRequest:
    fields: dict[str, object] = {
        "kind": "cancel",
        "command": "/cpp",
        "target": PublishTarget("contoso", "contoso-vm-offer"),
        "caller": CALLER,
        "ref": "b" * 32,
        "response_url": "https://hooks.slack.com/commands/T0/1/x",
        "sent_at": 1_700_000_000.0,
        "ticket": TICKET,
    }
    fields.update(changes)
    return LaterRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["ops", "status", "cancel"])
def test_the_request_round_trips_through_json(kind: str) -> None:
    original = request(kind=kind, ticket=TICKET if kind == "cancel" else None)
    assert LaterRequest.from_json(original.to_json()) == original


def test_the_confirmation_ticket_travels_unchanged() -> None:
    """The Confirm button delivered later carries the request ID made at the ack: a re-run posts the same one."""
    back = LaterRequest.from_json(request().to_json())
    assert back.ticket is not None and back.ticket.to_value() == TICKET.to_value()


@pytest.mark.parametrize(
    "broken",
    [{"kind": "stop"}, {"caller": None}, {"caller": {"display": "x"}}, {"ticket": None}, {"ticket": '{"rid": "x"}'}],
)
def test_a_request_this_app_did_not_write_is_refused(broken: dict[str, object]) -> None:
    data = {**request().to_json(), **broken}
    with pytest.raises(ValueError, match=r"kind|caller|ticket|request ID"):
        LaterRequest.from_json(data)


def test_one_follow_up_per_command() -> None:
    assert instance_id("b" * 32) == "slack-later-" + "b" * 32
    assert instance_id("c" * 32) != instance_id("b" * 32)


def test_the_response_url_is_not_used_near_the_end_of_its_thirty_minutes() -> None:
    sent = 1_700_000_000.0
    assert response_url_usable(sent, sent + 1)
    assert response_url_usable(sent, sent + 25 * 60)
    assert not response_url_usable(sent, sent + RESPONSE_URL_TTL_S - 30)
    assert not response_url_usable(sent, sent + 2 * 3600)


def test_the_ack_says_what_is_being_looked_up_and_that_the_answer_follows() -> None:
    """A slash command's response_url cannot replace the ack: the answer is a second message, and the pair must
    read well - so the ack never promises to be replaced."""
    ack = looking_up_message("contoso", "contoso-vm-offer", "b" * 32)
    assert ack.text == "Looking up contoso/contoso-vm-offer… the answer follows in a moment."
    shown = str(ack.blocks)
    assert "the answer follows" in shown and "b" * 32 in shown
    assert "replace" not in (ack.text + shown)
    assert "confirm_cancel" not in shown, "nothing to click before the answer"
    assert "The Partner Portal is taking its time" in shown


def test_the_ack_names_the_api_that_is_slow() -> None:
    """A configure job's slow read is the Product Ingestion API's: the ack must not blame the Partner Portal."""
    ack = looking_up_message("contoso", "contoso-saas-offer", "c" * 32, "the Product Ingestion API")
    shown = str(ack.blocks)
    assert "The Product Ingestion API is taking its time" in shown and "Partner Portal" not in shown
