"""Confirm in Teams, over signed HTTP: the refresh shows Confirm only to someone the policy allows; every Execute is
checked again for whoever sent it; a permitted Confirm starts exactly one cancel orchestration, however often it is
clicked and by whom; what is started answers in Teams (source and chat `teams`, the conversation's address)."""

from __future__ import annotations

import json
from typing import Any

from cppcancel.contracts import CANCEL_ORCHESTRATOR, CancelRequest, cancel_instance_id
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, Person, Place
from slack_app.actions import CancelTicket
from teams_app.address import Address
from teams_app.cards import card_of_activity, readable
from tests.cancel_function.conftest import AuditLog
from tests.cancel_function.local_host import LocalFunctions
from tests.teams_app.conftest import AMY, BEN, MALLORY


def ask(
    teams: BotConnectorClient, connector: BotConnectorStandIn, who: Person = AMY, *, reset: bool = True
) -> tuple[str, str, str]:
    """`@cpp cancel contoso contoso-vm-offer` by `who`: (the ticket the refresh carries, the card's activity ID,
    the conversation it was posted to). `reset`: forget what the connector saw before."""
    if reset:
        connector.reset()
    before = len(connector.activities)
    assert teams.message("cancel contoso contoso-vm-offer", who).status == 200
    (sent,) = connector.activities[before:]
    card = card_of_activity(sent.body)
    assert card is not None
    return str(card["refresh"]["action"]["data"]["value"]), sent.activity_id, sent.conversation_id


def execute(
    teams: BotConnectorClient, verb: str, value: str, who: Person, card_id: str, conversation: str, **value_extra: Any
) -> dict[str, Any]:
    activity = teams.execute_activity(verb, {"value": value}, who, Place(), reply_to_id=card_id)
    activity["conversation"]["id"] = conversation
    activity["value"].update(value_extra)
    reply = teams.post(activity)
    assert reply.status == 200, reply.raw
    assert reply.json["type"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = reply.json["value"]
    return card


def verbs(card: dict[str, Any]) -> list[str]:
    return [a.get("verb", "") for a in card.get("actions", [])]


def cancels(host: LocalFunctions) -> list[Any]:
    return host.instances(CANCEL_ORCHESTRATOR)


def test_the_refresh_offers_confirm_to_the_permitted_asker_only(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn
) -> None:
    ticket, card_id, conversation = ask(teams_cpp, connector)
    mine = execute(teams_cpp, "refreshCancel", ticket, AMY, card_id, conversation, trigger="automatic")
    assert verbs(mine) == ["confirmCancel", "abortCancel"]
    assert mine["refresh"]["userIds"] == [AMY.teams_id], "the asker's version stays live"
    theirs = execute(teams_cpp, "refreshCancel", ticket, MALLORY, card_id, conversation)
    assert verbs(theirs) == [] and "Missing permission" in readable(theirs)
    assert [a.verb for a in connector.activities] == ["post"], "a refresh sends nothing"


def test_an_unpermitted_confirm_is_refused_and_starts_nothing(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, teams_host: LocalFunctions, audit_log: AuditLog
) -> None:
    teams_host.reset()
    ticket, card_id, conversation = ask(teams_cpp, connector)
    card = execute(teams_cpp, "confirmCancel", ticket, MALLORY, card_id, conversation)
    assert "Missing permission" in readable(card) and verbs(card) == []
    assert cancels(teams_host) == []
    refused = [r for r in audit_log.records() if r["command"] == "confirm_cancel"]
    assert [(r["source"], r["decision"], r["who"]) for r in refused] == [("teams", "refused", MALLORY.aad_object_id)]


def test_twenty_confirms_by_two_people_start_one_cancel_that_answers_in_teams(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, teams_host: LocalFunctions
) -> None:
    teams_host.reset()
    ticket, card_id, conversation = ask(teams_cpp, connector)
    answers = [
        execute(teams_cpp, "confirmCancel", ticket, AMY if n % 2 else BEN, card_id, conversation) for n in range(20)
    ]
    (instance,) = cancels(teams_host)
    request_id = CancelTicket.from_value(ticket).request_id
    assert instance.instance_id == cancel_instance_id("teams", request_id)
    assert "requested by Ben" in readable(answers[0])
    assert all("already requested" in readable(card) for card in answers[1:])
    request = CancelRequest.from_json(json.loads(instance.input_json))
    assert (request.source, request.chat, request.requester.user_id) == ("teams", "teams", BEN.aad_object_id)
    assert request.slack is not None and request.slack.response_url == card_id
    assert Address.parse(request.slack.channel_id) == Address(conversation, connector.service_url)
