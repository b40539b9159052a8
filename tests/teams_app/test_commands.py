"""`@cpp …` in Teams over loopback HTTP, signed by the Bot Connector stand-in: each command gets its card, in the
conversation it came from, with the same words as Slack's; a confirmation shows no button to everyone and is
refreshed for its asker; every command leaves an audit record that names Teams."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.standins.ingestion import IngestionStandIn
from devhost.standins.teams import PERSONAL_CHAT, BotConnectorClient, BotConnectorStandIn, Place
from devhost.standins.teams.graph import DEFAULT_TOKEN as GRAPH_TOKEN
from devhost.standins.teams.graph import GraphStandIn
from record_store.base import CancelRecord
from record_store.sqlite import SqliteRecordStore
from teams_app.cards import card_of_activity, readable
from tests.cancel_function.conftest import AuditLog
from tests.teams_app.conftest import AMY, BEN, MALLORY, TEAMS_POLICY


def posted_card(connector: BotConnectorStandIn) -> dict[str, Any]:
    (sent,) = connector.activities
    card = card_of_activity(sent.body)
    assert card is not None, sent.body
    return card


def test_help_lists_the_commands_as_typed_in_teams(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn
) -> None:
    assert teams_cpp.message("help", AMY).status == 200
    text = readable(posted_card(connector))
    assert "@cpp cancel" in text and "/cpp" not in text


def test_ops_reads_the_offer_and_answers_with_a_card(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, audit_log: AuditLog
) -> None:
    activity = teams_cpp.message_activity("ops contoso contoso-vm-offer", AMY, Place())
    assert teams_cpp.post(activity).status == 200
    (sent,) = connector.activities
    assert sent.conversation_id == activity["conversation"]["id"]
    assert "contoso/contoso-vm-offer" in readable(posted_card(connector))
    (record,) = [r for r in audit_log.records() if r["command"] == "ops"]
    assert (record["source"], record["who"], record["outcome"]) == ("teams", AMY.aad_object_id, "shown")
    assert record["channel"] == Place().channel_id


def test_a_confirmation_shows_no_button_to_everyone_and_is_refreshed_for_the_asker(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn
) -> None:
    assert teams_cpp.message("cancel contoso contoso-vm-offer", AMY).status == 200
    card = posted_card(connector)
    assert "actions" not in card
    assert card["refresh"]["userIds"] == [AMY.teams_id]
    assert card["refresh"]["action"]["verb"] == "refreshCancel"
    assert "Only Amy can confirm this" in readable(card)


def test_an_unpermitted_person_is_refused_in_a_card(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, audit_log: AuditLog
) -> None:
    assert teams_cpp.message("cancel contoso contoso-vm-offer", MALLORY, PERSONAL_CHAT).status == 200
    card = posted_card(connector)
    assert "Missing permission" in readable(card) and "refresh" not in card and "actions" not in card
    (record,) = audit_log.records()
    assert (record["source"], record["decision"], record["who"]) == ("teams", "refused", MALLORY.aad_object_id)


def test_a_parse_error_says_how_to_type_it(teams_cpp: BotConnectorClient, connector: BotConnectorStandIn) -> None:
    teams_cpp.message("cancel contoso", AMY)
    assert "Use: @cpp cancel" in readable(posted_card(connector))


def test_history_in_teams_shows_the_cancels_asked_from_slack_too(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, teams_env: None
) -> None:
    store = SqliteRecordStore(os.environ["RECORD_STORE_SQLITE"])
    common = {"publisher_id": "contoso", "offer_id": "contoso-vm-offer", "state": "sent", "outcome": "accepted"}
    store.create(
        CancelRecord(
            instance_id="i1",
            source="slack",
            requested_by="U0ALICE",
            requested_at="2026-12-01T10:00:00Z",
            channel="C0REL",
            status_code=202,
            **common,
        )
    )
    store.create(
        CancelRecord(
            instance_id="i2",
            source="teams",
            requested_by=AMY.aad_object_id,
            display="Amy",
            requested_at="2026-12-01T11:00:00Z",
            status_code=202,
            **common,
        )
    )
    store.close()
    teams_cpp.message("history contoso contoso-vm-offer", AMY)
    lines = [line for line in readable(posted_card(connector)).splitlines() if " via " in line]
    assert "Amy via Microsoft Teams" in lines[0] and "U0ALICE via Slack" in lines[1], lines


RELEASE_GROUP = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def test_an_entra_group_lets_its_members_in_through_graph_and_only_then_is_graph_asked(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    with GraphStandIn() as graph:
        graph.add_member(BEN.aad_object_id, RELEASE_GROUP)
        monkeypatch.setenv("TEAMS_GRAPH_BASE_URL", graph.base_url)
        monkeypatch.setenv("TEAMS_GRAPH_ACCESS_TOKEN", GRAPH_TOKEN)
        by_group = {
            "rules": [{"publishers": ["contoso"], "offers": ["*"], "users": [], "entraGroups": [RELEASE_GROUP]}]
        }
        monkeypatch.setenv("CANCEL_POLICY", json.dumps(by_group))
        reset_settings_cache()
        teams_cpp.message("ops contoso contoso-vm-offer", BEN)
        shown = readable(posted_card(connector))
        assert "contoso/contoso-vm-offer" in shown and "⛔" not in shown, shown
        connector.reset()
        teams_cpp.message("ops contoso contoso-vm-offer", MALLORY)
        assert "Missing permission" in readable(posted_card(connector))
        assert [r.path for r in graph.requests] == [
            f"/v1.0/users/{BEN.aad_object_id}/checkMemberGroups",
            f"/v1.0/users/{MALLORY.aad_object_id}/checkMemberGroups",
        ]
        monkeypatch.setenv("CANCEL_POLICY", json.dumps(TEAMS_POLICY))
        reset_settings_cache()
        connector.reset()
        teams_cpp.message("ops contoso contoso-vm-offer", MALLORY)
        assert len(graph.requests) == 2, "a policy that names no group asks Graph nothing"


def test_an_entra_group_rule_that_trusts_unregistered_jobs_reaches_a_job_in_teams(
    teams_cpp: BotConnectorClient, connector: BotConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's own check (`unregisteredJobs`) asks the same Entra groups as the offer's: a member is offered the
    confirmation, a non-member is refused - the group is not read as "unknown" on the way to the job."""
    job = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0231"
    with GraphStandIn() as graph, IngestionStandIn() as jobs:
        jobs.add_job(job)
        graph.add_member(BEN.aad_object_id, RELEASE_GROUP)
        monkeypatch.setenv("TEAMS_GRAPH_BASE_URL", graph.base_url)
        monkeypatch.setenv("TEAMS_GRAPH_ACCESS_TOKEN", GRAPH_TOKEN)
        monkeypatch.setenv("INGESTION_BASE_URL", jobs.base_url)
        monkeypatch.setenv("INGESTION_ACCESS_TOKEN", jobs.token)
        rule = {"publishers": ["contoso"], "offers": ["*"], "users": [], "entraGroups": [RELEASE_GROUP]}
        monkeypatch.setenv("CANCEL_POLICY", json.dumps({"rules": [{**rule, "unregisteredJobs": True}]}))
        reset_settings_cache()
        teams_cpp.message(f"cancel contoso contoso-saas-offer job={job}", BEN)
        shown = readable(posted_card(connector))
        assert job in shown and "⛔" not in shown and "register" not in shown.lower(), shown
        connector.reset()
        teams_cpp.message(f"cancel contoso contoso-saas-offer job={job}", MALLORY)
        assert "Missing permission" in readable(posted_card(connector))
        assert jobs.cancel_count(job) == 0, "nothing is cancelled before Confirm"
