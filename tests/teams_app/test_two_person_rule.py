"""The two-person rule in Teams, over signed HTTP: Teams' chat port does not ask for approvals yet
(`cppcancel.chat.collects_approvals`), so a Confirm under `"approvals": 2` starts nothing - it would wait where
nobody can approve - and says why."""

from __future__ import annotations

import json

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn
from teams_app.cards import readable
from tests.cancel_function.conftest import AuditLog
from tests.cancel_function.local_host import LocalFunctions
from tests.teams_app.conftest import AMY, TEAMS_POLICY
from tests.teams_app.test_confirm import ask, cancels, execute


def test_a_two_person_rule_is_refused_where_approvals_cannot_be_collected(
    teams_cpp: BotConnectorClient,
    connector: BotConnectorStandIn,
    teams_host: LocalFunctions,
    audit_log: AuditLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rule = {**TEAMS_POLICY["rules"][0], "approvals": 2}
    monkeypatch.setenv("CANCEL_POLICY", json.dumps({"rules": [rule]}))
    reset_settings_cache()
    teams_host.reset()
    ticket, card_id, conversation = ask(teams_cpp, connector)
    card = execute(teams_cpp, "confirmCancel", ticket, AMY, card_id, conversation)
    assert "approvals cannot be collected in this chat" in readable(card)
    assert cancels(teams_host) == []
    refused = [r for r in audit_log.records() if r["command"] == "confirm_cancel"]
    assert [(r["decision"], r["reason"]) for r in refused] == [("refused", "approvals cannot be collected in teams")]
