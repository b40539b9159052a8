"""Teams behind the chat port, against the Bot Connector stand-in over loopback HTTP: the announcement is one POST,
the progress card is replaced by PUT to its activity ID (posted anew only when it is gone), replies go under it;
429 comes back as a wait, 5xx is raised for the activity retry, other refusals are values; an address whose
serviceUrl could not have been validated gets nothing, and the bot's token goes only under the stored serviceUrl."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cppcancel.approvals import Approval, ApprovalNeed, ApprovalRecord
from cppcancel.chat import ChatUpdate, chat_for
from cppcancel.contracts import CancelOutcome, CancelRequest, Requester, SlackTarget
from cppcancel.targets import PublishTarget
from cppcancel.times import utc_now
from devhost.standins.teams import BotConnectorStandIn
from teams_app.address import Address
from teams_app.cards import card_of_activity, readable, text_block
from teams_app.chat_port import TeamsTransientError
from tests.teams_app.conftest import AMY, BEN

CONVERSATION = "19:releases@thread.tacv2;messageid=1700000000000"
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [text_block("progress")]}


@pytest.fixture
def place(connector: BotConnectorStandIn, teams_env: None) -> str:
    connector.reset()
    return Address(CONVERSATION, connector.service_url).to_text()


def request(place: str, card_id: str | None = "1700000000001") -> CancelRequest:
    return CancelRequest(
        request_id="r1",
        source="teams",
        target=PublishTarget("contoso", "contoso-vm-offer"),
        requester=Requester(display="Amy", user_id=AMY.aad_object_id),
        correlation_id="c1",
        requested_at="2026-12-01T10:00:00Z",
        slack=SlackTarget(place, response_url=card_id),
        chat="teams",
    )


def update(place: str, ts: str | None, thread: str | None = None) -> ChatUpdate:
    return ChatUpdate(place, ts, "progress", [CARD], thread, "teams")


def test_the_announcement_is_one_card_posted_to_the_conversation(place: str, connector: BotConnectorStandIn) -> None:
    outcome = CancelOutcome("accepted", 202, "https://cpp.example/op/1", "watch-1")
    result = chat_for("teams").announce(request(place), outcome, utc_now())
    (sent,) = connector.activities
    assert (sent.verb, sent.conversation_id, result.message_ts) == ("post", CONVERSATION, sent.activity_id)
    assert result.pointer_pending and result.delivered_via == "channel"
    card = card_of_activity(sent.body)
    assert card is not None and "Amy" in readable(card) and AMY.aad_object_id not in readable(card)
    assert sent.token == connector.token


def test_the_progress_card_is_replaced_in_place_and_replies_go_under_it(
    place: str, connector: BotConnectorStandIn
) -> None:
    chat = chat_for("teams")
    first = chat.update(update(place, None))
    assert first.ok and first.ts
    again = chat.update(update(place, first.ts, thread="Status: running"))
    assert again.ok and again.ts == first.ts and not again.thread_pending
    posted, replaced, reply = connector.activities
    assert (posted.verb, replaced.verb, replaced.activity_id) == ("post", "put", first.ts)
    assert (reply.verb, reply.reply_to_id, reply.body["text"]) == ("post", first.ts, "Status: running")


def test_a_card_that_is_gone_is_posted_anew_and_its_reply_left_for_the_next_call(
    place: str, connector: BotConnectorStandIn
) -> None:
    result = chat_for("teams").update(update(place, "999", thread="Status: running"))
    (sent,) = connector.activities
    assert (sent.verb, result.ts, result.thread_pending) == ("post", sent.activity_id, True)


def test_throttling_is_a_wait_a_server_error_is_raised_a_refusal_is_a_value(
    place: str, connector: BotConnectorStandIn
) -> None:
    chat = chat_for("teams")
    connector.fail_next(429, retry_after="7")
    throttled = chat.update(update(place, None))
    assert throttled.rate_limited and throttled.retry_after_s == 7.0
    connector.fail_next(502)
    with pytest.raises(TeamsTransientError):
        chat.update(update(place, None))
    connector.fail_next(403)
    refused = chat.update(update(place, None))
    assert (refused.ok, refused.error) == (False, "teams_http_403")
    assert connector.activities == []


def test_the_confirmation_card_is_pointed_at_the_announcement(place: str, connector: BotConnectorStandIn) -> None:
    chat = chat_for("teams")
    card_id = chat.update(update(place, None)).ts
    assert card_id is not None
    assert chat.point(SlackTarget(place, response_url=card_id)) is True
    pointed = connector.activities[-1]
    assert (pointed.verb, pointed.activity_id) == ("put", card_id)
    assert "Cancel requested" in readable(card_of_activity(pointed.body) or {})


@pytest.mark.parametrize(
    "service_url",
    ["http://bot-connector.example/teams/", "https://user:pw@smba.example/teams/", "ftp://smba.example/"],
)
def test_an_address_the_app_could_not_have_validated_gets_nothing(
    connector: BotConnectorStandIn, teams_env: None, service_url: str
) -> None:
    connector.reset()
    place = f"{CONVERSATION} {service_url}"
    result = chat_for("teams").update(update(place, None))
    assert (result.ok, result.error) == (False, "invalid_address")
    assert chat_for("teams").announce(request(place), CancelOutcome("cancelled", 200), utc_now()).message_ts is None
    assert connector.requests == []


def _approval(person_id: str, name: str, at: str) -> Approval:
    return Approval(f"teams:{person_id}", name, at, person_id)


AMY_APPROVES = _approval(AMY.aad_object_id, "Amy", "2026-12-01T10:00:00Z")


def approval_asked(place: str, required: int) -> tuple[CancelRequest, ApprovalRecord]:
    """Amy's request under a rule asking `required` approvals, and its record with her approval."""
    asked = replace(request(place), approval=ApprovalNeed(required, "r1", 900.0))
    record = ApprovalRecord(
        instance_id=asked.instance_id,
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requested_by=AMY_APPROVES.key,
        required=required,
        rule="r1",
        expires_at="2026-12-01T10:15:00Z",
        approvals=(AMY_APPROVES,),
        chat="teams",
    )
    return asked, record


def test_the_approval_card_is_posted_once_and_replaced_in_place_as_the_record_changes(
    place: str, connector: BotConnectorStandIn
) -> None:
    chat = chat_for("teams")
    asked, record = approval_asked(place, 3)
    amy = AMY_APPROVES
    posted = chat.ask_approval(asked, record)
    (first,) = connector.activities
    card = card_of_activity(first.body)
    assert card is not None and (first.verb, posted.message_ts) == ("post", first.activity_id)
    said = readable(card)
    assert "Amy asks to cancel contoso/contoso-vm-offer" in said and "2 more approvals" in said, said
    assert "2026-12-01 10:15 UTC" in said and AMY.aad_object_id not in said
    assert [(a["verb"], a.get("style")) for a in card["actions"]] == [
        ("approveCancel", "destructive"),
        ("withdrawCancel", None),
    ]

    ben = _approval(BEN.aad_object_id, "Ben", "2026-12-01T10:01:00Z")
    two = replace(record, approvals=(amy, ben), changes=1)
    withdrawn = replace(two, state="withdrawn", closed_by=AMY.aad_object_id, changes=2)
    assert posted.message_ts is not None
    for shown in (two, withdrawn, replace(two, state="expired"), replace(two, state="approved")):
        assert chat.show_approval(asked, shown, posted.message_ts).ok
    cards = [card_of_activity(a.body) or {} for a in connector.activities]
    assert [a.verb for a in connector.activities] == ["post", "put", "put", "put", "put"]
    assert {a.activity_id for a in connector.activities} == {first.activity_id}
    texts = [readable(c) for c in cards]
    assert "Approved so far (2 of 3):** Amy (2026-12-01 10:00 UTC), Ben" in texts[1] and "1 more approval" in texts[1]
    assert "withdrawn by Amy: nothing was sent" in texts[2] and "expired" in texts[3] and "approved" in texts[4]
    assert [bool(c.get("actions")) for c in cards] == [True, True, False, False, False]
    assert not any(AMY.aad_object_id in t or BEN.aad_object_id in t for t in texts)
    assert all(a.token == connector.token for a in connector.activities)


def test_an_approval_card_that_cannot_be_written_is_a_wait_a_retry_or_a_value(
    place: str, connector: BotConnectorStandIn
) -> None:
    chat = chat_for("teams")
    asked, record = approval_asked(place, 2)
    connector.fail_next(429, retry_after="3")
    with pytest.raises(TeamsTransientError):  # the post: the activity retry tries again
        chat.ask_approval(asked, record)
    connector.fail_next(403)
    assert chat.ask_approval(asked, record).slack_error == "teams_http_403"
    connector.fail_next(429, retry_after="3")
    throttled = chat.show_approval(asked, record, "1700000000009")
    assert throttled.rate_limited and throttled.retry_after_s == 3.0
    connector.fail_next(502)
    with pytest.raises(TeamsTransientError):
        chat.show_approval(asked, record, "1700000000009")
    assert connector.activities == []
    nowhere = replace(asked, slack=SlackTarget("not an address"))
    assert chat.ask_approval(nowhere, record).message_ts is None
